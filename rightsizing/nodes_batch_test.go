package rightsizing

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// A spot pool that keeps one node and adds nodes while its CronJobs run is
// priced over its history: now, what its nodes cost on average (110
// node-hours of $0.20 in 100 hours); planned, the cheapest nodes for the
// pods running at each moment: three big nodes for the 5 hours a job of
// three 3.5-core pods runs, one small for the 10 hours of one-core runs,
// none between. It was priced as the one node alive at the end against
// the nodes for the peak running all month: a saving of −292.
func TestPlanBatchNodesAveragesOverTheHistory(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	catalog := []InstanceType{
		{Name: "e2-small", Family: "e2", CPU: 2, Memory: 8 * GiB, Offers: []Offer{{Purchase: tally.PurchaseSpot, Hourly: usd("0.10")}}},
		{Name: "e2-big", Family: "e2", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{Purchase: tally.PurchaseSpot, Hourly: usd("0.20")}}},
	}
	g := NodeGroup{Cluster: "analytics", Name: "spot-pool", Families: []string{"e2"}, Spot: SpotAllowed,
		Current: []NodeCount{{Type: "e2-big", Purchase: tally.PurchaseSpot, Count: 1, Hourly: usd("0.20"), Names: []string{"n9"}}}}
	var batch []BatchPod
	for i := range 3 {
		batch = append(batch, BatchPod{PodRequest: PodRequest{Name: "trainer-" + string(rune('a'+i)), CPU: 3.5, Memory: 10 * GiB}, From: at(10), To: at(15)})
	}
	for h := 50; h < 60; h++ {
		batch = append(batch, BatchPod{PodRequest: PodRequest{Name: "rollup", CPU: 1, Memory: 2 * GiB}, From: at(float64(h)), To: at(float64(h) + 1)})
	}
	used := []NodeHours{{Type: "e2-big", Purchase: tally.PurchaseSpot, Hours: 110, Hourly: usd("0.20")}}
	plan, err := PlanBatchNodes(g, nil, batch, used, tally.Window{Start: t0, End: at(100)}, catalog)
	if err != nil {
		t.Fatal(err)
	}
	// 110 × 0.20 / 100 × 730; (5 × 0.60 + 10 × 0.10) / 100 × 730.
	if plan.CurrentMonthly.Decimal() != "160.6" || plan.PlannedMonthly.Decimal() != "29.2" || plan.MonthlySavings.Decimal() != "131.4" {
		t.Errorf("now %s, planned %s, saving %s; want 160.6, 29.2, 131.4: %s", plan.CurrentMonthly.Decimal(), plan.PlannedMonthly.Decimal(),
			plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	a := plan.Averaged
	if a == nil || a.CurrentNodes != 1.1 || a.PlannedNodes != 0.25 || a.BatchHours != 15 {
		t.Errorf("averaged %+v, want 1.1 nodes now, 0.25 planned, 15 batch hours", a)
	}
	if len(plan.Planned) != 1 || plan.Planned[0].Type != "e2-big" || plan.Planned[0].Count != 3 {
		t.Errorf("planned %+v, want 3 × e2-big for the peak", plan.Planned)
	}
	if !strings.Contains(plan.Explanation, "the group's minimum size must be 0") {
		t.Errorf("explanation does not say the group must scale to zero between runs: %s", plan.Explanation)
	}
	// The stored record says the amounts are averages, with the nodes that
	// ran on average.
	rec, err := plan.Record(t0)
	if err != nil {
		t.Fatal(err)
	}
	var cur, planned struct {
		Monthly      tally.Money
		AverageNodes float64
	}
	if err := json.Unmarshal(rec.Current, &cur); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rec.Recommended, &planned); err != nil {
		t.Fatal(err)
	}
	if cur.AverageNodes != 1.1 || planned.AverageNodes != 0.25 || cur.Monthly.Decimal() != "160.6" || planned.Monthly.Decimal() != "29.2" {
		t.Errorf("record: current %s, recommended %s: want averageNodes 1.1 and 0.25 beside 160.6 and 29.2", rec.Current, rec.Recommended)
	}
}

// TestBatchPeak: runs that never overlap need room for the largest; runs
// that overlap for both; a run ending as another starts does not overlap it.
func TestBatchPeak(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pod := func(name string, cpu float64, from, to int) BatchPod {
		var end time.Time
		if to >= 0 {
			end = t0.Add(time.Duration(to) * time.Hour)
		}
		return BatchPod{PodRequest: PodRequest{Name: name, CPU: cpu, Memory: 1 << 30}, From: t0.Add(time.Duration(from) * time.Hour), To: end}
	}
	for _, tc := range []struct {
		name string
		pods []BatchPod
		want string
	}{
		{"apart", []BatchPod{pod("a", 1, 0, 1), pod("b", 3, 2, 3), pod("c", 2, 4, 5)}, "b"},
		{"overlapping", []BatchPod{pod("hourly", 1, 0, 1), pod("daily", 3, 0, 5), pod("hourly2", 1, 1, 2)}, "hourly,daily"},
		{"end meets start", []BatchPod{pod("a", 2, 0, 1), pod("b", 2, 1, 2)}, "a"},
		{"still running", []BatchPod{pod("a", 2, 0, 1), pod("b", 1, 3, -1), pod("c", 1, 4, 6)}, "b,c"},
	} {
		got, _ := BatchPeak(tc.pods)
		var names []string
		for _, p := range got {
			names = append(names, p.Name)
		}
		if strings.Join(names, ",") != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, names, tc.want)
		}
	}
}

// A batch group kept at its minimum says so without the price of the
// pods alone running all month, which says nothing of an averaged plan:
// the demo's data-usw2/batch at --min-nodes 2 read "kept 2 nodes (the pods
// alone pack onto 1, 168.78 USD a month)" beside a plan of 47.74 a month
// (5.19 without the minimum).
func TestPlanBatchNodesKeptByMinimum(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	catalog := []InstanceType{
		{Name: "e2-small", Family: "e2", CPU: 2, Memory: 8 * GiB, Offers: []Offer{{Purchase: tally.PurchaseSpot, Hourly: usd("0.10")}}},
		{Name: "e2-big", Family: "e2", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{Purchase: tally.PurchaseSpot, Hourly: usd("0.20")}}},
	}
	g := NodeGroup{Cluster: "data", Name: "batch", Families: []string{"e2"}, Spot: SpotAllowed, MinNodes: 2, MinNodesWhy: "the group's minimum size is 2"}
	batch := []BatchPod{{PodRequest: PodRequest{Name: "report", CPU: 3.5, Memory: 6 * GiB}, From: at(10), To: at(12)}}
	used := []NodeHours{{Type: "e2-big", Purchase: tally.PurchaseSpot, Hours: 4, Hourly: usd("0.20")}}
	plan, err := PlanBatchNodes(g, nil, batch, used, tally.Window{Start: t0, End: at(100)}, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Kept == nil || plan.Kept.Nodes != 2 || plan.Kept.PackedNodes != 1 {
		t.Fatalf("kept %+v, want 2 nodes kept, the pods alone on 1: %s", plan.Kept, plan.Explanation)
	}
	if plan.Kept.PackedMonthly != nil {
		t.Errorf("kept says the pods alone cost %s a month, beside a plan priced over the history at %s: %s",
			plan.Kept.PackedMonthly.Decimal(), plan.PlannedMonthly.Decimal(), plan.Explanation)
	}
	if want := "kept 2 nodes (the pods alone pack onto 1): the group's minimum size is 2"; !strings.Contains(plan.Explanation, want) {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
	// It costs more than the group's 4 node-hours because of its minimum:
	// it read "this costs more than the current nodes because the pods at
	// their recommended requests were not fitted onto the current nodes"
	// (the group has none running; its nodes came and went).
	if plan.MonthlySavings.Sign() >= 0 {
		t.Fatalf("saving %s, want below zero", plan.MonthlySavings.Decimal())
	}
	if want := "this costs more than the nodes the group ran over the history because it kept 2 nodes (the pods alone pack onto 1): " +
		"the group's minimum size is 2"; !strings.Contains(plan.Explanation, want) || strings.Contains(plan.Explanation, "not fitted") {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}

	// With a node running at the end, it read "because the group runs
	// fewer nodes than its minimum size 2", of the nodes at the end, where
	// the amounts compare the nodes that ran over the history.
	g.Current = []NodeCount{{Type: "e2-big", Purchase: tally.PurchaseSpot, Count: 1, Hourly: usd("0.20"), Names: []string{"n9"}}}
	if plan, err = PlanBatchNodes(g, nil, batch, used, tally.Window{Start: t0, End: at(100)}, catalog); err != nil {
		t.Fatal(err)
	}
	if want := "this costs more than the nodes the group ran over the history because it kept 2 nodes (the pods alone pack onto 1): " +
		"the group's minimum size is 2"; !strings.Contains(plan.Explanation, want) || strings.Contains(plan.Explanation, "fewer nodes than") {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
}

// A batch group keeps two m5.xlarge running all 100 hours for a 3-core
// job that runs 10 of them; a Reserved Instance covers one of the two
// (0.121 an hour of its on-demand 0.192). The plan was priced at on-demand
// prices: a saving of 190 node-hours × 0.192 ÷ 100 × 730 = 266.30 a month,
// but the RI's fee is paid whatever runs while its node ran (all 100
// hours), and the job's node uses it: removing the nodes saves only the
// uncovered one, 140.16 a month, until the RI ends (266.30 after).
func TestPlanBatchNodesWithAReservedInstance(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	catalog := []InstanceType{
		{Name: "m5.large", Family: "m5", CPU: 2, Memory: 8 * GiB, Offers: []Offer{{Purchase: tally.PurchaseOnDemand, Hourly: usd("0.096")}}},
		{Name: "m5.xlarge", Family: "m5", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{Purchase: tally.PurchaseOnDemand, Hourly: usd("0.192")}}},
	}
	g := NodeGroup{Cluster: "prod", Name: "batch", Families: []string{"m5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 2, Hourly: usd("0.192"), Names: []string{"a", "b"}}}}
	batch := []BatchPod{{PodRequest: PodRequest{Name: "report", CPU: 3, Memory: 8 * GiB, Node: "a"}, From: at(40), To: at(50)}}
	used := []NodeHours{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Hours: 200, Hourly: usd("0.192")}}
	over := tally.Window{Start: t0, End: at(100)}
	end := time.Date(2027, 10, 6, 0, 0, 0, 0, time.UTC)
	ri := NodeCommitment{ID: "ri-1", Kind: tally.CommitReserved, End: end, InstanceTypes: []string{"m5.xlarge"}, Scope: "m5.xlarge in us-east-1",
		Nodes: coveredNodes("m5.xlarge", "0.192", "0.121", "a")}
	check := func(what string, got tally.Money, want string) {
		t.Helper()
		if got.Decimal() != want {
			t.Errorf("%s %s, want %s", what, got.Decimal(), want)
		}
	}

	before, err := PlanBatchNodes(g, nil, batch, used, over, catalog)
	if err != nil {
		t.Fatal(err)
	}
	check("saving without the RI", before.MonthlySavings, "266.3")

	plan, err := PlanBatchCommittedNodes(g, nil, batch, used, over, catalog, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	// Now (100 × 0.121 + 100 × 0.192) ÷ 100 × 730; planned the RI's fee
	// for the 100 hours its node ran, the job's node in it.
	check("current", plan.CurrentMonthly, "228.49")
	check("planned", plan.PlannedMonthly, "88.33")
	check("saving", plan.MonthlySavings, "140.16")
	if d, _ := plan.CurrentMonthly.Sub(plan.PlannedMonthly); !d.Equal(plan.MonthlySavings) {
		t.Errorf("saving %s is not current %s − planned %s", plan.MonthlySavings.Decimal(), plan.CurrentMonthly.Decimal(), plan.PlannedMonthly.Decimal())
	}
	if got := currentText(plan.Current); got != "1×m5.xlarge/committed 1×m5.xlarge/on-demand" {
		t.Errorf("current %s", got)
	}
	if got := plannedText(plan.Planned); got != "1×m5.xlarge/committed" {
		t.Errorf("planned %s", got)
	}
	c := plan.Committed
	if c == nil || len(c.Commitments) != 1 || len(c.After) != 1 || plan.Averaged == nil {
		t.Fatalf("committed %+v, averaged %+v", c, plan.Averaged)
	}
	u := c.Commitments[0]
	if u.ID != "ri-1" || u.Nodes != 1 || u.CoveredNodes != 1 || u.PlannedNodes != 0.1 {
		t.Errorf("use %+v, want 1 node covered, 0.1 nodes' worth of it used by the plan (10 of 100 hours)", u)
	}
	check("fee", u.MonthlyFee, "88.33")
	check("unused", u.MonthlyUnused, "79.5")
	check("after", c.After[0].MonthlySavings, "266.3")
	for _, want := range []string{
		"priced over the 4.2 days of history",
		"1 of the group's nodes is covered by Reserved Instance ri-1 until 2027-10-06 for the 100 hours it ran in the 4.2 days of history, its fee for them $88.33 a month paid whatever runs",
		"the planned nodes use 0.1 nodes' worth of it and free $79.50 a month of the fee, which would go unused",
		"with the fees paid either way, the plan saves $140.16 a month while the commitments run, $266.30 a month after 2027-10-06",
	} {
		if !strings.Contains(plan.Explanation, want) {
			t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
		}
	}
	if _, err := plan.Record(t0); err != nil {
		t.Fatal(err)
	}

	// The RI's node ran only the first 60 hours: its fee counts for those
	// (the job's node uses it), the other 140 node-hours are on demand:
	// (60 × 0.121 + 140 × 0.192) ÷ 100 × 730 now, planned the fee for 60
	// hours.
	ri.Nodes[0].Ran = tally.Window{Start: t0, End: at(60)}
	if plan, err = PlanBatchCommittedNodes(g, nil, batch, used, over, catalog, []NodeCommitment{ri}); err != nil {
		t.Fatal(err)
	}
	check("current, the RI's node for 60 hours", plan.CurrentMonthly, "249.22")
	check("planned, the RI's node for 60 hours", plan.PlannedMonthly, "53")
	check("saving, the RI's node for 60 hours", plan.MonthlySavings, "196.22")
	if want := "1 of the group's nodes is covered by Reserved Instance ri-1 until 2027-10-06 for the 60 hours it ran in the 4.2 days of history"; !strings.Contains(plan.Explanation, want) {
		t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
	}
}

// A batch group keeps one m5.xlarge running all the time, under a
// Reserved Instance, for a job that runs 10 of its 100 hours: removing the
// node between runs saves nothing while the RI runs (its fee is paid
// anyway, and the job's node uses it), so the plan keeps it, saying so
// with the node as the bill shows it (committed), and what removing it
// would save after the RI ends.
func TestPlanBatchNodesKeepsAReservedNode(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	catalog := []InstanceType{
		{Name: "m5.xlarge", Family: "m5", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{Purchase: tally.PurchaseOnDemand, Hourly: usd("0.192")}}},
	}
	g := NodeGroup{Cluster: "prod", Name: "batch", Families: []string{"m5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.192"), Names: []string{"a"}}}}
	batch := []BatchPod{{PodRequest: PodRequest{Name: "report", CPU: 3, Memory: 8 * GiB, Node: "a"}, From: at(40), To: at(50)}}
	used := []NodeHours{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Hours: 100, Hourly: usd("0.192")}}
	end := time.Date(2027, 10, 6, 0, 0, 0, 0, time.UTC)
	ri := NodeCommitment{ID: "ri-1", Kind: tally.CommitReserved, End: end, InstanceTypes: []string{"m5.xlarge"},
		Nodes: coveredNodes("m5.xlarge", "0.192", "0.121", "a")}
	plan, err := PlanBatchCommittedNodes(g, nil, batch, used, tally.Window{Start: t0, End: at(100)}, catalog, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if plan.CurrentMonthly.Decimal() != "88.33" || plan.PlannedMonthly.Decimal() != "88.33" || !plan.MonthlySavings.IsZero() {
		t.Errorf("now %s, planned %s, saving %s; want 88.33, 88.33, 0: %s", plan.CurrentMonthly.Decimal(), plan.PlannedMonthly.Decimal(),
			plan.MonthlySavings.Decimal(), plan.Explanation)
	}
	if got := plannedText(plan.Planned); got != "1×m5.xlarge/committed" {
		t.Errorf("planned %s", got)
	}
	for _, want := range []string{"already right-sized: 1 pods at their recommended requests fit on the current 1 × m5.xlarge (committed)",
		"the plan keeps it in use", "the plan saves $0.00 a month while the commitments run, $0.00 a month after 2027-10-06",
		// 90 of the 100 node-hours removed: 90 × 0.192 ÷ 100 × 730; while
		// the RI runs its fee is paid, and 10 hours are in it: 0.
		"the nodes an autoscaler adds for the pods running at each moment at catalog prices (1 × m5.xlarge (on-demand) at their peak) " +
			"would save $126.14 a month once they have all ended ($0.00 while they run)"} {
		if !strings.Contains(plan.Explanation, want) {
			t.Errorf("explanation %q\nwant it to say %q", plan.Explanation, want)
		}
	}
}

// A node name the group's autoscaler used twice in the history (a node
// gone, a new one of the same name later), each under the RI while it ran:
// the current node is the later one. The plan failed ("commitments cover
// 0.384 an hour of its on-demand 0.192"): both were taken for the node
// running now.
func TestPlanBatchNodesNodeNameUsedTwice(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	catalog := []InstanceType{
		{Name: "m5.xlarge", Family: "m5", CPU: 4, Memory: 16 * GiB, Offers: []Offer{{Purchase: tally.PurchaseOnDemand, Hourly: usd("0.192")}}},
	}
	g := NodeGroup{Cluster: "prod", Name: "batch", Families: []string{"m5"}, Spot: SpotNever,
		Current: []NodeCount{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Count: 1, Hourly: usd("0.192"), Names: []string{"a"}}}}
	batch := []BatchPod{{PodRequest: PodRequest{Name: "report", CPU: 3, Memory: 8 * GiB, Node: "a"}, From: at(10), To: at(20)}}
	used := []NodeHours{{Type: "m5.xlarge", Purchase: tally.PurchaseOnDemand, Hours: 70, Hourly: usd("0.192")}}
	nodes := coveredNodes("m5.xlarge", "0.192", "0.121", "a", "a")
	nodes[0].Ran, nodes[1].Ran = tally.Window{Start: t0, End: at(30)}, tally.Window{Start: at(60), End: at(100)}
	ri := NodeCommitment{ID: "ri-1", Kind: tally.CommitReserved, InstanceTypes: []string{"m5.xlarge"}, Nodes: nodes}
	plan, err := PlanBatchCommittedNodes(g, nil, batch, used, tally.Window{Start: t0, End: at(100)}, catalog, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if got := currentText(plan.Current); got != "1×m5.xlarge/committed" {
		t.Errorf("current %s", got)
	}
	if len(plan.Current) != 1 || plan.Current[0].Hourly.Decimal() != "0.121" {
		t.Errorf("current %+v, want the node at the RI's 0.121 an hour", plan.Current)
	}
	// Now 70 × 0.121 ÷ 100 × 730; planned the fee for the 70 hours.
	if plan.CurrentMonthly.Decimal() != "61.83" || plan.PlannedMonthly.Decimal() != "61.83" || !plan.MonthlySavings.IsZero() {
		t.Errorf("now %s, planned %s, saving %s; want 61.83, 61.83, 0: %s", plan.CurrentMonthly.Decimal(), plan.PlannedMonthly.Decimal(),
			plan.MonthlySavings.Decimal(), plan.Explanation)
	}
}
