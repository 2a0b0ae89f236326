package postgres_test

import (
	"math"
	"slices"
	"testing"
	"time"

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

// TestCommitmentPortfolioStreamDiscountsFromTheBill: a Savings Plan's
// discount differs by instance type, so the portfolio carries the one its
// bill shows on each stream of the usage it covered, keyed as
// EligibleUsage keys the streams the simulator applies it to: 30% on
// r5.xlarge in us-east-1 and 20% on c5.xlarge in eu-west-1, beside its mean
// of 25%.
func TestCommitmentPortfolioStreamDiscountsFromTheBill(t *testing.T) {
	db := pgtest.New(t)
	const sp = "arn:aws:savingsplans::111111111111:savingsplan/sp-1"
	day := mustTime(t, "2026-10-03T00:00:00Z")
	covered := func(hour, region, itype, list, effective string) tally.CostLine {
		l := testLine(t, hour, "i-"+itype+hour[11:13], list, effective)
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.ServiceCategory, l.RegionID = sp, "Savings Plan", "Compute", region
		l.Extras = map[string]string{"x_UsageType": "BoxUsage:" + itype, "x_InstanceType": itype, "x_Operation": "RunInstances",
			"x_ProductCode": "AmazonEC2"}
		return l
	}
	storeFOCUS(t, db, "111111111111", day,
		covered("2026-10-03T05:00:00Z", "us-east-1", "r5.xlarge", "1.00", "0.70"),
		covered("2026-10-03T06:00:00Z", "us-east-1", "r5.xlarge", "3.00", "2.10"),
		covered("2026-10-03T05:00:00Z", "eu-west-1", "c5.xlarge", "4.00", "3.20"))
	u, err := db.EligibleUsage(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := []tally.StreamDiscount{
		{Region: "eu-west-1", InstanceType: "c5.xlarge", Discount: 0.2},
		{Region: "us-east-1", InstanceType: "r5.xlarge", Discount: 0.3},
	}
	check := func(known string) {
		t.Helper()
		cs, err := commitments.Portfolio(ctx, db, "111111111111", mustTime(t, "2026-10-03T12:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Fatalf("%s: portfolio %+v, want the Savings Plan", known, cs)
		}
		got := cs[0].StreamDiscounts
		if math.Abs(cs[0].Discount-0.25) > 1e-9 || len(got) != len(want) {
			t.Fatalf("%s: discount %v, per stream %+v; want 0.25 and %+v", known, cs[0].Discount, got, want)
		}
		for i, w := range want {
			g := got[i]
			if g.Region != w.Region || g.InstanceType != w.InstanceType || g.Platform != w.Platform || math.Abs(g.Discount-w.Discount) > 1e-9 {
				t.Errorf("%s: stream %d: %+v, want %+v", known, i, g, w)
			}
			s := commitments.Stream{Provider: "aws", Region: g.Region, InstanceType: g.InstanceType, Platform: g.Platform}
			if !slices.Contains(u.Streams, s) {
				t.Errorf("%s: stream %d: %v is none of the eligible usage's streams %v", known, i, s, u.Streams)
			}
		}
	}
	check("known from the bill alone")
	if err := db.UpsertCommitments(ctx, []tally.Commitment{{BillingAccountID: "111111111111", ID: sp, Provider: "aws",
		Kind: tally.CommitComputeSP, Scope: map[string]string{}, TermMonths: 12, Start: mustTime(t, "2026-01-01T00:00:00Z"),
		End: mustTime(t, "2027-01-01T00:00:00Z"), PaymentOption: commitments.NoUpfront, HourlyCommitment: tally.MustParseMoney("6", "USD"),
		State: "active", Source: "aws-api"}}); err != nil {
		t.Fatal(err)
	}
	check("synced from the API")
}
