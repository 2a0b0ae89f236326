package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// contestedScenario: prod's node n1 runs instance i-1 for three hours;
// cluster aaa-dev (billed to the same account) reports a node "fake" with
// the same instance for the middle hour, as an agent token of aaa-dev could.
// Nodes are ordered by cluster id, as the store returns them.
func contestedScenario() *scenario {
	s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{}).
		pod("shop", "web", "n1", t0.Add(-time.Hour), time.Time{}, cont("web", 1, 4*gib))
	s.in.Window.End = t0.Add(3 * time.Hour)
	s.in.Clusters = append([]tally.Cluster{{ID: "aaa-dev", Name: "aaa-dev", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}}, s.in.Clusters...)
	fake := s.in.Nodes[0]
	fake.Cluster, fake.UID, fake.Name, fake.ValidFrom, fake.ValidTo = "aaa-dev", "fake", "fake", t0.Add(time.Hour), t0.Add(2*time.Hour)
	s.in.Nodes = append([]tally.Node{fake}, s.in.Nodes...)
	return s
}

// TestContestedInstance: in an hour when nodes of two clusters claim one
// instance, its bill goes to neither (it stays with the account as
// __unallocated__, like a line no node claims) and the Summary says so;
// the other hours go to the node's own cluster, and the allocations still
// sum to the bill.
func TestContestedInstance(t *testing.T) {
	s := contestedScenario()
	for i := range 3 {
		h := t0.Add(time.Duration(i) * time.Hour)
		s.line("BoxUsage", "i-1", "1.00", "0.80", h, h.Add(time.Hour), nil)
	}
	var allocs []tally.Allocation
	sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error { allocs = append(allocs, as...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	perCluster := map[string]tally.Money{}
	total := tally.Zero("USD")
	for _, a := range allocs {
		k := string(a.Cluster) + " " + a.Container
		perCluster[k], _ = perCluster[k].Add(a.EffectiveCost)
		total, _ = total.Add(a.EffectiveCost)
		if a.Cluster == "aaa-dev" && !a.EffectiveCost.IsZero() {
			t.Errorf("aaa-dev got %s: %+v", a.EffectiveCost.Decimal(), a)
		}
		if a.Hour == tally.HourOf(t0.Add(time.Hour)) && a.Cluster != "" {
			t.Errorf("the contested hour went to cluster %s: %+v", a.Cluster, a)
		}
	}
	got := map[string]string{}
	for k, v := range perCluster {
		got[k] = v.Decimal()
	}
	check(t, got, map[string]string{"prod web": "0.8", "prod __idle__": "0.8", " __unallocated__": "0.8"})
	if total.Decimal() != "2.4" {
		t.Errorf("allocations sum to %s, want the bill's 2.4", total.Decimal())
	}
	want := "instance i-1 is claimed by nodes of clusters aaa-dev, prod in the same hour: its cost is attributed to none of them"
	if len(sum.Warnings) != 1 || !strings.HasPrefix(sum.Warnings[0], want) {
		t.Errorf("warnings %q, want one starting %q", sum.Warnings, want)
	}
}

// TestContestedInstanceNotEstimated: after the bill ends, a contested
// node-hour is not priced from the catalog either, for either claimant.
func TestContestedInstanceNotEstimated(t *testing.T) {
	s := contestedScenario()
	s.in.BilledThrough = map[string]time.Time{"111": t0}
	s.in.Prices = []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
		HourlyPrice: usd("0.096")}}
	var allocs []tally.Allocation
	sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error { allocs = append(allocs, as...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.EstimatedNodeHrs != 2 {
		t.Errorf("%d estimated node-hours, want 2 (prod's uncontested hours)", sum.EstimatedNodeHrs)
	}
	for _, a := range allocs {
		if a.Cluster == "aaa-dev" || a.Hour == tally.HourOf(t0.Add(time.Hour)) {
			t.Errorf("contested hour or claimant estimated: %+v", a)
		}
	}
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "claimed by nodes of clusters aaa-dev, prod") {
		t.Errorf("warnings %q", sum.Warnings)
	}
}
