package web_test

import (
	"encoding/json"
	"math"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// filterServer serves one hour of cluster prod's node n1: Deployment api
// in shop ($3, team pay) and search ($1, team find), StatefulSet db in
// shop ($2, no team), DaemonSet proxy in kube-system ($8, team platform),
// the bare pod debug in shop ($16, its own workload of kind Pod), and $1
// idle.
func filterServer(t *testing.T) *httptest.Server {
	alloc := func(ns, kind, workload, pod, team, cost string) tally.Allocation {
		if workload == "" {
			return hourAllocation("n1", ns, "", tally.IdleName, cost)
		}
		a := hourAllocation("n1", ns, workload, "app", cost)
		a.WorkloadKind, a.Pod, a.PodUID = kind, pod, ns+"-"+pod
		if team != "" {
			a.Labels = map[string]string{"team": team}
		}
		return a
	}
	return allocationsServer(t,
		alloc("shop", tally.KindDeployment, "api", "api-0", "pay", "3"),
		alloc("search", tally.KindDeployment, "api", "api-0", "find", "1"),
		alloc("shop", tally.KindStatefulSet, "db", "db-0", "", "2"),
		alloc("kube-system", tally.KindDaemonSet, "proxy", "proxy-x1", "platform", "8"),
		alloc("shop", tally.KindPod, "debug", "debug", "", "16"),
		alloc("", "", "", "", "", "1"),
	)
}

// openCostByName is the one set of u's answer, each allocation's total
// cost rounded to nano-dollars.
func openCostByName(t *testing.T, u string) map[string]float64 {
	t.Helper()
	sets := openCostSets(t, u)
	if len(sets) != 1 {
		t.Fatalf("%s: %d sets, want 1", u, len(sets))
	}
	got := map[string]float64{}
	for k, a := range sets[0] {
		got[k] = math.Round(a.TotalCost*1e9) / 1e9
	}
	return got
}

func sameTotals(got, want map[string]float64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if w, ok := got[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestOpenCostFilterOperators: filter takes OpenCost's v2 language whole:
// the operators !: (not equal), ~: (contains), <~: (starts with), ~>:
// (ends with) and their negations !~:, !<~:, !~>:, a comma list of values
// (any of them; none of them for a negation), clauses joined by + (and) or
// | (or), and parentheses. Those operators and | were refused (400).
func TestOpenCostFilterOperators(t *testing.T) {
	srv := filterServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&aggregate=namespace&window=" + url.QueryEscape(day)
	all := map[string]float64{"shop": 21, "search": 1, "kube-system": 8}
	for _, tc := range []struct {
		filter string
		want   map[string]float64
	}{
		{``, all},
		{`namespace:"shop"`, map[string]float64{"shop": 21}},
		{`namespace!:"shop"`, map[string]float64{"search": 1, "kube-system": 8}},
		{`namespace!:"shop","search"`, map[string]float64{"kube-system": 8}},
		{`namespace~:"e"`, map[string]float64{"search": 1, "kube-system": 8}},
		{`namespace!~:"sh"`, map[string]float64{"search": 1, "kube-system": 8}},
		{`namespace<~:"s"`, map[string]float64{"shop": 21, "search": 1}},
		{`namespace!<~:"kube"`, map[string]float64{"shop": 21, "search": 1}},
		{`namespace~>:"em"`, map[string]float64{"kube-system": 8}},
		{`namespace!~>:"p"`, map[string]float64{"search": 1, "kube-system": 8}},
		{`namespace~:"zz","arc"`, map[string]float64{"search": 1}},
		{`namespace:"search" | controllerKind:"daemonset"`, map[string]float64{"search": 1, "kube-system": 8}},
		{`namespace:"shop"+(controllerName:"db"|pod:"debug")`, map[string]float64{"shop": 18}},
		{`(namespace:"search" | namespace:"kube-system") + label[team]:"platform"`, map[string]float64{"kube-system": 8}},
		{`label[team]!:"pay"`, map[string]float64{"shop": 18, "search": 1, "kube-system": 8}},
		{`label[team]<~:"p"`, map[string]float64{"shop": 3, "kube-system": 8}},
		{`controllerName<~:"a"`, map[string]float64{"shop": 3, "search": 1}},
		{`pod~>:"-0"`, map[string]float64{"shop": 5, "search": 1}},
		{`controllerKind~:"SET"`, map[string]float64{"shop": 2, "kube-system": 8}},
		{`cluster!:"prod"`, map[string]float64{}},
		{`((namespace:"shop"))`, map[string]float64{"shop": 21}},
		// A label without a key: filters on its keys.
		{`label:"team"`, map[string]float64{"shop": 3, "search": 1, "kube-system": 8}},
		{`label!:"team"`, map[string]float64{"shop": 18}},
		{`label<~:"te"`, map[string]float64{"shop": 3, "search": 1, "kube-system": 8}},
		{`label~>:"x"`, map[string]float64{}},
		{`annotation!:"owner"`, all},
		// OpenCost's __unallocated__ (or "") is no value.
		{`label[team]:"__unallocated__"`, map[string]float64{"shop": 18}},
		{`label[team]!:""`, map[string]float64{"shop": 3, "search": 1, "kube-system": 8}},
		{`namespace:"__unallocated__"`, map[string]float64{}},
		{`controllerName!:"__unallocated__"+namespace:"shop"`, map[string]float64{"shop": 5}}, // not the bare pod debug
	} {
		u := base
		if tc.filter != "" {
			u += "&filter=" + url.QueryEscape(tc.filter)
		}
		if got := openCostByName(t, u); !sameTotals(got, tc.want) {
			t.Errorf("filter %s: %v, want %v", tc.filter, got, tc.want)
		}
	}
	// Also under /model/, where Kubecost and older OpenCost clients call it.
	model := strings.Replace(base, "/allocation/compute", "/model/allocation/compute", 1) + "&filter=" + url.QueryEscape(`namespace!:"shop"|pod:"debug"`)
	if got, want := openCostByName(t, model), map[string]float64{"shop": 16, "search": 1, "kube-system": 8}; !sameTotals(got, want) {
		t.Errorf("/model/: %v, want %v", got, want)
	}
	// A filter's + left bare in the URL (a space there) is read as +
	// when the filter does not parse with spaces: curl 'URL?filter=a+b'.
	// A bare + inside a value of a filter that parses stays a space.
	for _, tc := range []struct {
		raw  string
		want map[string]float64
	}{
		{`namespace:%22shop%22+(controllerName:%22db%22|pod:%22debug%22)`, map[string]float64{"shop": 18}},
		{`namespace:%22shop%22+label[team]<~:%22p%22`, map[string]float64{"shop": 3}},
		{`namespace:%22shop%22+%2B+label[team]<~:%22p%22`, map[string]float64{"shop": 3}}, // spaces around an encoded +
		{`namespace:%22kube-system%22|label[team]:%22pay+team%22`, map[string]float64{"kube-system": 8}},
	} {
		if got := openCostByName(t, base+"&filter="+tc.raw); !sameTotals(got, tc.want) {
			t.Errorf("raw filter %s: %v, want %v", tc.raw, got, tc.want)
		}
	}
	// Bad filters are 400s naming where and what.
	for _, tc := range []struct{ filter, want string }{
		{`namespace:"a" + cluster:"b" | node:"c"`, `position 29: "|"`},
		{`namespace~"a"`, `position 10: "~"`},
		{`(namespace:"a"`, `at end`},
		{`namespace:"a")`, `position 14: ")"`},
		{`namespace>~:"a"`, `position 10: ">~:"`},
		{`namespace:"a"+`, `at end`},
		{`namespace:"a" cluster:"b"`, `position 15: "cluster": want + (and) or | (or) between clauses (in a URL, + is a space: write %2B)`},
		{`namespace:"a`, `position 11: unterminated quote`},
		{`namspace:"a"`, `unknown dimension "namspace"`},
	} {
		var body struct {
			Code    int
			Message string
		}
		// Spaces as %20 (encodeURIComponent's): as + they would be
		// read as +, above.
		resp := get(t, base+"&filter="+strings.ReplaceAll(url.QueryEscape(tc.filter), "+", "%20"), &body)
		raw, _ := json.Marshal(body)
		if resp.StatusCode != 400 || !strings.Contains(body.Message, tc.want) {
			t.Errorf("filter %s: status %d, %s; want 400 naming %s", tc.filter, resp.StatusCode, raw, tc.want)
		}
	}
}

// TestOpenCostBarePods: a pod no controller owns (Tally's workload of kind
// Pod, its own) has no controller in OpenCost: by controller or
// controllerKind it is __unallocated__, without the controller and
// controllerKind properties, and unaggregated it has neither. It was named
// pod:debug, and pod by controllerKind.
func TestOpenCostBarePods(t *testing.T) {
	srv := filterServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&window=" + url.QueryEscape(day)
	un := tally.UnallocatedName
	for _, tc := range []struct {
		aggregate string
		want      map[string]float64
		bare      string // the name of the bare pod's allocation
	}{
		{"controller", map[string]float64{"deployment:api": 4, "statefulset:db": 2, "daemonset:proxy": 8, un: 16}, un},
		{"controllerKind", map[string]float64{"deployment": 4, "statefulset": 2, "daemonset": 8, un: 16}, un},
		{"namespace,controller", map[string]float64{"shop/deployment:api": 3, "search/deployment:api": 1, "shop/statefulset:db": 2,
			"kube-system/daemonset:proxy": 8, "shop/" + un: 16}, "shop/" + un},
		{"controller,controllerKind", map[string]float64{"deployment:api/deployment": 4, "statefulset:db/statefulset": 2,
			"daemonset:proxy/daemonset": 8, un + "/" + un: 16}, un + "/" + un},
	} {
		u := base + "&aggregate=" + url.QueryEscape(tc.aggregate)
		if got := openCostByName(t, u); !sameTotals(got, tc.want) {
			t.Errorf("aggregate=%s: %v, want %v", tc.aggregate, got, tc.want)
		}
		if p := openCostSets(t, u)[0][tc.bare].Properties; p.Controller != "" || p.ControllerKind != "" {
			t.Errorf("aggregate=%s: %s has controller %q, controllerKind %q; want none", tc.aggregate, tc.bare, p.Controller, p.ControllerKind)
		}
	}
	found := false
	for name, a := range openCostSets(t, base)[0] {
		if a.Properties.Pod != "debug" {
			continue
		}
		found = true
		if p := a.Properties; name != "prod/n1/shop/debug/app" || p.Controller != "" || p.ControllerKind != "" {
			t.Errorf("unaggregated, the bare pod is %s with controller %q, controllerKind %q; want prod/n1/shop/debug/app with none", name, p.Controller, p.ControllerKind)
		}
	}
	if !found {
		t.Error("unaggregated, no allocation of pod debug")
	}
}

// TestOpenCostBarePodsWithUnowned: by controller, a bare pod's costs and
// the costs no workload owns are one __unallocated__, as OpenCost's.
func TestOpenCostBarePodsWithUnowned(t *testing.T) {
	bare := hourAllocation("n1", "shop", "debug", "app", "16")
	bare.WorkloadKind, bare.Pod, bare.PodUID = tally.KindPod, "debug", "shop-debug"
	api := hourAllocation("n1", "shop", "api", "app", "3")
	api.WorkloadKind, api.Pod, api.PodUID = tally.KindDeployment, "api-0", "shop-api-0"
	srv := allocationsServer(t, bare, api, hourAllocation("n1", "", "", tally.UnallocatedName, "4"))
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	u := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&aggregate=controller&window=" + url.QueryEscape(day)
	if got, want := openCostByName(t, u), map[string]float64{"deployment:api": 3, tally.UnallocatedName: 20}; !sameTotals(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}
