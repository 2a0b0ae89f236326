package commitments

import (
	"testing"
	"time"
)

// TestPlanAtUtilization: usage of $10/h in three hours of four and $6/h in
// the fourth, over 2,000 hours, with 730-hour terms at 27% off from hour
// 100. Unheld, hindsight commits to $10/h of it (each dollar between 6 and
// 10 is used 3/4 of the hours, more than the 73% it costs): 90%
// utilization. Held to 95%, a commitment c between 6 and 10 is used
// (3c + 6) / 4c, so c ≤ 7.5; and the cost of two terms, 30 − 0.08c every
// four hours, falls with c: $7.50/h of capacity in two terms (as in
// TestHindsightConstantUsage) is the plan to beat; where the terms start
// changes the cost by a few dollars.
func TestPlanAtUtilization(t *testing.T) {
	var rows [][]float64
	for h := 0; h < 2000; h++ {
		v := 10.0
		if h%4 == 3 {
			v = 6
		}
		rows = append(rows, []float64{v})
	}
	u := usageOf(time.Unix(0, 0), []Stream{m5}, rows...)
	pools := Pools(u.Streams, PoolOptions{TermMonths: 1, Compute: true})
	sim := NewSimulator(u, Rates{})

	free := sim.Run(Hindsight{}.Plan(u, pools, Rates{}, 100), 0, 2000, nil)
	if util := free.Utilization(); util > 0.905 {
		t.Fatalf("unheld hindsight: utilization %.4f, want 0.90", util)
	}
	held := sim.Run(Hindsight{}.PlanAtUtilization(u, pools, Rates{}, 100, 0.95), 0, 2000, nil)
	if util := held.Utilization(); util < 0.95 || util > 0.952 {
		t.Fatalf("held to 95%%: utilization %.4f", util)
	}
	best := sim.Run([]Position{
		{Offer: pools[0].Offer, Fee: NanosOf(7.5 * 0.73), Start: 100, End: 830},
		{Offer: pools[0].Offer, Fee: NanosOf(7.5 * 0.73), Start: 830, End: 1560},
	}, 0, 2000, nil)
	if best.Utilization() < 0.95 || held.Cost() > best.Cost() {
		t.Fatalf("held to 95%%: cost %.2f, more than $7.50/h in two terms (%.2f)", held.Cost().Float(), best.Cost().Float())
	}
	if held.Cost() <= free.Cost() {
		t.Fatalf("the floor costs nothing: %.2f ≤ %.2f", held.Cost().Float(), free.Cost().Float())
	}
	loose := Hindsight{}.PlanAtUtilization(u, pools, Rates{}, 100, 0.85)
	if sim.Run(loose, 0, 2000, nil).Cost() != free.Cost() {
		t.Fatal("a floor the unheld plan meets changed the plan")
	}
}
