package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestBillingCommitmentsPaymentFromPurchaseLines: a FOCUS file's purchase
// lines of a commitment (ChargeCategory Purchase, no status) carry its
// recurring fee (ChargeFrequency Recurring) and its upfront fee (One-Time).
// BillingCommitments sums them, without counting them among the hours the
// commitment charged for, so the inventory reads No, Partial and All
// Upfront Savings Plans from a bill that names none.
func TestBillingCommitmentsPaymentFromPurchaseLines(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-05T00:00:00Z")
	const arn = "arn:aws:savingsplans::111111111111:savingsplan/"
	sp := func(l tally.CostLine, id string) tally.CostLine {
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = arn+id, "Savings Plan", "Spend"
		return l
	}
	purchase := func(at, id, billed, frequency string) tally.CostLine {
		l := sp(testLine(t, at, "", billed, "0"), id)
		l.ChargeCategory, l.ChargeFrequency, l.CommitmentDiscountStatus = tally.ChargePurchase, frequency, ""
		l.ChargeDescription, l.ListCost, l.ContractedCost, l.Extras = "Savings Plan fee", tally.Zero("USD"), tally.Zero("USD"), nil
		return l
	}
	var lines []tally.CostLine
	// Each commits $1/h, amortized as $0.90 used and $0.10 unused an hour.
	recurring := map[string]string{"no": "1", "partial": "0.47", "all": "0"}
	for h := range 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		for _, id := range []string{"no", "partial", "all"} {
			used := sp(onDemandEC2(t, at, "us-east-1", "m5.large", "1.25"), id)
			used.CommitmentDiscountStatus, used.EffectiveCost, used.BilledCost = tally.CommitmentUsed, tally.MustParseMoney("0.9", "USD"), tally.Zero("USD")
			unused := sp(testLine(t, at, "", "0", "0.1"), id)
			unused.CommitmentDiscountStatus, unused.ListCost, unused.ContractedCost, unused.Extras = tally.CommitmentUnused, tally.Zero("USD"), tally.Zero("USD"), nil
			lines = append(lines, used, unused, purchase(at, id, recurring[id], "Recurring"))
		}
	}
	// The All Upfront one's upfront fee, a year's commitment, on its first
	// hour, billed over the month.
	upfront := purchase(day.Format(time.RFC3339), "all", "8760", "One-Time")
	upfront.ChargePeriodEnd = tally.MonthStart(day).AddDate(0, 1, 0)
	storeFOCUS(t, db, "111111111111", day, append(lines, upfront)...)

	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		recurring, upfront string
		payment            string
	}{"no": {"24", "0", commitments.NoUpfront}, "partial": {"11.28", "0", commitments.PartialUpfront}, "all": {"0", "8760", commitments.AllUpfront}}
	if len(bcs) != len(want) {
		t.Fatalf("%d billing commitments, want %d", len(bcs), len(want))
	}
	cs := commitments.InventoryFromBilling(bcs, day.Add(24*time.Hour))
	for i, b := range bcs {
		id := b.ID[len(arn):]
		w := want[id]
		if b.Hours != 24 || !b.First.Equal(day) || !b.Last.Equal(day.Add(24*time.Hour)) {
			t.Errorf("%s: %d hours from %s to %s; want 24 of that day: purchase lines are not charged hours", id, b.Hours, b.First, b.Last)
		}
		if b.Recurring.Decimal() != w.recurring || b.RecurringHours != 24 || b.Upfront.Decimal() != w.upfront {
			t.Errorf("%s: recurring %s over %d hours, upfront %s; want %s over 24, %s", id, b.Recurring, b.RecurringHours, b.Upfront, w.recurring, w.upfront)
		}
		if c := cs[i]; c.PaymentOption != w.payment || c.HourlyCommitment.Decimal() != "1" {
			t.Errorf("%s: %s at %s/h; want %s at 1 USD/h", id, c.PaymentOption, c.HourlyCommitment, w.payment)
		}
	}
}
