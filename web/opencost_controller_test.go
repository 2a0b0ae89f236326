package web_test

import (
	"math"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// controllersServer serves one hour of cluster prod's node n1: Deployment
// api in namespaces shop (CPU $3) and search ($1), StatefulSet db in shop
// ($2), and $1 idle.
func controllersServer(t *testing.T) *httptest.Server {
	alloc := func(ns, kind, workload, cost string) tally.Allocation {
		if workload == "" {
			return hourAllocation("n1", ns, "", tally.IdleName, cost)
		}
		a := hourAllocation("n1", ns, workload, "app", cost)
		a.WorkloadKind, a.Pod, a.PodUID = kind, workload+"-0", ns+"-"+workload
		return a
	}
	return allocationsServer(t,
		alloc("shop", tally.KindDeployment, "api", "3"),
		alloc("search", tally.KindDeployment, "api", "1"),
		alloc("shop", tally.KindStatefulSet, "db", "2"),
		alloc("", "", "", "1"),
	)
}

// TestOpenCostControllerNames: /allocation/compute names controllers as
// OpenCost does, kind:name with the kind lower case
// (deployment:checkout-api), and writes controllerKind lower case; a
// controller of one kind and name in two namespaces is one allocation
// there, without a namespace. (They were named namespace/name, and
// controllerKind Deployment.)
func TestOpenCostControllerNames(t *testing.T) {
	srv := controllersServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&window=" + url.QueryEscape(day)
	type want struct {
		cost                            float64
		namespace, controller, kindProp string
	}
	for _, tc := range []struct {
		query string
		want  map[string]want
	}{
		{"&aggregate=controller", map[string]want{
			"deployment:api": {4, "", "api", "deployment"}, "statefulset:db": {2, "shop", "db", "statefulset"}, tally.IdleName: {cost: 1}}},
		{"&aggregate=namespace,controller", map[string]want{
			"shop/deployment:api": {3, "shop", "api", "deployment"}, "search/deployment:api": {1, "search", "api", "deployment"},
			"shop/statefulset:db": {2, "shop", "db", "statefulset"}, tally.IdleName: {cost: 1}}},
		{"&aggregate=controllerKind", map[string]want{
			"deployment": {4, "", "", "deployment"}, "statefulset": {2, "", "", "statefulset"}, tally.IdleName: {cost: 1}}},
		{"&aggregate=controllerKind,controller", map[string]want{
			"deployment/deployment:api": {4, "", "api", "deployment"}, "statefulset/statefulset:db": {2, "shop", "db", "statefulset"}, tally.IdleName: {cost: 1}}},
		{"&aggregate=controller&includeIdle=false&filter=" + url.QueryEscape(`controllerKind:"deployment"`), map[string]want{
			"deployment:api": {4, "", "api", "deployment"}}},
	} {
		sets := openCostSets(t, base+tc.query)
		if len(sets) != 1 {
			t.Fatalf("%s: %d sets", tc.query, len(sets))
		}
		got := map[string]float64{}
		for name, a := range sets[0] {
			got[name] = a.TotalCost
			w, ok := tc.want[name]
			if !ok {
				continue
			}
			p := a.Properties
			if math.Abs(a.TotalCost-w.cost) > 1e-9 || p.Namespace != w.namespace || p.Controller != w.controller || p.ControllerKind != w.kindProp {
				t.Errorf("%s: %s = $%v %+v, want $%v namespace %q controller %q controllerKind %q", tc.query, name, a.TotalCost, p, w.cost, w.namespace, w.controller, w.kindProp)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: allocations %v, want %v", tc.query, got, tc.want)
		}
	}
	// Unaggregated, controllerKind is lower case too.
	for name, a := range openCostSets(t, base)[0] {
		if a.Properties.Controller != "" && a.Properties.ControllerKind != "deployment" && a.Properties.ControllerKind != "statefulset" {
			t.Errorf("%s: controllerKind %q, want deployment or statefulset", name, a.Properties.ControllerKind)
		}
	}
}
