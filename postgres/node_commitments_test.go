package postgres_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// NodeBill sums the last day of the nodes' eligible usage per covering
// commitment (a Savings Plan's negation lines and spot usage left out);
// UncoveredUsage is the on-demand usage no commitment covers elsewhere,
// per hour, of one family or any.
func TestNodeBillAndUncoveredUsage(t *testing.T) {
	db := pgtest.New(t)
	until := mustTime(t, "2026-10-08T00:00:00Z")
	var lines []tally.CostLine
	line := func(at time.Time, resource, typ, list, effective string) *tally.CostLine {
		l := testLine(t, at.Format(time.RFC3339), resource, list, effective)
		l.CommitmentDiscountStatus, l.ServiceCategory, l.PricingCategory = "", "Compute", "Standard"
		l.Extras = map[string]string{"x_InstanceType": typ, "x_UsageType": "BoxUsage:" + typ}
		lines = append(lines, l)
		return &lines[len(lines)-1]
	}
	for _, at := range []time.Time{until.Add(-2 * time.Hour), until.Add(-time.Hour)} {
		sp := line(at, "i-a", "m5.xlarge", "0.384", "0.2")
		sp.CommitmentDiscountID, sp.CommitmentDiscountType, sp.CommitmentDiscountStatus = "sp1", "Savings Plan", tally.CommitmentUsed
		neg := line(at, "i-a", "m5.xlarge", "0", "0")
		neg.BilledCost, neg.CommitmentDiscountID, neg.Extras["x_LineItemType"] = tally.MustParseMoney("-0.384", "USD"), "sp1", "SavingsPlanNegation"
		line(at, "i-b", "m5.large", "0.096", "0.096")
		line(at, "i-c", "m5.large", "0.096", "0.03").PricingCategory = "Dynamic"
		line(at, "i-d", "c5.large", "0.085", "0.085")
	}
	line(until.Add(-72*time.Hour), "i-a", "m5.xlarge", "0.384", "0.384") // before the last day of the bill
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriods(ctx, "aws-cur", run, seq(lines)); err != nil {
		t.Fatal(err)
	}
	bill, span, err := db.NodeBill(ctx, []string{"i-a", "i-b", "i-c"}, until.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if span.Start != until.Add(-24*time.Hour) || span.End != until {
		t.Errorf("span %s, want the day before %s", span, until)
	}
	var got []string
	for _, l := range bill {
		got = append(got, l.ResourceID+"/"+l.CommitmentID+"/"+l.ListCost.Decimal()+"/"+l.EffectiveCost.Decimal())
	}
	if want := []string{"i-a/sp1/0.768/0.4", "i-b//0.192/0.192"}; !slices.Equal(got, want) {
		t.Errorf("node bill %v, want %v", got, want)
	}
	for _, tt := range []struct {
		family, typ string
		exclude     []string
		want        string
	}{
		{"m5", "", []string{"i-a"}, "0.008"},        // i-b's 0.192 over 24 hours
		{"", "", []string{"i-a"}, "0.015083333333"}, // and i-d's 0.17
		{"m5", "", []string{"i-a", "i-b"}, "0"},     // spot is not eligible
		{"c5", "", nil, "0.007083333333"},           // i-d
		{"", "m5.large", nil, "0.008"},              // i-b
		{"", "m5.xlarge", nil, "0"},                 // i-a is covered
	} {
		got, err := db.UncoveredUsage(ctx, postgres.UsageScope{Account: "111111111111", Provider: tally.ProviderAWS, Region: "us-east-1",
			Family: tt.family, InstanceType: tt.typ}, tt.exclude, span)
		if err != nil {
			t.Fatal(err)
		}
		if got.Decimal() != tt.want {
			t.Errorf("uncovered usage of family %q type %q without %v: %s, want %s", tt.family, tt.typ, tt.exclude, got.Decimal(), tt.want)
		}
	}
}

// NodeBillOver gives each instance's line per covering commitment the
// hours it charges, first to last, and the instance's list cost in them,
// which say when and how much of the instance the commitment covered: a
// Reserved Instance that covered i-a in the first 2 of its 6 hours all of
// it then (not a third of it over all 6), a Savings Plan that covered half
// of i-b in each of its 3 hours half of it.
func TestNodeBillOverHoursCharged(t *testing.T) {
	db := pgtest.New(t)
	from := mustTime(t, "2026-10-05T00:00:00Z")
	var lines []tally.CostLine
	line := func(h int, resource, list, effective, commitment, typ string) {
		l := testLine(t, from.Add(time.Duration(h)*time.Hour).Format(time.RFC3339), resource, list, effective)
		l.CommitmentDiscountStatus, l.ServiceCategory, l.PricingCategory = "", "Compute", "Standard"
		l.Extras = map[string]string{"x_InstanceType": "m5.xlarge", "x_UsageType": "BoxUsage:m5.xlarge"}
		if commitment != "" {
			l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountStatus = commitment, typ, tally.CommitmentUsed
		}
		lines = append(lines, l)
	}
	for h := range 6 {
		if h < 2 {
			line(h, "i-a", "0.192", "0.121", "ri1", "Reserved Instance")
		} else {
			line(h, "i-a", "0.192", "0.192", "", "")
		}
	}
	for h := 3; h < 6; h++ {
		line(h, "i-b", "0.096", "0.05", "sp1", "Savings Plan")
		line(h, "i-b", "0.096", "0.096", "", "")
	}
	line(7, "i-a", "0.192", "0.192", "", "") // after the span
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriods(ctx, "aws-cur", run, seq(lines)); err != nil {
		t.Fatal(err)
	}
	bill, err := db.NodeBillOver(ctx, []string{"i-a", "i-b"}, tally.Window{Start: from, End: from.Add(6 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range bill {
		got = append(got, fmt.Sprintf("%s/%s/%s/%s/%s-%s/%s", l.ResourceID, l.CommitmentID, l.ListCost.Decimal(), l.EffectiveCost.Decimal(),
			l.Charged.Start.Format("15"), l.Charged.End.Format("15"), l.InstanceListCost.Decimal()))
	}
	if want := []string{
		"i-a//0.768/0.768/02-06/0.768",
		"i-a/ri1/0.384/0.242/00-02/0.384",
		"i-b//0.288/0.288/03-06/0.576",
		"i-b/sp1/0.288/0.15/03-06/0.576",
	}; !slices.Equal(got, want) {
		t.Errorf("node bill over the span %v, want %v", got, want)
	}
}
