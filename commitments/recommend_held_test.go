package commitments

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestRecommendCountsHeldCapacityAtItsOwnTerm: an EC2 Instance Savings
// Plan of 3 years held in a pool that buys 1-year ones covers all of the
// pool's usage (4.20/h at 3 years' 58% off covers 10/h on demand), so
// nothing is left to buy. Recommend converted the held fee to on-demand
// capacity at the pool's own 1-year discount (4.20 / 0.63 = 6.67/h), saw a
// 3.33/h gap and recommended buying a Savings Plan that no usage is left
// for.
func TestRecommendCountsHeldCapacityAtItsOwnTerm(t *testing.T) {
	held := tally.Commitment{ID: "sp-3y", Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 36, PaymentOption: NoUpfront,
		Scope: map[string]string{"region": "eu-west-1", "family": "m5"}, Start: flatStart.AddDate(0, -1, 0), End: flatStart.AddDate(3, -1, 0),
		HourlyCommitment: tally.MustParseMoney("4.2", "USD"), State: "active"}
	pps := recommendOnFlatUsage(t, []tally.Commitment{held}, PoolOptions{TermMonths: 12, EC2Instance: true})
	wantNothingBought(t, pps, "", "the 3-year plan in force covers all 10/h")
}

// flatStart is where flatUsage starts in the recommend tests.
var flatStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// recommendOnFlatUsage runs Recommend an hour after 60 days of 10/h of
// m5.xlarge in eu-west-1 (flatUsage from flatStart), with the commitments
// held, over pools.
func recommendOnFlatUsage(t *testing.T, held []tally.Commitment, pools PoolOptions) []PoolPlan {
	t.Helper()
	u := flatUsage(flatStart, 60, "USD")
	now := flatStart.Add(time.Duration(u.Hours()+1) * time.Hour)
	pps, err := Recommend(u, held, RecommendOptions{Now: now, Risk: Risk{Paths: 20}, Pools: pools})
	if err != nil {
		t.Fatal(err)
	}
	if len(pps) == 0 {
		t.Fatal("no pool planned")
	}
	return pps
}

// wantNothingBought fails t for each pool plan that buys anything, with
// prefix before the pool and why nothing should be bought after it.
func wantNothingBought(t *testing.T, pps []PoolPlan, prefix, why string) {
	t.Helper()
	for _, p := range pps {
		if !p.PurchaseHourly.IsZero() {
			t.Errorf("%s%s: buy %s/h (existing capacity %.2f/h on demand, target %.2f/h), want nothing: %s",
				prefix, p.Pool, p.PurchaseHourly.Decimal(), p.ExistingOD, p.TargetOD, why)
		}
	}
}
