package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestBillingCommitmentsOfferingColumns: the bill's own columns for a
// commitment's type, term and payment option (a CUR's savings_plan_* ones
// on a Savings Plan's lines, the pricing_* ones on a reservation's) reach
// BillingCommitments from the lines' extras, and so does the term's start
// and end (savings_plan_start_time, reservation_end_time, …), which the
// bill's first charge only bounds: a bill of a day said a 3-year plan
// bought two years ago started that day.
func TestBillingCommitmentsOfferingColumns(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-05T00:00:00Z")
	const sp, ri = "arn:aws:savingsplans::111111111111:savingsplan/ec2-1", "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1"
	var lines []tally.CostLine
	for h := range 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		spUsed := onDemandEC2(t, at, "us-east-1", "m5.large", "0.096")
		spUsed.CommitmentDiscountID, spUsed.CommitmentDiscountType, spUsed.CommitmentDiscountCategory = sp, "Savings Plan", "Spend"
		spUsed.CommitmentDiscountStatus, spUsed.EffectiveCost = tally.CommitmentUsed, tally.MustParseMoney("0.06", "USD")
		spUsed.Extras["x_LineItemType"] = "SavingsPlanCoveredUsage"
		spFee := testLine(t, at, "", "0.06", "0")
		spFee.ChargeCategory, spFee.ChargeDescription, spFee.CommitmentDiscountStatus = tally.ChargePurchase, "Savings Plan fee", tally.CommitmentUnused
		spFee.CommitmentDiscountID, spFee.CommitmentDiscountType, spFee.CommitmentDiscountCategory = sp, "Savings Plan", "Spend"
		spFee.Extras = map[string]string{"x_LineItemType": "SavingsPlanRecurringFee", "x_SavingsPlanOfferingType": "EC2InstanceSavingsPlans",
			"x_SavingsPlanPurchaseTerm": "3yr", "x_SavingsPlanPaymentOption": "Partial Upfront",
			"x_SavingsPlanStartTime": "2024-10-20T08:00:00.000Z", "x_SavingsPlanEndTime": "2027-10-20T08:00:00.000Z"}
		riUsed := onDemandEC2(t, at, "us-east-1", "c5.large", "0.085")
		riUsed.CommitmentDiscountID, riUsed.CommitmentDiscountType, riUsed.CommitmentDiscountCategory = ri, "Reserved Instance", "Usage"
		riUsed.CommitmentDiscountStatus, riUsed.EffectiveCost = tally.CommitmentUsed, tally.MustParseMoney("0.05", "USD")
		riUsed.Extras["x_LineItemType"] = "DiscountedUsage"
		riUsed.Extras["x_LeaseContractLength"], riUsed.Extras["x_PurchaseOption"] = "3yr", "All Upfront"
		riUsed.Extras["x_ReservationStartTime"], riUsed.Extras["x_ReservationEndTime"] = "2025-01-01T00:00:00Z", "2028-01-01T00:00:00Z"
		lines = append(lines, spUsed, spFee, riUsed)
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]string{sp: {"EC2InstanceSavingsPlans", "3yr", "Partial Upfront"}, ri: {"", "3yr", "All Upfront"}}
	terms := map[string]string{sp: "2024-10-20T08:00:00Z,2027-10-20T08:00:00Z", ri: "2025-01-01T00:00:00Z,2028-01-01T00:00:00Z"}
	for _, b := range bcs {
		if got := [3]string{b.OfferingType, b.PurchaseTerm, b.PaymentOption}; got != want[b.ID] {
			t.Errorf("%s: offering type, term, payment %q; want %q", b.ID, got, want[b.ID])
		}
		if got := b.TermStart.Format(time.RFC3339) + "," + b.TermEnd.Format(time.RFC3339); got != terms[b.ID] {
			t.Errorf("%s: term %s, want %s", b.ID, got, terms[b.ID])
		}
		delete(want, b.ID)
	}
	for id := range want {
		t.Errorf("%s: not in the billing commitments", id)
	}
}
