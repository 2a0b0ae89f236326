package web_test

import (
	"encoding/json"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
)

// TestOpenCostV1Filters: /allocation/compute reads the v1 filter
// parameters older OpenCost and Kubecost clients send (filterClusters,
// filterNamespaces, filterControllerKinds, filterControllers as kind:name
// or name, filterPods, filterContainers, filterLabels), ANDed with filter,
// as /assets reads its own; those it cannot answer are refused. They were
// ignored: filterNamespaces=search answered every namespace's costs.
func TestOpenCostV1Filters(t *testing.T) {
	srv := controllersServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&aggregate=controller&window=" + url.QueryEscape(day)
	for _, tc := range []struct {
		query string
		want  map[string]float64
	}{
		{"filterNamespaces=search", map[string]float64{"deployment:api": 1}},
		{"filterNamespaces=search,shop", map[string]float64{"deployment:api": 4, "statefulset:db": 2}},
		{"filterControllerKinds=statefulset", map[string]float64{"statefulset:db": 2}},
		{"filterControllers=deployment:api", map[string]float64{"deployment:api": 4}},
		{"filterControllers=db", map[string]float64{"statefulset:db": 2}},
		{"filterControllers=statefulset:api", map[string]float64{}},
		{"filterNamespaces=shop&filterControllerKinds=deployment", map[string]float64{"deployment:api": 3}},
		{"filterNamespaces=shop&filter=" + url.QueryEscape(`controllerKind:"statefulset"`), map[string]float64{"statefulset:db": 2}},
		{"filterClusters=prod", map[string]float64{"deployment:api": 4, "statefulset:db": 2}},
		{"filterClusters=staging", map[string]float64{}},
		{"filterPods=db-0", map[string]float64{"statefulset:db": 2}},
		// ANDed with a filter of alternatives, not joined into its last one.
		{"filterControllerKinds=deployment&filter=" + url.QueryEscape(`namespace:"search"|namespace:"shop"`), map[string]float64{"deployment:api": 4}},
		{"filterNamespaces=search&filter=" + url.QueryEscape(`controllerKind:"statefulset"|controllerName:"api"`), map[string]float64{"deployment:api": 1}},
	} {
		sets := openCostSets(t, base+"&"+tc.query)
		if len(sets) != 1 {
			t.Fatalf("%s: %d sets", tc.query, len(sets))
		}
		got := map[string]float64{}
		for k, a := range sets[0] {
			got[k] = math.Round(a.TotalCost*1e9) / 1e9
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v (all %v)", tc.query, k, got[k], v, got)
			}
		}
	}
	for _, tc := range []struct{ query, want string }{
		{"filterServices=api", "filterServices"},
		{"filterLabels=team", `filterLabels "team"`},
		{"filterControllers=deployment:api,statefulset:db", "filterControllers"},
	} {
		var body struct {
			Code    int
			Message string
		}
		resp := get(t, base+"&"+tc.query, &body)
		raw, _ := json.Marshal(body)
		if resp.StatusCode != 400 || !strings.Contains(body.Message, tc.want) {
			t.Errorf("%s: status %d, %s; want 400 naming %s", tc.query, resp.StatusCode, raw, tc.want)
		}
	}
}
