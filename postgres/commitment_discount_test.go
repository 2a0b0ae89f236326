package postgres_test

import (
	"math"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestCommitmentPortfolioDiscountFromTheBill: each commitment of the
// portfolio carries the discount its covered usage shows in the bill
// (1 − Σ effective ÷ Σ list cost of its Used lines), whether the providers'
// APIs or the bill alone know it; one the bill does not show covering
// anything has none. The recommender counts a held commitment's capacity
// at that discount rather than at the default rate of its offer, which can
// be far off (a 3-year All Upfront reservation: 64% by the default table,
// 56% on this bill).
func TestCommitmentPortfolioDiscountFromTheBill(t *testing.T) {
	db := pgtest.New(t)
	const (
		sp   = "arn:aws:savingsplans::111111111111:savingsplan/sp-1"
		ri   = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1"
		idle = "arn:aws:savingsplans::111111111111:savingsplan/sp-idle"
	)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	stored := func(id string) tally.Commitment {
		return tally.Commitment{BillingAccountID: "111111111111", ID: id, Provider: "aws", Kind: tally.CommitComputeSP,
			Scope: map[string]string{}, TermMonths: 12, Start: mustTime(t, "2026-01-01T00:00:00Z"), End: mustTime(t, "2027-01-01T00:00:00Z"),
			PaymentOption: commitments.NoUpfront, HourlyCommitment: tally.MustParseMoney("0.7", "USD"), State: "active", Source: "aws-api"}
	}
	if err := db.UpsertCommitments(ctx, []tally.Commitment{stored(sp), stored(idle)}); err != nil {
		t.Fatal(err)
	}
	covered := func(hour, id, typ, list, effective string) tally.CostLine {
		l := testLine(t, hour, "i-"+hour[11:13], list, effective)
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.ServiceCategory = id, typ, "Compute"
		l.Extras = map[string]string{"x_UsageType": "USE1-BoxUsage:r5.xlarge", "x_InstanceType": "r5.xlarge", "x_Operation": "RunInstances",
			"x_ProductCode": "AmazonEC2"}
		return l
	}
	storeFOCUS(t, db, "111111111111", day,
		covered("2026-10-03T05:00:00Z", sp, "Savings Plan", "1.00", "0.70"), covered("2026-10-03T06:00:00Z", sp, "Savings Plan", "3.00", "2.10"),
		covered("2026-10-03T05:00:00Z", ri, "Reserved Instance", "0.252", "0.11088"),
		covered("2026-10-03T06:00:00Z", ri, "Reserved Instance", "0.252", "0.11088"))
	cs, err := commitments.Portfolio(ctx, db, "111111111111", mustTime(t, "2026-10-03T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, c := range cs {
		got[c.ID] = c.Discount
	}
	for id, want := range map[string]float64{sp: 0.30, ri: 0.56, idle: 0} {
		if d, ok := got[id]; !ok || math.Abs(d-want) > 1e-9 {
			t.Errorf("%s: discount %v (in the portfolio: %v), want %v", id, d, ok, want)
		}
	}
}
