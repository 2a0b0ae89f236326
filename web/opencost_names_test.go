package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestOpenCostNamesHaveAPartPerAggregate: an allocation's name has one
// part per field aggregated by, as OpenCost's (its GenerateKey): a pod is
// named by its pod name alone, a container by its container name, and
// what has none of them (here an unowned cost) is __unallocated__ in each
// part. kubectl cost pod asks aggregate=cluster,namespace,pod and panics
// on a name of another number of parts; Tally named pods namespace/pod
// ("prod/shop/shop/api-0") and the unowned costs "__unallocated__".
// OpenCost merges what it names alike: api-0 of shop and of search.
func TestOpenCostNamesHaveAPartPerAggregate(t *testing.T) {
	alloc := func(ns, kind, workload, pod, cost string) tally.Allocation {
		a := hourAllocation("n1", ns, workload, "app", cost)
		a.WorkloadKind, a.Pod, a.PodUID = kind, pod, ns+"-"+pod
		return a
	}
	unowned := hourAllocation("", "", "", tally.UnallocatedName, "5")
	unowned.Cluster, unowned.CostKind = "", tally.CostOther
	srv := allocationsServer(t,
		alloc("shop", tally.KindDeployment, "api", "api-0", "3"),
		alloc("search", tally.KindDeployment, "api", "api-0", "1"),
		alloc("kube-system", tally.KindDaemonSet, "proxy", "proxy-x1", "8"),
		hourAllocation("n1", "", "", tally.IdleName, "1"),
		unowned,
	)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	un := tally.UnallocatedName
	for _, tc := range []struct {
		aggregate string
		want      map[string]float64
	}{
		{"cluster,namespace,pod", map[string]float64{"prod/shop/api-0": 3, "prod/search/api-0": 1, "prod/kube-system/proxy-x1": 8,
			tally.IdleName: 1, un + "/" + un + "/" + un: 5}},
		{"pod", map[string]float64{"api-0": 4, "proxy-x1": 8, tally.IdleName: 1, un: 5}},
		{"namespace,container", map[string]float64{"shop/app": 3, "search/app": 1, "kube-system/app": 8, tally.IdleName: 1, un + "/" + un: 5}},
		{"namespace", map[string]float64{"shop": 3, "search": 1, "kube-system": 8, tally.IdleName: 1, un: 5}},
	} {
		u := srv.URL + "/model/allocation?accumulate=true&aggregate=" + tc.aggregate + "&window=" + url.QueryEscape(day)
		got := openCostByName(t, u)
		if !sameTotals(got, tc.want) {
			t.Errorf("aggregate=%s: %v, want %v", tc.aggregate, got, tc.want)
		}
		parts := len(strings.Split(tc.aggregate, ","))
		for name := range got {
			if n := len(strings.Split(name, "/")); name != tally.IdleName && n != parts {
				t.Errorf("aggregate=%s: %q has %d parts, want %d", tc.aggregate, name, n, parts)
			}
		}
	}
	// Merged under one name, the allocation has the properties its parts
	// share: api-0's pod, not a namespace.
	sets := openCostSets(t, srv.URL+"/allocation/compute?accumulate=true&aggregate=pod&window="+url.QueryEscape(day))
	if p := sets[0]["api-0"].Properties; p.Pod != "api-0" || p.Namespace != "" {
		t.Errorf("api-0's properties %+v, want pod api-0 and no namespace (two namespaces)", p)
	}
}

// TestOpenCostControllerOfAKind: aggregate takes OpenCost's deployment,
// statefulset, daemonset and job: a controller of that kind by its name,
// anything else (other kinds, bare pods) __unallocated__. kubectl cost
// deployment asks aggregate=cluster,namespace,deployment; it was a 400,
// aggregate "deployment": want cluster, node, ….
func TestOpenCostControllerOfAKind(t *testing.T) {
	srv := filterServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	un, idle := tally.UnallocatedName, tally.IdleName
	for _, tc := range []struct {
		aggregate string
		want      map[string]float64
	}{
		{"deployment", map[string]float64{"api": 4, un: 26, idle: 1}},
		{"namespace,statefulset", map[string]float64{"shop/db": 2, "shop/" + un: 19, "search/" + un: 1, "kube-system/" + un: 8, idle: 1}},
		{"cluster,namespace,deployment", map[string]float64{"prod/shop/api": 3, "prod/search/api": 1, "prod/shop/" + un: 18,
			"prod/kube-system/" + un: 8, idle: 1}},
		{"daemonset,controllerKind", map[string]float64{"proxy/daemonset": 8, un + "/deployment": 4, un + "/statefulset": 2, un + "/" + un: 16, idle: 1}},
		{"job", map[string]float64{un: 30, idle: 1}},
	} {
		u := srv.URL + "/allocation/compute?accumulate=true&aggregate=" + tc.aggregate + "&window=" + url.QueryEscape(day)
		if got := openCostByName(t, u); !sameTotals(got, tc.want) {
			t.Errorf("aggregate=%s: %v, want %v", tc.aggregate, got, tc.want)
		}
	}
}
