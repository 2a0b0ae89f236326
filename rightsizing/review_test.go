package rightsizing

import (
	"testing"

	"github.com/tallyhq/tally"
)

// Review reproductions (branch review-forecast-rs): each test fails on the
// code it was written against.

// PlanNodes must not recommend a mix that costs more than the nodes the
// pods already fit on. Here 1 × m5.xlarge holds the first four pods exactly
// (4.0 cores, 15 GiB) and 1 × m5.2xlarge the other six (6.6 cores,
// 27.5 GiB): 0.576/h. FFD onto a single type, then shrinking node by node,
// finds at best 7 × m5.large (0.672/h), and PlanNodes returns it with a
// negative saving. (A random search over such packed groups finds this in
// about 6% of cases.)
func TestReviewPlanNodesPricierThanCurrent(t *testing.T) {
	const half = GiB / 2
	ps := []PodRequest{
		// on the m5.xlarge now
		{"a", 1, 9 * half}, {"b", 1.7, 16 * half}, {"c", 0.1, 1 * half}, {"d", 1.2, 4 * half},
		// on the m5.2xlarge now
		{"e", 0.5, 7 * half}, {"f", 0.5, 15 * half}, {"g", 0.5, 10 * half}, {"h", 1.5, 7 * half}, {"i", 1.8, 13 * half}, {"j", 1.8, 3 * half},
	}
	current := []NodeCount{
		{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.192")},
		{Type: "m5.2xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.384")},
	}
	// The current nodes hold every pod: the first four on the m5.xlarge, the rest on the m5.2xlarge.
	for _, n := range []struct {
		pods []PodRequest
		typ  InstanceType
	}{{ps[:4], catalog[1]}, {ps[4:], catalog[2]}} {
		var cpu float64
		var mem int64
		for _, p := range n.pods {
			cpu, mem = cpu+p.CPU, mem+p.Memory
		}
		if cpu > n.typ.CPU+1e-9 || mem > n.typ.Memory {
			t.Fatalf("%s: %v cores, %v bytes do not fit", n.typ.Name, cpu, mem)
		}
	}
	plan, err := PlanNodes(NodeGroup{Name: "general", Families: []string{"m5", "c5"}, Spot: SpotNever, Current: current}, ps, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if plan.MonthlySavings.Sign() < 0 {
		t.Errorf("current %s/month; planned %s/month (saving %s): %s", plan.CurrentMonthly, plan.PlannedMonthly, plan.MonthlySavings, plan.Explanation)
	}
}
