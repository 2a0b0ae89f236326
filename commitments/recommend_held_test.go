package commitments

import (
	"math"
	"slices"
	"strings"
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

// TestRecommendCountsHeldCapacityAtItsBilledDiscount: a held commitment
// whose bill shows its discount covers what that discount says, not what
// the default rate of its offer says. The EC2 Instance Savings Plan of 3
// years below earns 50% on its bill, so its 4.20/h covers 8.40/h of the
// 10/h on demand; the default rate (58%) would have it cover all 10/h and
// leave nothing to buy.
func TestRecommendCountsHeldCapacityAtItsBilledDiscount(t *testing.T) {
	held := tally.Commitment{ID: "sp-3y", Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 36, PaymentOption: NoUpfront,
		Scope: map[string]string{"region": "eu-west-1", "family": "m5"}, Start: flatStart.AddDate(0, -1, 0), End: flatStart.AddDate(3, -1, 0),
		HourlyCommitment: tally.MustParseMoney("4.2", "USD"), Discount: 0.5, State: "active"}
	pps := recommendOnFlatUsage(t, []tally.Commitment{held}, PoolOptions{TermMonths: 12, EC2Instance: true})
	for _, p := range pps {
		if math.Abs(p.ExistingOD-8.4) > 0.01 {
			t.Errorf("%s: existing capacity %.4f/h on demand, want 8.40 (4.20/h at the 50%% its bill shows)", p.Pool, p.ExistingOD)
		}
		if p.PurchaseHourly.IsZero() {
			t.Errorf("%s: buys nothing, want some of the 1.60/h the held plan leaves on demand", p.Pool)
		}
	}
}

// TestRecommendCountsHeldCapacityAtItsBilledStreamDiscounts: a held
// Compute Savings Plan whose bill shows 30% off over all it covered but 50%
// on this usage (m5.xlarge in eu-west-1) covers 8.40/h of it with 4.20/h,
// not the 6/h its mean discount says: the EC2 Instance Savings Plan pool
// has only 1.60/h left to cover.
func TestRecommendCountsHeldCapacityAtItsBilledStreamDiscounts(t *testing.T) {
	held := tally.Commitment{ID: "csp", Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, PaymentOption: NoUpfront,
		Scope: map[string]string{}, Start: flatStart.AddDate(0, -1, 0), End: flatStart.AddDate(1, -1, 0),
		HourlyCommitment: tally.MustParseMoney("4.2", "USD"), Discount: 0.3, State: "active",
		StreamDiscounts: []tally.StreamDiscount{
			{Region: "eu-west-1", InstanceType: "m5.xlarge", Discount: 0.5},
			{Region: "us-east-1", InstanceType: "c5.xlarge", Discount: 0.2},
		}}
	pps := recommendOnFlatUsage(t, []tally.Commitment{held}, PoolOptions{TermMonths: 12, EC2Instance: true, Compute: true})
	for _, p := range pps {
		switch p.Offer.Kind {
		case tally.CommitComputeSP:
			if math.Abs(p.ExistingOD-8.4) > 0.01 {
				t.Errorf("%s: existing capacity %.4f/h on demand, want 8.40 (4.20/h at the 50%% its bill shows on m5.xlarge)", p.Pool, p.ExistingOD)
			}
		case tally.CommitEC2SP:
			if p.TargetOD > 1.6+0.01 || p.TargetOD < 1 {
				t.Errorf("%s: target %.4f/h, want at most the 1.60/h the held plan leaves on demand", p.Pool, p.TargetOD)
			}
		}
	}
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

// TestRecommendReplacesAnExpiringComputeSavingsPlan: a Compute Savings Plan
// covering all 10/h of m5 usage is sunk while it runs, so nothing is bought
// beside it. When it expires before the next weekly plan it is no longer
// sunk: the usage it covered goes to the EC2 Instance Savings Plan pool,
// applied first and 10 points cheaper (37% off against 27%), rather than
// to the Compute Savings Plan renewed for it. Recommend kept counting the
// expiring plan as sunk, so the pool applied first never got the usage
// back and the Compute Savings Plan was renewed over it every year.
func TestRecommendReplacesAnExpiringComputeSavingsPlan(t *testing.T) {
	now := flatStart.Add(time.Duration(60*24+1) * time.Hour) // recommendOnFlatUsage's now
	pools := PoolOptions{TermMonths: 12, EC2Instance: true, Compute: true}
	compute := func(end time.Time) []tally.Commitment {
		return []tally.Commitment{{ID: "csp", Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, PaymentOption: NoUpfront,
			Scope: map[string]string{}, Start: end.AddDate(-1, 0, 0), End: end,
			HourlyCommitment: tally.MustParseMoney("7.3", "USD"), State: "active"}} // 27% off: covers 10/h
	}
	wantNothingBought(t, recommendOnFlatUsage(t, compute(now.AddDate(0, 6, 0)), pools), "running 6 more months: ",
		"the Compute Savings Plan covers all 10/h until after the next plan")
	for _, p := range recommendOnFlatUsage(t, compute(now.Add(72*time.Hour)), pools) {
		switch p.Offer.Kind {
		case tally.CommitEC2SP:
			if p.TargetOD < 9 || p.PurchaseHourly.IsZero() {
				t.Errorf("expiring in 3 days: %s: target %.2f/h, buy %s/h, want the 10/h the Compute Savings Plan leaves",
					p.Pool, p.TargetOD, p.PurchaseHourly.Decimal())
			}
			if !slices.Equal(p.TakesOver, []string{"csp (" + tally.FormatDay(now.Add(72*time.Hour)) + ")"}) || !strings.Contains(p.Why, "csp (") {
				t.Errorf("expiring in 3 days: %s: takes over %q, why %q: want it to name the expiring Compute Savings Plan", p.Pool, p.TakesOver, p.Why)
			}
		case tally.CommitComputeSP:
			if !p.PurchaseHourly.IsZero() || p.TargetOD > 1 {
				t.Errorf("expiring in 3 days: %s: target %.2f/h, buy %s/h, want nothing: the EC2 Instance Savings Plan takes the usage",
					p.Pool, p.TargetOD, p.PurchaseHourly.Decimal())
			}
		}
	}
}

// TestRecommendSaysWhatIsHeld: a pool's plan says what is held in it as its
// own fees, beside what that is worth at the pool's offer. The 3-year plan
// of 4.20/h covers all 10/h on demand, as 6.30/h of the 1-year offer
// would; the plan and its explanation said "Hold: $6.300/h of 1-year No
// Upfront EC2 Instance Savings Plan is in force", 2.10/h more than the
// status and the bill show held, and of another term. Every amount names
// its currency, the one bought too when nothing is ("0" without one).
func TestRecommendSaysWhatIsHeld(t *testing.T) {
	held := tally.Commitment{ID: "sp-3y", Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 36, PaymentOption: NoUpfront,
		Scope: map[string]string{"region": "eu-west-1", "family": "m5"}, Start: flatStart.AddDate(0, -1, 0), End: flatStart.AddDate(3, -1, 0),
		HourlyCommitment: tally.MustParseMoney("4.2", "USD"), State: "active"}
	pps := recommendOnFlatUsage(t, []tally.Commitment{held}, PoolOptions{TermMonths: 12, EC2Instance: true})
	p := pps[0]
	if p.HeldHourly.String() != "4.2 USD" || p.PurchaseHourly.Currency() != "USD" {
		t.Errorf("%s: held %s, purchase %q; want 4.2 USD held and the purchase in USD", p.Pool, p.HeldHourly, p.PurchaseHourly)
	}
	want := "Hold: $4.200/h of EC2 Instance Savings Plans (eu-west-1, m5) is in force, covering as much on-demand usage as " +
		p.ExistingHourly.Label(3) + "/h of 1-year No Upfront EC2 Instance Savings Plan (eu-west-1, m5) would"
	if p.ExistingHourly.Label(3) == "$4.200" || !strings.Contains(p.Why, want) {
		t.Errorf("%s: explanation lacks %q:\n%s", p.Pool, want, p.Why)
	}
}
