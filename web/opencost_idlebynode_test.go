package web_test

import (
	"context"
	"math"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// twoNodeServer serves one hour of cluster prod on two nodes: n1 runs
// shop/api (CPU $3) and idles $1, n2 runs search/web (CPU $1) and idles $3.
func twoNodeServer(t *testing.T) *httptest.Server {
	alloc := func(node, ns, workload, container, cost string) tally.Allocation {
		a := hourAllocation(node, ns, workload, container, cost)
		if workload != "" {
			a.WorkloadKind, a.Pod, a.PodUID = "Deployment", workload+"-1", node+"-"+workload
		}
		return a
	}
	return allocationsServer(t,
		alloc("n1", "shop", "api", "app", "3"),
		alloc("n1", "", "", tally.IdleName, "1"),
		alloc("n2", "search", "web", "app", "1"),
		alloc("n2", "", "", tally.IdleName, "3"),
	)
}

// hourAllocation is a CPU allocation of cluster prod (account 111) in
// the first hour of fixture.Day1, costing cost USD.
func hourAllocation(node, ns, workload, container, cost string) tally.Allocation {
	m := tally.MustParseMoney(cost, "USD")
	return tally.Allocation{BillingAccountID: "111", Hour: tally.HourOf(fixture.Day1), Cluster: "prod", Node: node, Namespace: ns,
		Workload: workload, Container: container, CostKind: tally.CostCPU, EffectiveCost: m, BilledCost: m, ListCost: m}
}

// allocationsServer serves allocs, stored for the first hour of
// fixture.Day1 of cluster prod, to a viewer's token.
func allocationsServer(t *testing.T, allocs ...tally.Allocation) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Name: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceAllocations(ctx, tally.HourOf(fixture.Day1).Window(), allocs); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Auth: db, Settings: db,
		Now: func() time.Time { return fixture.Day1.Add(47 * time.Hour) }}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	return srv
}

type openCostCost struct {
	Properties openCostProperties `json:"properties"`
	TotalCost  float64            `json:"totalCost"`
	CPUCost    float64            `json:"cpuCost"`
}

// openCostSets is /allocation/compute's answer: each set's allocations.
func openCostSets(t *testing.T, u string) []map[string]openCostCost {
	t.Helper()
	var got struct {
		Code    int                       `json:"code"`
		Data    []map[string]openCostCost `json:"data"`
		Message string                    `json:"message"`
	}
	resp := get(t, u, &got)
	if resp.StatusCode != 200 || got.Code != 200 {
		t.Fatalf("GET %s: status %d, %+v", u, resp.StatusCode, got)
	}
	return got.Data
}

// TestOpenCostIdleByNode: with idleByNode, idle is each node's, as
// OpenCost's: shown, a node's idle has the cluster and node properties
// (and, by a field other than cluster and node, a name of its own per
// node: TestOpenCostIdleNamesHaveAPartPerAggregate); shared, it goes to the allocations of its node
// only. idleByNode was accepted and ignored: one __idle__ of $4, and shared
// idle spread over the cluster by cost (shop $6, search $2).
func TestOpenCostIdleByNode(t *testing.T) {
	srv := twoNodeServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?window=" + url.QueryEscape(day) + "&accumulate=true"
	for _, tc := range []struct {
		query string
		want  map[string]float64
	}{
		{"&aggregate=node", map[string]float64{"n1": 3, "n2": 1, tally.IdleName: 4}},
		{"&aggregate=node&idleByNode=true", map[string]float64{"n1": 3, "n2": 1, tally.IdleName: 4}},
		{"&aggregate=node,namespace&idleByNode=true", map[string]float64{"n1/shop": 3, "n2/search": 1, "n1/__idle__": 1, "n2/__idle__": 3}},
		{"&aggregate=node&idleByNode=true&shareIdle=true", map[string]float64{"n1": 4, "n2": 4}},
		{"&aggregate=namespace&idleByNode=true&shareIdle=true", map[string]float64{"shop": 4, "search": 4}},
		{"&aggregate=namespace&shareIdle=true", map[string]float64{"shop": 6, "search": 2}},
		// Filtered, a node's idle is the filtered allocations' part of it.
		{"&aggregate=namespace&idleByNode=true&filter=" + url.QueryEscape(`namespace:"shop"`), map[string]float64{"shop": 3, tally.IdleName: 1}},
		{"&idleByNode=true", map[string]float64{"prod/n1/shop/api-1/app": 3, "prod/n2/search/web-1/app": 1,
			"prod/n1/__idle__/__idle__/__idle__": 1, "prod/n2/__idle__/__idle__/__idle__": 3}},
	} {
		sets := openCostSets(t, base+tc.query)
		if len(sets) != 1 {
			t.Fatalf("%s: %d sets, want 1", tc.query, len(sets))
		}
		got := map[string]float64{}
		for name, a := range sets[0] {
			got[name] = a.TotalCost
			if want := tc.want[name]; math.Abs(a.TotalCost-want) > 1e-9 {
				t.Errorf("%s: %s = %v, want %v", tc.query, name, a.TotalCost, want)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: allocations %v, want %v", tc.query, got, tc.want)
		}
		for name, node := range map[string]string{"n1/__idle__": "n1", "n2/__idle__": "n2",
			"prod/n1/__idle__/__idle__/__idle__": "n1", "prod/n2/__idle__/__idle__/__idle__": "n2"} {
			if a, ok := sets[0][name]; ok && (a.Properties.Cluster != "prod" || a.Properties.Node != node) {
				t.Errorf("%s: %s properties %+v, want cluster prod, node %s", tc.query, name, a.Properties, node)
			}
		}
	}
}

// TestOpenCostIdleNamesHaveAPartPerAggregate: every allocation's name,
// idle's included, has one part per field aggregated by (five unaggregated,
// cluster/node/namespace/pod/container), as kubectl cost splits names by
// its aggregate and panics on another number of parts; only OpenCost's
// reserved whole name __idle__, which kubectl cost matches, is exempt. A
// node's idle (idleByNode) has its cluster and node in the parts of those
// fields and __idle__ in the others; aggregated by cluster and node alone,
// where that would be the node's own name, the node parts are __idle__ too.
// A node's idle was cluster/node/__idle__ whatever the aggregate.
func TestOpenCostIdleNamesHaveAPartPerAggregate(t *testing.T) {
	srv := twoNodeServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	idle := tally.IdleName
	for _, aggregate := range []string{"", "cluster", "node", "namespace", "cluster,node", "node,cluster", "cluster,namespace",
		"namespace,node", "cluster,node,namespace", "namespace,pod", "cluster,namespace,pod", "cluster,namespace,deployment",
		"label:app", "controllerKind,controller", "node,container", "cluster,namespace,controller"} {
		fields := len(strings.Split(aggregate, ","))
		if aggregate == "" {
			fields = 5
		}
		for _, flags := range []string{"", "&idleByNode=true", "&shareIdle=true", "&idleByNode=true&shareIdle=true"} {
			query := "aggregate=" + aggregate + flags
			got := openCostByName(t, srv.URL+"/allocation/compute?accumulate=true&window="+url.QueryEscape(day)+"&"+query)
			var sum float64
			for name, cost := range got {
				sum += cost
				if n := len(strings.Split(name, "/")); name != idle && n != fields {
					t.Errorf("%s: %q has %d parts, want %d", query, name, n, fields)
				}
			}
			if math.Abs(sum-8) > 1e-9 {
				t.Errorf("%s: allocations %v sum to %v, want 8", query, got, sum)
			}
		}
	}
	byNode := "&idleByNode=true&accumulate=true&window=" + url.QueryEscape(day)
	for _, tc := range []struct {
		aggregate string
		want      map[string]float64
	}{
		{"namespace,node", map[string]float64{"shop/n1": 3, "search/n2": 1, idle + "/n1": 1, idle + "/n2": 3}},
		{"cluster,node,namespace", map[string]float64{"prod/n1/shop": 3, "prod/n2/search": 1, "prod/n1/" + idle: 1, "prod/n2/" + idle: 3}},
		{"node,container", map[string]float64{"n1/app": 3, "n2/app": 1, "n1/" + idle: 1, "n2/" + idle: 3}},
		{"namespace", map[string]float64{"shop": 3, "search": 1, idle: 4}},
		{"node", map[string]float64{"n1": 3, "n2": 1, idle: 4}},
		{"cluster,node", map[string]float64{"prod/n1": 3, "prod/n2": 1, "prod/" + idle: 4}},
		{"cluster", map[string]float64{"prod": 4, idle: 4}},
		{"", map[string]float64{"prod/n1/shop/api-1/app": 3, "prod/n2/search/web-1/app": 1,
			"prod/n1/" + idle + "/" + idle + "/" + idle: 1, "prod/n2/" + idle + "/" + idle + "/" + idle: 3}},
	} {
		if got := openCostByName(t, srv.URL+"/allocation/compute?aggregate="+tc.aggregate+byNode); !sameTotals(got, tc.want) {
			t.Errorf("aggregate=%s&idleByNode=true: %v, want %v", tc.aggregate, got, tc.want)
		}
	}
}
