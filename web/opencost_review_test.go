package web_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestOpenCostBarePodFilters: by controller a bare pod is __unallocated__
// (it has no controller, as in OpenCost), so OpenCost's filter on no
// controller, controllerName:"__unallocated__" (""), keeps it, and a
// filter on its pod's name as a controller name does not. The filter
// read Tally's workload of kind Pod as a controller: the allocation the
// same query named __unallocated__ was not what the filter on
// __unallocated__ kept.
func TestOpenCostBarePodFilters(t *testing.T) {
	srv := filterServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&aggregate=controller&window=" + url.QueryEscape(day)
	un := tally.UnallocatedName
	for _, tc := range []struct {
		filter string
		want   map[string]float64
	}{
		{``, map[string]float64{"deployment:api": 4, "statefulset:db": 2, "daemonset:proxy": 8, un: 16}},
		{`controllerName:"__unallocated__"`, map[string]float64{un: 16}},
		{`controllerKind:"__unallocated__"`, map[string]float64{un: 16}},
		{`controllerName:"debug"`, map[string]float64{}},
		{`controllerName!:"__unallocated__"`, map[string]float64{"deployment:api": 4, "statefulset:db": 2, "daemonset:proxy": 8}},
	} {
		u := base
		if tc.filter != "" {
			u += "&filter=" + url.QueryEscape(tc.filter)
		}
		if got := openCostByName(t, u); !sameTotals(got, tc.want) {
			t.Errorf("aggregate=controller filter=%s: %v, want %v", tc.filter, got, tc.want)
		}
	}
}

// TestOpenCostKeylessLabelContains: label~:"tea" (no key) asks for a label
// tea, as OpenCost's: /allocation keeps none of these (their label is
// team), as /assets does (attribution.TestAssetKeylessLabelContains).
func TestOpenCostKeylessLabelContains(t *testing.T) {
	srv := filterServer(t)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	u := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&aggregate=namespace&window=" + url.QueryEscape(day) +
		"&filter=" + url.QueryEscape(`label~:"tea"`)
	if got := openCostByName(t, u); len(got) != 0 {
		t.Errorf("/allocation label~:\"tea\": %v, want none", got)
	}
}

// TestOpenCostFilterOfEverythingKeepsIdle: a filter that keeps every
// allocation, written with | over a cluster and a namespace (or a
// negation), answers what no filter does. The idle of a pool no
// allocation has cost in (here the node's idle GPU, $2) has no one to
// take it: under a filter within clusters it was dropped, where without a
// filter (or with cluster:"prod" alone, the same allocations) it is
// __idle__. It is kept when the filter selects the idle itself.
func TestOpenCostFilterOfEverythingKeepsIdle(t *testing.T) {
	api := hourAllocation("n1", "shop", "api", "app", "3")
	api.WorkloadKind, api.Pod, api.PodUID = tally.KindDeployment, "api-0", "shop-api-0"
	gpuIdle := hourAllocation("n1", "", "", tally.IdleName, "2")
	gpuIdle.CostKind = tally.CostGPU
	srv := allocationsServer(t, api, hourAllocation("n1", "", "", tally.IdleName, "1"), gpuIdle)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&aggregate=namespace&window=" + url.QueryEscape(day)
	want := map[string]float64{"shop": 3, tally.IdleName: 3}
	for _, f := range []string{``, `cluster:"prod"`, `cluster:"prod" | namespace:"shop"`, `namespace!:"nothing"`} {
		u := base
		if f != "" {
			u += "&filter=" + url.QueryEscape(f)
		}
		if got := openCostByName(t, u); !sameTotals(got, want) {
			t.Errorf("filter %s (every allocation): %v, want %v as unfiltered", f, got, want)
		}
	}
}

// TestOpenCostKeylessLabelPrefixPrometheusName: OpenCost's allocations
// have their labels under their Prometheus names (app_kubernetes_io_name
// for app.kubernetes.io/name), and Tally's filters find a label by either
// (label[app_kubernetes_io_name], label:"app_kubernetes_io_name"; /assets'
// Asset.keys lists both, so label<~:"app_" keeps an asset with the label
// app.kubernetes.io/name). On /allocation a filter on the keys by prefix or
// suffix compared the stored keys only: label<~:"app_" kept nothing.
func TestOpenCostKeylessLabelPrefixPrometheusName(t *testing.T) {
	api := hourAllocation("n1", "shop", "api", "app", "3")
	api.WorkloadKind, api.Pod, api.PodUID = tally.KindDeployment, "api-0", "shop-api-0"
	api.Labels = map[string]string{"app.kubernetes.io/name": "api"}
	srv := allocationsServer(t, api)
	day := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)
	base := srv.URL + "/allocation/compute?accumulate=true&includeIdle=false&aggregate=namespace&window=" + url.QueryEscape(day)
	for _, f := range []string{`label:"app_kubernetes_io_name"`, `label<~:"app_"`, `label~>:"io_name"`} {
		if got, want := openCostByName(t, base+"&filter="+url.QueryEscape(f)), map[string]float64{"shop": 3}; !sameTotals(got, want) {
			t.Errorf("filter %s: %v, want %v", f, got, want)
		}
	}
}
