package rightsizing

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// covered returns commitment nodes covering the named nodes of type typ
// whole, at fee an hour each.
func coveredNodes(typ, od, fee string, names ...string) []CoveredNode {
	var out []CoveredNode
	for _, n := range names {
		out = append(out, CoveredNode{Name: n, Type: typ, Covered: usd(od), Fee: usd(fee)})
	}
	return out
}

func placedPods(n int, cpu float64, mem int64, nodes ...string) []PodRequest {
	ps := pods(n, cpu, mem)
	for i := range ps {
		ps[i].Node = nodes[i%len(nodes)]
	}
	return ps
}

func plannedText(p []PlannedNodes) string {
	var s []string
	for _, n := range p {
		s = append(s, itoa(n.Count)+"×"+n.Type+"/"+n.Purchase)
	}
	return strings.Join(s, " ")
}

func currentText(p []NodeCount) string {
	var s []string
	for _, n := range p {
		s = append(s, itoa(n.Count)+"×"+n.Type+"/"+n.Purchase)
	}
	return strings.Join(s, " ")
}

var cudEnd = time.Date(2027, 8, 25, 0, 0, 0, 0, time.UTC)

// The demo's analytics-usc1/default-pool: 4 × n2-standard-4 of which a
// resource-based CUD covers 3 (fee 0.122364 an hour each, on demand
// 0.194236); the pods fit on one node. The plan read "saving 425.38 a
// month", but the CUD's fee for 3 nodes is paid until it ends whatever
// runs: removing nodes saves only the uncovered one until then.
func TestPlanCommittedNodesResourceCUD(t *testing.T) {
	cat := []InstanceType{
		{Name: "n2-standard-4", Family: "n2", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.194236")}}},
	}
	g := NodeGroup{Cluster: "analytics-usc1", Name: "default-pool", Families: []string{"n2"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "n2-standard-4", Purchase: tally.PurchaseOnDemand, Count: 4, Hourly: usd("0.194236"), Names: []string{"a", "b", "c", "d"}}}}
	cud := NodeCommitment{ID: "projects/p/regions/us-central1/commitments/n2-1yr", Kind: tally.CommitCUDResource, End: cudEnd,
		Families: []string{"n2"}, Nodes: coveredNodes("n2-standard-4", "0.194236", "0.122364", "a", "b", "c")}
	ps := placedPods(3, 1, GiB, "a", "b", "c")

	plan, err := PlanCommittedNodes(g, ps, cat, []NodeCommitment{cud})
	if err != nil {
		t.Fatal(err)
	}
	// Now: 3 × 0.122364 + 0.194236 = 0.561328 an hour; planned: the CUD's
	// fee for 3 nodes, 0.367092, one node of it used, two nodes' worth unused.
	check := func(what string, got tally.Money, want string) {
		t.Helper()
		if got.Decimal() != want {
			t.Errorf("%s %s, want %s", what, got.Decimal(), want)
		}
	}
	check("current", plan.CurrentMonthly, "409.77")
	check("planned", plan.PlannedMonthly, "267.98")
	check("saving", plan.MonthlySavings, "141.79")
	if got := currentText(plan.Current); got != "3×n2-standard-4/committed 1×n2-standard-4/on-demand" {
		t.Errorf("current %s", got)
	}
	if got := plannedText(plan.Planned); got != "1×n2-standard-4/committed" {
		t.Errorf("planned %s", got)
	}
	c := plan.Committed
	if c == nil || len(c.Commitments) != 1 || len(c.After) != 1 {
		t.Fatalf("committed %+v", c)
	}
	u := c.Commitments[0]
	if u.Nodes != 3 || u.CoveredNodes != 3 || u.PlannedNodes != 1 {
		t.Errorf("use %+v", u)
	}
	check("fee", u.MonthlyFee, "267.98")
	check("unused", u.MonthlyUnused, "178.65")
	check("after", c.After[0].MonthlySavings, "425.38")
	if !c.After[0].From.Equal(cudEnd) {
		t.Errorf("after from %s", c.After[0].From)
	}
	for _, want := range []string{"3 of the 4 current nodes are covered by resource-based CUD projects/p/regions/us-central1/commitments/n2-1yr until 2027-08-25",
		"the planned nodes use 1 node's worth of it and free $178.65 a month of the fee, which would go unused", "saves $141.79 a month while the commitments run, $425.38 a month after 2027-08-25"} {
		if !strings.Contains(plan.Explanation, want) {
			t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
		}
	}
	if _, err := plan.Record(time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}

	// A resource-based CUD covers any usage of its series in its region:
	// with the 3 n2-highmem-4 of another group on demand (0.786084 an hour
	// of N2 cores and memory), the part the plan frees covers theirs
	// instead, and removing the nodes saves what it did without the CUD.
	cud.Elsewhere, cud.Scope = usd("0.786084"), "n2 in us-central1"
	if plan, err = PlanCommittedNodes(g, ps, cat, []NodeCommitment{cud}); err != nil {
		t.Fatal(err)
	}
	check("saving with N2 usage elsewhere", plan.MonthlySavings, "425.38")
	check("elsewhere", plan.Committed.Commitments[0].MonthlyElsewhere, "283.58")
	check("wasted", plan.Committed.Commitments[0].MonthlyWasted, "0")
	if want := "which covers other eligible usage of its scope (n2 in us-central1): the bill shows on-demand usage of it outside the group, $283.58 a month of which"; !strings.Contains(plan.Explanation, want) {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
}

// reservedMemoryGroup is a catalog of r5.large and r5.xlarge, a group of
// 3 r5.xlarge nodes (a, b and c), and a Reserved Instance covering them.
func reservedMemoryGroup() ([]InstanceType, NodeGroup, NodeCommitment) {
	cat := []InstanceType{
		{Name: "r5.large", Family: "r5", CPU: 2, Memory: 16 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.126")}}},
		{Name: "r5.xlarge", Family: "r5", CPU: 4, Memory: 32 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.252")}}},
	}
	g := NodeGroup{Cluster: "prod", Name: "memory", Families: []string{"r5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "r5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 3, Hourly: usd("0.252"), Names: []string{"a", "b", "c"}}}}
	ri := NodeCommitment{ID: "arn:aws:ec2:us-west-2:1:reserved-instances/r", Kind: tally.CommitReserved, End: cudEnd,
		InstanceTypes: []string{"r5.xlarge"}, Nodes: coveredNodes("r5.xlarge", "0.252", "0.1103", "a", "b", "c")}
	return cat, g, ri
}

// A Reserved Instance for r5.xlarge covering the 3 current nodes, each
// running a replica of a StatefulSet: at catalog prices 3 × r5.large hold
// them for half the price, but the RI's fee is paid until it ends whatever
// runs, and it covers no r5.large: the plan keeps the reserved nodes
// (saving 0, where it read 275.94) and says what the smaller nodes would
// save once the RI has ended.
func TestPlanCommittedNodesReservedInstanceKept(t *testing.T) {
	cat, g, ri := reservedMemoryGroup()
	ps := placedPods(3, 1.5, 10*GiB, "a", "b", "c")
	for i := range ps {
		ps[i].Spread = "kafka/StatefulSet/broker"
	}
	before, err := PlanNodes(g, ps, cat)
	if err != nil {
		t.Fatal(err)
	}
	if before.MonthlySavings.Decimal() != "275.94" {
		t.Fatalf("without the RI: saving %s, want 275.94 (3 × r5.large)", before.MonthlySavings.Decimal())
	}
	plan, err := PlanCommittedNodes(g, ps, cat, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if got := plannedText(plan.Planned); got != "3×r5.xlarge/committed" || !plan.MonthlySavings.IsZero() {
		t.Errorf("planned %s saving %s, want the 3 reserved nodes kept, no saving: %s", got, plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	if plan.Committed.Later != "" {
		t.Errorf("kept nodes: later %q, want none", plan.Committed.Later)
	}
	if plan.CurrentMonthly.Decimal() != "241.56" { // 3 × 0.1103 × 730
		t.Errorf("current %s, want 241.56", plan.CurrentMonthly.Decimal())
	}
	alt := plan.Committed.Alternative
	if alt == nil || plannedText(alt.Planned) != "3×r5.large/on-demand" || alt.MonthlySavingsAfter.Decimal() != "275.94" || alt.MonthlySavings.Decimal() != "-275.94" {
		t.Fatalf("alternative %+v", alt)
	}
	for _, want := range []string{"already right-sized", "3 of the 3 current nodes are covered by Reserved Instance", "the plan keeps it in use",
		"3 × r5.large (on-demand) would save $275.94 a month once they have all ended (-$275.94 while they run)"} {
		if !strings.Contains(plan.Explanation, want) {
			t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
		}
	}
	// Pods that may share a node: 2 reserved nodes hold them. That saves
	// nothing while the RI runs (its third node's worth goes unused) but
	// 183.96 after, so it is the plan.
	for i := range ps {
		ps[i].Spread = ""
	}
	if plan, err = PlanCommittedNodes(g, ps, cat, []NodeCommitment{ri}); err != nil {
		t.Fatal(err)
	}
	if got := plannedText(plan.Planned); got != "2×r5.xlarge/committed" || !plan.MonthlySavings.IsZero() || plan.Committed.After[0].MonthlySavings.Decimal() != "183.96" {
		t.Errorf("planned %s saving %s: %s", got, plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	if !strings.Contains(plan.Explanation, "free $80.52 a month of the fee, which would go unused") {
		t.Errorf("explanation %q", plan.Explanation)
	}
	// A change that saves nothing until the RI ends says so, as the
	// table's row only reads $0.00 beside it.
	later := "the change saves nothing until 2027-08-25: the fee of Reserved Instance arn:aws:ec2:us-west-2:1:reserved-instances/r " +
		"is paid until it ends whatever runs, and the planned nodes free $80.52 a month of it; it saves $183.96 a month after"
	if plan.Committed.Later != later || !strings.Contains(plan.Explanation, later) {
		t.Errorf("later %q\nwant %q\nin the explanation %q", plan.Committed.Later, later, plan.Explanation)
	}
}

// An EC2 Instance Savings Plan (family m5) covering 3 × m5.2xlarge whose
// pods fit on one: what the plan frees of it moves to other m5 usage, and
// saves only what on-demand usage there is there (Elsewhere), shared by
// the Savings Plans of one pool.
func TestPlanCommittedNodesSavingsPlanMoves(t *testing.T) {
	g := NodeGroup{Cluster: "data", Name: "core", Families: []string{"m5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "m5.2xlarge", Purchase: tally.PurchaseOnDemand, Count: 3, Hourly: usd("0.384"), Names: []string{"a", "b", "c"}}}}
	ps := placedPods(2, 3.5, 12*GiB, "a", "b")
	sp := func(elsewhere string) NodeCommitment {
		return NodeCommitment{ID: "sp-1", Kind: tally.CommitEC2SP, End: time.Date(2029, 8, 24, 0, 0, 0, 0, time.UTC), Families: []string{"m5"},
			Nodes: coveredNodes("m5.2xlarge", "0.384", "0.16896", "a", "b", "c"), Elsewhere: usd(elsewhere), Pool: "aws/us-west-2/m5"}
	}
	tests := []struct {
		elsewhere, saving, after, says string
	}{
		// No uncovered m5 usage elsewhere: nothing saved while it runs.
		{"0", "0", "560.64", "which would go unused: the bill shows no on-demand usage of its scope"},
		// 0.5 an hour of on-demand m5 usage elsewhere: the freed 0.768 covers it.
		{"0.5", "365", "560.64", "$365.00 a month of which (at on-demand prices) the freed part would cover instead, the rest ($86.08 a month of the fee) would go unused"},
		// More than what is freed: the saving is the whole freed part.
		{"2", "560.64", "560.64", "$560.64 a month of which (at on-demand prices) the freed part would cover instead"},
	}
	for _, tt := range tests {
		plan, err := PlanCommittedNodes(g, ps, catalog, []NodeCommitment{sp(tt.elsewhere)})
		if err != nil {
			t.Fatal(err)
		}
		if got := plannedText(plan.Planned); got != "1×m5.2xlarge/committed" {
			t.Errorf("elsewhere %s: planned %s", tt.elsewhere, got)
		}
		if plan.MonthlySavings.Decimal() != tt.saving || plan.Committed.After[0].MonthlySavings.Decimal() != tt.after {
			t.Errorf("elsewhere %s: saving %s, after %s; want %s, %s", tt.elsewhere, plan.MonthlySavings.Decimal(),
				plan.Committed.After[0].MonthlySavings.Decimal(), tt.saving, tt.after)
		}
		if !strings.Contains(plan.Explanation, tt.says) {
			t.Errorf("elsewhere %s: explanation %q\nwant it to say %q", tt.elsewhere, plan.Explanation, tt.says)
		}
	}
	// Two Savings Plans of one pool share its usage elsewhere: 0.5 an
	// hour is covered once.
	a, b := sp("0.5"), sp("0.5")
	a.Nodes, b.ID, b.Nodes = a.Nodes[:2], "sp-2", b.Nodes[2:]
	plan, err := PlanCommittedNodes(g, ps, catalog, []NodeCommitment{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if plan.MonthlySavings.Decimal() != "365" {
		t.Errorf("two plans of one pool: saving %s, want 365: %s", plan.MonthlySavings.Decimal(), plan.Explanation)
	}
}

// A node two Savings Plans cover in part (0.69 and 0.31 of it, as the
// bill split an r5.2xlarge between two): priced now at the fees, as
// committed; the plan keeps what the plans cover in use.
func TestPlanCommittedNodesPartlyCovered(t *testing.T) {
	cat := []InstanceType{
		{Name: "r5.xlarge", Family: "r5", CPU: 4, Memory: 32 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.252")}}},
		{Name: "r5.2xlarge", Family: "r5", CPU: 8, Memory: 64 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.504")}}},
	}
	g := NodeGroup{Cluster: "data", Name: "kafka", Families: []string{"r5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "r5.2xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.504"), Names: []string{"a"}}}}
	cs := []NodeCommitment{
		{ID: "sp-a", Kind: tally.CommitComputeSP, End: cudEnd, Nodes: []CoveredNode{{Name: "a", Type: "r5.2xlarge", Covered: usd("0.34776"), Fee: usd("0.1632")}}},
		{ID: "sp-b", Kind: tally.CommitComputeSP, Nodes: []CoveredNode{{Name: "a", Type: "r5.2xlarge", Covered: usd("0.15624"), Fee: usd("0.1083")}}},
	}
	plan, err := PlanCommittedNodes(g, placedPods(1, 3, 20*GiB, "a"), cat, cs)
	if err != nil {
		t.Fatal(err)
	}
	// Now 0.2715 an hour; planned 1 × r5.xlarge (0.252 of on-demand
	// price), covered by sp-a (narrowest first: by id); sp-b left unused,
	// nothing elsewhere.
	if plan.CurrentMonthly.Decimal() != "198.2" || currentText(plan.Current) != "1×r5.2xlarge/committed" {
		t.Errorf("current %s %s", currentText(plan.Current), plan.CurrentMonthly.Decimal())
	}
	if !plan.MonthlySavings.IsZero() || plannedText(plan.Planned) != "1×r5.xlarge/committed" {
		t.Errorf("planned %s saving %s: %s", plannedText(plan.Planned), plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	// sp-b's end is unknown: it stays; after sp-a ends, sp-b covers 0.15624 of the r5.xlarge.
	if a := plan.Committed.After; len(a) != 1 || a[0].Ended[0] != "sp-a" {
		t.Errorf("after %+v", a)
	}
	if !strings.Contains(plan.Explanation, "until its end (not in the commitment inventory)") {
		t.Errorf("explanation %q", plan.Explanation)
	}
}

// A Reserved Instance covers one of two m5.xlarge; the pods fit on an
// m5.large, cheaper than an m5.xlarge at the RI's effective rate (0.096
// against 0.121 an hour). But the RI's fee is paid anyway: keeping the
// reserved m5.xlarge alone saves the whole uncovered node (140.16), where
// the m5.large would save 70.08 while the RI runs.
func TestPlanCommittedNodesFillsTheCommitmentFirst(t *testing.T) {
	g := NodeGroup{Cluster: "prod", Name: "general", Families: []string{"m5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 2, Hourly: usd("0.192"), Names: []string{"n1", "n2"}}}}
	ri := NodeCommitment{ID: "ri", Kind: tally.CommitReserved, End: cudEnd, InstanceTypes: []string{"m5.xlarge"},
		Nodes: coveredNodes("m5.xlarge", "0.192", "0.121", "n1")}
	plan, err := PlanCommittedNodes(g, placedPods(2, 0.5, GiB, "n1", "n2"), catalog, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if got := plannedText(plan.Planned); got != "1×m5.xlarge/committed" || plan.MonthlySavings.Decimal() != "140.16" {
		t.Errorf("planned %s saving %s, want 1×m5.xlarge/committed saving 140.16: %s", got, plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	// After the RI: 2 × 0.192 − 0.192; the m5.large would save 210.24 then.
	if a := plan.Committed.After; len(a) != 1 || a[0].MonthlySavings.Decimal() != "140.16" {
		t.Errorf("after %+v", a)
	}
	if alt := plan.Committed.Alternative; alt == nil || plannedText(alt.Planned) != "1×m5.large/on-demand" || alt.MonthlySavingsAfter.Decimal() != "210.24" {
		t.Errorf("alternative %+v", alt)
	}
}

// A group whose minimum size keeps nodes the pods alone do not need, its
// nodes covered by an RI: the plan keeps the minimum and says so, without
// the packing's price, which priced the reserved type at about zero (its
// fee is paid whatever runs); it read "the pods alone pack onto 1, 0 USD a
// month".
func TestPlanCommittedNodesKeptByMinimum(t *testing.T) {
	cat := []InstanceType{{Name: "m5.xlarge", Family: "m5", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.192")}}}}
	g := NodeGroup{Cluster: "prod", Name: "general", Families: []string{"m5"}, Spot: SpotNever, MinNodes: 3, MinNodesWhy: "--min-nodes",
		Current: []NodeCount{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 4, Hourly: usd("0.192"), Names: []string{"a", "b", "c", "d"}}}}
	ps := placedPods(4, 0.5, GiB, "a", "b", "c", "d")
	ri := NodeCommitment{ID: "arn:aws:ec2:us-west-2:1:reserved-instances/g", Kind: tally.CommitReserved, End: cudEnd,
		InstanceTypes: []string{"m5.xlarge"}, Nodes: coveredNodes("m5.xlarge", "0.192", "0.121", "a", "b", "c", "d")}
	plan, err := PlanCommittedNodes(g, ps, cat, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if got := plannedText(plan.Planned); got != "3×m5.xlarge/committed" {
		t.Errorf("planned %s, want the minimum of 3 reserved nodes: %s", got, plan.Explanation)
	}
	if plan.Kept == nil || plan.Kept.PackedNodes != 1 || plan.Kept.PackedMonthly != nil {
		t.Fatalf("kept %+v, want the packing of 1 node without its price", plan.Kept)
	}
	if s := plan.Kept.String(); !strings.HasPrefix(s, "kept 3 nodes (the pods alone pack onto 1): ") {
		t.Errorf("kept says %q", s)
	}
	// The explanation (what the dashboard and the stored recommendation
	// show) says what kept the nodes, as an uncommitted plan's does: it
	// read "4 pods … fit on 3 × m5.xlarge (committed)" and the RI alone.
	if want := "; " + plan.Kept.String() + "; 4 of the 4 current nodes are covered by"; !strings.Contains(plan.Explanation, want) {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
}

// Every amount of a commitment's use carries the currency, a zero one
// too: the JSON of a plan whose freed fee covers nothing elsewhere read
// "monthlyElsewhere": {"amount": "0", "currency": ""}.
func TestPlanCommittedNodesAmountsHaveCurrency(t *testing.T) {
	cat := []InstanceType{
		{Name: "r5.xlarge", Family: "r5", CPU: 4, Memory: 32 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.252")}}},
	}
	g := NodeGroup{Cluster: "prod", Name: "memory", Families: []string{"r5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "r5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 3, Hourly: usd("0.252"), Names: []string{"a", "b", "c"}}}}
	ri := NodeCommitment{ID: "arn:aws:ec2:us-west-2:1:reserved-instances/r", Kind: tally.CommitReserved, End: cudEnd,
		InstanceTypes: []string{"r5.xlarge"}, Nodes: coveredNodes("r5.xlarge", "0.252", "0.1103", "a", "b", "c")}
	for _, ps := range [][]PodRequest{placedPods(3, 1.5, 10*GiB, "a", "b", "c"), placedPods(1, 1, GiB, "a")} {
		plan, err := PlanCommittedNodes(g, ps, cat, []NodeCommitment{ri})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range plan.Committed.Commitments {
			for name, m := range map[string]tally.Money{"fee": u.MonthlyFee, "unused": u.MonthlyUnused, "elsewhere": u.MonthlyElsewhere, "wasted": u.MonthlyWasted} {
				if m.Currency() != "USD" {
					t.Errorf("%s (planned %s): %s %q has currency %q, want USD", u.ID, plannedText(plan.Planned), name, m.Decimal(), m.Currency())
				}
			}
		}
	}
}

// The demo's prod-usw2/compute: nodes in three zones, under a Reserved
// Instance, run a workload spread by zone at 3 pods a node. The committed
// plan lost the current nodes' zones, bound the pods of one node to three
// zones, found the current nodes could not hold them, and planned 6 nodes
// costing $296.27 a month more ("this costs more than the current nodes
// because the pods at their recommended requests were not fitted onto the
// current nodes").
func TestPlanCommittedNodesKeepsTheNodesZones(t *testing.T) {
	g := threeZones()
	ri := NodeCommitment{ID: "arn:aws:ec2:us-west-2:1:reserved-instances/m", Kind: tally.CommitReserved, End: cudEnd,
		InstanceTypes: []string{"m5.2xlarge"}, Nodes: coveredNodes("m5.2xlarge", "0.384", "0.242", "n1", "n2", "n3")}
	ps := withTopology(placedPods(9, 2.2, 2*GiB, "n1", "n2", "n3"), Topology{Group: "checkout/Deployment/checkout-api", ZoneSkew: 1})
	plan, err := PlanCommittedNodes(g, ps, catalog, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if got := plannedText(plan.Planned); got != "3×m5.2xlarge/committed" || !plan.MonthlySavings.IsZero() || !strings.HasPrefix(plan.Explanation, "already right-sized") {
		t.Errorf("planned %s saving %s, want the 3 reserved nodes kept: %s", got, plan.MonthlySavings.Decimal(), plan.Explanation)
	}
}

// A committed plan that costs more than the current nodes says once what
// kept its nodes: it said "kept 3 nodes (…): …" twice, the second time
// after why the current nodes were not used.
func TestPlanCommittedNodesSaysKeptOnce(t *testing.T) {
	plan := planOutgrownReservedNodes(t)
	if plan.MonthlySavings.Sign() >= 0 || plan.Kept == nil {
		t.Fatalf("want a plan costing more, kept by the zones: saving %s: %s", plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	if n := strings.Count(plan.Explanation, "kept 3 nodes"); n != 1 ||
		!strings.Contains(plan.Explanation, "this costs more than the current nodes because the pods at their recommended requests were not fitted onto the current nodes; kept 3 nodes") {
		t.Errorf("says kept %d times: %s", n, plan.Explanation)
	}
}

// A plan whose nodes use none of a commitment says so: it read "the
// planned nodes use part of it and free $131.40 a month of the fee" of a
// fee of $131.40 a month that none of the planned nodes (m5.xlarge, out of
// the Reserved Instance's m5.large) use.
func TestPlanCommittedNodesUsingNoneOfACommitment(t *testing.T) {
	plan := planOutgrownReservedNodes(t)
	want := "the planned nodes use none of it and free its whole fee, $131.40 a month, which would go unused: the bill shows no on-demand usage of its scope outside the group that no commitment covers"
	if !strings.Contains(plan.Explanation, want) {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
}

// planOutgrownReservedNodes plans three m5.large nodes, one a zone, under
// a Reserved Instance, whose zone-spread pods at their recommended
// requests (2.5 cores each) no longer fit them.
func planOutgrownReservedNodes(t *testing.T) NodePlan {
	t.Helper()
	g := threeZones()
	g.Current[0].Type, g.Current[0].Hourly = "m5.large", usd("0.096")
	ri := NodeCommitment{ID: "arn:aws:ec2:us-west-2:1:reserved-instances/m", Kind: tally.CommitReserved, End: cudEnd,
		InstanceTypes: []string{"m5.large"}, Nodes: coveredNodes("m5.large", "0.096", "0.06", "n1", "n2", "n3")}
	ps := withTopology(placedPods(3, 2.5, 2*GiB, "n1", "n2", "n3"), Topology{Group: "shop/Deployment/api", ZoneSkew: 1})
	plan, err := PlanCommittedNodes(g, ps, catalog, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestPlanCommittedNodesEstimatedEnd: a commitment whose bill does not
// date its term (NodeCommitment.EndEstimated) covers the nodes until its
// end, which comes by the day reckoned from its first charge, and the
// explanation says so, as tally commitments status does ("≤ 2027-08-25
// (est.)"); it gave that day as a fact, "until 2027-08-25".
func TestPlanCommittedNodesEstimatedEnd(t *testing.T) {
	cat := []InstanceType{
		{Name: "n2-standard-4", Family: "n2", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{tally.PurchaseOnDemand, usd("0.194236")}}},
	}
	g := NodeGroup{Cluster: "analytics-usc1", Name: "default-pool", Families: []string{"n2"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "n2-standard-4", Purchase: tally.PurchaseOnDemand, Count: 4, Hourly: usd("0.194236"), Names: []string{"a", "b", "c", "d"}}}}
	cud := NodeCommitment{ID: "n2-1yr", Kind: tally.CommitCUDResource, End: cudEnd, EndEstimated: true,
		Families: []string{"n2"}, Nodes: coveredNodes("n2-standard-4", "0.194236", "0.122364", "a", "b", "c")}
	plan, err := PlanCommittedNodes(g, placedPods(3, 1, GiB, "a", "b", "c"), cat, []NodeCommitment{cud})
	if err != nil {
		t.Fatal(err)
	}
	const want = "3 of the 4 current nodes are covered by resource-based CUD n2-1yr until its end, by 2027-08-25 (est.), its fee"
	if !strings.Contains(plan.Explanation, want) {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
	if u := plan.Committed.Commitments[0]; !u.EndEstimated {
		t.Errorf("use %+v: want its end estimated", u)
	}
	// What the plan saves once the CUD ends starts by then, not on it.
	if want := " a month from 2027-08-25 at the latest (est.)"; !strings.Contains(plan.Explanation, want) || strings.Contains(plan.Explanation, "a month after 2027-08-25") {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
	kept := keptByCommitments([]CommitmentUse{{ID: "n2-1yr", Kind: tally.CommitCUDResource, End: cudEnd, EndEstimated: true, PlannedNodes: 2}})
	if want := "by resource-based CUD n2-1yr until its end, by 2027-08-25 (est.): its fee is paid until then"; !strings.Contains(kept, want) {
		t.Errorf("kept %q\nwant it to say %q", kept, want)
	}
}
