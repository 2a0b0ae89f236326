package web_test

import (
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// servicesServer is newServer with the bill's lines naming their services
// (the node AmazonEC2, the control plane AmazonEKS), and a volume of
// namespace shop (AmazonEBS), so that allocations by service have one.
func servicesServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	key, _ := fixture.OneNode(t, db, 48)
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines iter.Seq2[*tally.CostLine, error] = func(yield func(*tally.CostLine, error) bool) {
		for l, err := range fixture.OneNodeLines(48, "0.09") {
			if l == nil {
				yield(l, err)
				return
			}
			l.ServiceName = "AmazonEC2"
			if strings.Contains(l.ResourceID, ":eks:") {
				l.ServiceName = "AmazonEKS"
			}
			if !yield(l, nil) {
				return
			}
			if l.ResourceID == "i-1" {
				vol := *l
				vol.ResourceID, vol.ServiceName, vol.ServiceCategory = "vol-1", "AmazonEBS", "Storage"
				vol.Tags = map[string]string{"kubernetes.io/created-for/pvc/namespace": "shop"}
				if !yield(&vol, nil) {
					return
				}
			}
		}
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, lines); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return fixture.Day1.Add(47 * time.Hour) }
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Auth: db, Settings: db, Now: now}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	return srv
}

// openCostProperties is OpenCost's AllocationProperties as its clients
// decode it: services a list, labels and annotations maps, and each of
// namespace, controller, pod and container its own name.
type openCostProperties struct {
	Cluster        string            `json:"cluster"`
	Node           string            `json:"node"`
	Container      string            `json:"container"`
	Controller     string            `json:"controller"`
	ControllerKind string            `json:"controllerKind"`
	Namespace      string            `json:"namespace"`
	Pod            string            `json:"pod"`
	Services       []string          `json:"services"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
}

// openCostSet is /allocation/compute's answer decoded with OpenCost's types.
func openCostSet(t *testing.T, url string) map[string]struct {
	Name       string             `json:"name"`
	Properties openCostProperties `json:"properties"`
} {
	t.Helper()
	var got struct {
		Code int `json:"code"`
		Data []map[string]struct {
			Name       string             `json:"name"`
			Properties openCostProperties `json:"properties"`
		} `json:"data"`
	}
	resp := get(t, url, &got)
	if resp.StatusCode != 200 || got.Code != 200 || len(got.Data) != 1 {
		t.Fatalf("GET %s: status %d, %+v", url, resp.StatusCode, got)
	}
	return got.Data[0]
}

func TestOpenCostProperties(t *testing.T) {
	srv := newServer(t)
	base := srv.URL + "/allocation/compute?window=2d&accumulate=true&aggregate="

	set := openCostSet(t, base+"container,label:team")
	api, ok := set["api/team=<script>alert(1)</script>"]
	if !ok {
		t.Fatalf("no allocation api/…: %v", set)
	}
	want := openCostProperties{Namespace: "shop", Controller: "api", Container: "api",
		Labels: map[string]string{"team": "<script>alert(1)</script>"}}
	if got := api.Properties; got.Namespace != want.Namespace || got.Controller != want.Controller ||
		got.Container != want.Container || len(got.Labels) != 1 || got.Labels["team"] != want.Labels["team"] {
		t.Errorf("container,label:team properties = %+v, want %+v", got, want)
	}

	set = openCostSet(t, base+"pod")
	if got := set["api-1"].Properties; got.Namespace != "shop" || got.Pod != "api-1" {
		t.Errorf("pod properties = %+v, want namespace shop, pod api-1", got)
	}
	set = openCostSet(t, base+"controller")
	if got := set["deployment:api"].Properties; got.Namespace != "shop" || got.Controller != "api" || got.ControllerKind != "deployment" {
		t.Errorf("controller properties = %+v, want namespace shop, controller api, controllerKind deployment", got)
	}

}

// TestOpenCostPropertiesDecode checks the raw JSON types: an OpenCost client
// decoding into its own structs must not fail on any field.
func TestOpenCostPropertiesDecode(t *testing.T) {
	srv := servicesServer(t)
	var raw struct {
		Data []map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"data"`
	}
	get(t, srv.URL+"/allocation/compute?window=2d&accumulate=true&aggregate=cluster,node,namespace,controller,pod,container,label:app,annotation:owner", &raw)
	for name, a := range raw.Data[0] {
		for k := range a.Properties {
			switch k {
			case "cluster", "node", "container", "controller", "controllerKind", "namespace", "pod", "services", "providerID",
				"labels", "annotations":
			default:
				t.Errorf("%s: property %q is not OpenCost's", name, k)
			}
		}
	}
}

// TestOpenCostBadParams: a value OpenCost's parameters cannot take is a 400
// naming the parameter and value, not read as the default (accumulate=yes
// answered per step, shareIdle=1 shared, shareIdle=yes did not).
func TestOpenCostBadParams(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ query, want string }{
		{"accumulate=yes", `accumulate "yes"`},
		{"accumulate=fortnight", `accumulate "fortnight": want true, false, all, none, hour, day, week, month or quarter`},
		{"accumulateBy=true", `accumulateBy "true"`},
		{"shareIdle=yes", `shareIdle "yes"`},
		{"idleByNode=maybe", `idleByNode "maybe"`},
		{"includeIdle=nope", `includeIdle "nope"`},
		{"shareSplit=evenly", `shareSplit "evenly"`},
	} {
		resp := get(t, srv.URL+"/allocation/compute?window=2d&aggregate=namespace&"+tc.query, nil)
		raw, _ := io.ReadAll(resp.Body)
		var body struct{ Message string }
		_ = json.Unmarshal(raw, &body)
		if resp.StatusCode != 400 || !strings.Contains(body.Message, tc.want) {
			t.Errorf("%s: status %d, body %.300s; want 400 naming %s", tc.query, resp.StatusCode, raw, tc.want)
		}
	}
	// The values OpenCost takes still work.
	for _, q := range []string{"accumulate=true&shareIdle=false&idleByNode=true&shareSplit=even", "accumulate=1&shareIdle=0&includeIdle=t"} {
		if resp := get(t, srv.URL+"/allocation/compute?window=2d&aggregate=namespace&"+q, nil); resp.StatusCode != 200 {
			t.Errorf("%s: status %d", q, resp.StatusCode)
		}
	}
}

// TestOpenCostFilterNames: OpenCost's filters name a controller, pod or
// container by itself (controllerName:"api", pod:"api-1", container:"api")
// and a service as services; they match as Tally's namespace-qualified
// names do. (pod:"api-1" matched nothing, so the answer was silently empty,
// and controllerName was refused as unknown.)
func TestOpenCostFilterNames(t *testing.T) {
	srv := newServer(t)
	total := func(path, filter string) float64 {
		t.Helper()
		var got struct {
			Data []map[string]struct {
				TotalCost float64 `json:"totalCost"`
			} `json:"data"`
		}
		resp := get(t, srv.URL+path+"?window=2d&accumulate=true&includeIdle=false&aggregate=namespace&filter="+url.QueryEscape(filter), &got)
		if resp.StatusCode != 200 || len(got.Data) != 1 {
			t.Fatalf("filter %s: status %d, %+v", filter, resp.StatusCode, got)
		}
		return got.Data[0]["shop"].TotalCost
	}
	for _, tc := range []struct{ qualified, bare string }{
		{`controller:"shop/api"`, `controllerName:"api"`},
		{`controller:"shop/api"`, `controller:"api"`},
		{`pod:"shop/api-1"`, `pod:"api-1"`},
		{`container:"shop/api/api"`, `container:"api"`},
		{`pod:"shop/api-1"`, `pod:"api-1"+namespace:"shop"+controllerKind:"Deployment"`},
	} {
		want, got := total("/allocation/compute", tc.qualified), total("/allocation/compute", tc.bare)
		if want == 0 || got != want {
			t.Errorf("filter %s: shop costs %v, want %v as with %s", tc.bare, got, want, tc.qualified)
		}
	}
	if got := total("/allocation/compute", `pod:"api-2"`); got != 0 {
		t.Errorf(`filter pod:"api-2" (no such pod): shop costs %v, want 0`, got)
	}
}

// TestOpenCostErrorShape: /allocation/compute answers errors in OpenCost's
// envelope, {"code": <HTTP status>, "message": …}, so an OpenCost client
// decoding its response type reads the message. (Tally's {"code":"invalid"}
// failed to decode there: code is a number in OpenCost.)
func TestOpenCostErrorShape(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		query  string
		status int
		want   string
	}{
		{"window=bogus", 400, `window "bogus"`},
		{"window=2d&aggregate=bogus", 400, `aggregate "bogus"`},
		{"window=2d&accumulate=maybe", 400, `accumulate "maybe"`},
		{"window=2026-01-01T00:00:00Z,2026-11-01T00:00:00Z&aggregate=namespace&accumulate=hour", 400, `accumulate hour over window 2026-01-01T00:00:00Z,2026-11-01T00:00:00Z: more than 2000 periods: narrow the window`},
		{"window=2026-01-01T00:00:00Z,2036-01-01T00:00:00Z&aggregate=namespace&accumulate=week", 400, `accumulate week over window 2025-12-28T00:00:00Z,2036-01-06T00:00:00Z sums 3661 days, at most 2000: narrow the window`},
	} {
		var got struct {
			Code    int             `json:"code"`
			Data    json.RawMessage `json:"data"`
			Message string          `json:"message"`
		}
		resp := get(t, srv.URL+"/allocation/compute?"+tc.query, &got)
		if resp.StatusCode != tc.status || got.Code != tc.status || !strings.Contains(got.Message, tc.want) {
			t.Errorf("%s: status %d, %+v; want %d with code %d naming %s", tc.query, resp.StatusCode, got, tc.status, tc.status, tc.want)
		}
	}
}

// TestOpenCostDefaultAggregate: /allocation/compute without aggregate
// answers OpenCost's unaggregated allocations, one per container of a pod,
// named cluster/node/namespace/pod/container with those properties set. (It
// aggregated by namespace, Tally's own API's default, so an OpenCost client
// asking for containers got namespaces named as if they were.)
func TestOpenCostDefaultAggregate(t *testing.T) {
	srv := newServer(t)
	var got struct {
		Data []map[string]struct {
			Name       string             `json:"name"`
			Properties openCostProperties `json:"properties"`
			TotalCost  float64            `json:"totalCost"`
		} `json:"data"`
	}
	if resp := get(t, srv.URL+"/allocation/compute?window=2d&accumulate=true", &got); resp.StatusCode != 200 || len(got.Data) != 1 {
		t.Fatalf("status %d, %+v", resp.StatusCode, got)
	}
	set := got.Data[0]
	api, ok := set["prod/n1/shop/api-1/api"]
	if !ok {
		t.Fatalf("no allocation prod/n1/shop/api-1/api (cluster/node/namespace/pod/container): %v", set)
	}
	want := openCostProperties{Cluster: "prod", Node: "n1", Namespace: "shop", Pod: "api-1", Container: "api", Controller: "api", ControllerKind: "deployment"}
	if p := api.Properties; api.Name != "prod/n1/shop/api-1/api" || p.Cluster != want.Cluster || p.Node != want.Node || p.Namespace != want.Namespace ||
		p.Pod != want.Pod || p.Container != want.Container || p.Controller != want.Controller || p.ControllerKind != want.ControllerKind {
		t.Errorf("%s: properties %+v, want %+v", api.Name, p, want)
	}
	// The same costs as by namespace, split finer.
	byNS := openCostTotals(t, srv.URL+"/allocation/compute?window=2d&accumulate=true&aggregate=namespace")
	var total float64
	for name, a := range set {
		total += a.TotalCost
		if strings.HasPrefix(name, tally.UnallocatedName+"/") && strings.Count(name, tally.UnallocatedName) == 5 {
			t.Errorf("allocation %q: costs of no cluster are %s, as OpenCost names them", name, tally.UnallocatedName)
		}
		if name != api.Name && !strings.HasPrefix(name, "__") && strings.Count(name, "/") != 4 {
			t.Errorf("allocation %q is not named cluster/node/namespace/pod/container", name)
		}
	}
	if d := total - byNS; d > 1e-6 || d < -1e-6 {
		t.Errorf("per container the total is %v, by namespace %v", total, byNS)
	}
	if api.TotalCost <= 0 || set[tally.IdleName].TotalCost <= 0 {
		t.Errorf("api costs %v, idle %v: want both above zero", api.TotalCost, set[tally.IdleName].TotalCost)
	}
}

// openCostTotals is the total cost of every allocation of one step at url.
func openCostTotals(t *testing.T, url string) float64 {
	t.Helper()
	var got struct {
		Data []map[string]struct {
			TotalCost float64 `json:"totalCost"`
		} `json:"data"`
	}
	if resp := get(t, url, &got); resp.StatusCode != 200 || len(got.Data) != 1 {
		t.Fatalf("GET %s: status %d, %+v", url, resp.StatusCode, got)
	}
	var total float64
	for _, a := range got.Data[0] {
		total += a.TotalCost
	}
	return total
}
