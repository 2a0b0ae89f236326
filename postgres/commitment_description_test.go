package postgres_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestCommitmentStreamsFromAWSDescriptions: a FOCUS file from AWS has no
// operation or instance type column; its EC2 lines, covered or not, are
// described as AWS prices them ("$0.376 per On Demand Windows m5.xlarge
// Instance Hour"). Their streams are the instance type and platform the
// description names, so that the reservations and EC2 Instance Savings
// Plans of that family apply to them, a Savings Plan found in the bill has
// the instance type it covered, and the bill's on-demand price of a
// platform the catalog lacks is known. Words the platforms table does not
// list are a platform of their own.
func TestCommitmentStreamsFromAWSDescriptions(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	const sp = "arn:aws:savingsplans::111111111111:savingsplan/focus"
	focus := func(hour, resource, desc, od string) tally.CostLine {
		l := testLine(t, hour, resource, od, od)
		l.CommitmentDiscountStatus, l.ServiceCategory, l.ChargeDescription, l.Extras = "", "Compute", desc, nil
		return l
	}
	covered := focus("2026-10-03T05:00:00Z", "i-2", "$0.192 per On Demand Linux m5.xlarge Instance Hour", "0.192")
	covered.EffectiveCost = tally.MustParseMoney("0.144", "USD")
	covered.CommitmentDiscountID, covered.CommitmentDiscountType, covered.CommitmentDiscountCategory = sp, "Savings Plan", "Spend"
	covered.CommitmentDiscountStatus = tally.CommitmentUsed
	storeFOCUS(t, db, "111111111111", day,
		focus("2026-10-03T05:00:00Z", "i-1", "$0.376 per On Demand Windows m5.xlarge Instance Hour", "0.376"),
		focus("2026-10-03T05:00:00Z", "i-3", "$0.252 per On Demand RHEL m7i-flex.large Instance Hour", "0.252"),
		focus("2026-10-03T05:00:00Z", "i-4", "$0.5 per On Demand Plan 9 c5.large Instance Hour", "0.5"),
		covered)

	u, err := db.EligibleUsage(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[commitments.Stream]float64{}
	for i, s := range u.Streams {
		got[s] = u.OD[i][5].Float()
	}
	stream := func(itype, platform string) commitments.Stream {
		return commitments.Stream{Provider: "aws", Region: "us-east-1", InstanceType: itype, Platform: platform}
	}
	for s, want := range map[commitments.Stream]float64{
		stream("m5.xlarge", "Windows"): 0.376, stream("m5.xlarge", ""): 0.192,
		stream("m7i-flex.large", "Red Hat Enterprise Linux"): 0.252, stream("c5.large", "Plan 9"): 0.5,
	} {
		if math.Abs(got[s]-want) > 1e-9 {
			t.Errorf("stream %v: %.4f on demand at 05:00, want %.4f (streams %v)", s, got[s], want, u.Streams)
		}
	}

	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(bcs) != 1 || bcs[0].InstanceType != "m5.xlarge" || bcs[0].Platform != "" {
		t.Errorf("billing commitments %+v, want the Savings Plan covering m5.xlarge Linux/UNIX", bcs)
	}

	prices, err := db.BilledOnDemandPrices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var windows float64
	for _, p := range prices {
		if p.Stream == stream("m5.xlarge", "Windows") {
			windows = p.Hourly
		}
	}
	if math.Abs(windows-0.376) > 1e-9 {
		t.Errorf("billed on-demand prices %+v, want m5.xlarge Windows at 0.376/h", prices)
	}
}

// TestPortfolioInfersWhatAFOCUSFileLeavesUnsaid: a FOCUS file from AWS
// names neither a Savings Plan's type nor its term. One whose covered
// m5.xlarge usage shows 38.5% off, the catalog's rate of a 1-year EC2
// Instance Savings Plan on it, is in the portfolio as that, scoped to
// the m5 family in us-east-1, and says it was inferred, stored or not; a
// Compute Savings Plan would be taken to cover every family.
func TestPortfolioInfersWhatAFOCUSFileLeavesUnsaid(t *testing.T) {
	db := pgtest.New(t)
	price := func(opt, usd string) tally.InstancePrice { return m5xlargePrice(t, opt, usd) }
	if err := db.UpsertPrices(ctx, []tally.InstancePrice{price("on-demand", "0.192"),
		price("savings-plan-compute-1y-no-upfront", "0.137088"), price("savings-plan-ec2-instance-1y-no-upfront", "0.11808"),
		price("savings-plan-compute-3y-no-upfront", "0.09408"), price("savings-plan-ec2-instance-3y-no-upfront", "0.081024")}); err != nil {
		t.Fatal(err)
	}
	const sp = "arn:aws:savingsplans::111111111111:savingsplan/focus"
	covered := func(hour string) tally.CostLine {
		l := testLine(t, hour, "i-"+hour[11:13], "0.192", "0.11808")
		l.ServiceCategory, l.ChargeDescription, l.Extras = "Compute", "$0.192 per On Demand Linux m5.xlarge Instance Hour", nil
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = sp, "Savings Plan", "Spend"
		return l
	}
	storeFOCUS(t, db, "111111111111", mustTime(t, "2026-10-03T00:00:00Z"),
		covered("2026-10-03T05:00:00Z"), covered("2026-10-03T06:00:00Z"))

	cs, err := commitments.Portfolio(ctx, db, "111111111111", mustTime(t, "2026-10-03T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 {
		t.Fatalf("portfolio %+v, want the Savings Plan", cs)
	}
	c := cs[0]
	if c.Kind != tally.CommitEC2SP || c.TermMonths != 12 || c.Scope["family"] != "m5" || c.Scope["region"] != "us-east-1" {
		t.Errorf("%s %d months %v, want an EC2 Instance Savings Plan of 12 months on m5 in us-east-1", c.Kind, c.TermMonths, c.Scope)
	}
	if want := "type and term from the discount its usage shows (38.5%)"; !strings.Contains(c.Inferred, want) ||
		!strings.Contains(c.Inferred, "the price catalog's") {
		t.Errorf("inferred %q, want it to say %q at the price catalog's rates", c.Inferred, want)
	}

	// 'commitments sync billing' stores it as inferred.
	if err := db.UpsertCommitments(ctx, cs); err != nil {
		t.Fatal(err)
	}
	stored, err := db.Commitments(ctx, "111111111111", tally.Window{Start: c.Start, End: c.End})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].Inferred != c.Inferred {
		t.Errorf("stored %+v, want it inferred as %q", stored, c.Inferred)
	}
}
