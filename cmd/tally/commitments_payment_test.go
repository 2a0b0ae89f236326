package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestSyncBillingPaymentFromFOCUSPurchaseLines: a FOCUS file from AWS names
// a Savings Plan's payment option nowhere, but its recurring fee lines
// (ChargeCategory Purchase, ChargeFrequency Recurring) bill $0.47 of the
// $1/h its usage and unused lines amortize. `commitments sync billing`
// stores it as Partial Upfront, with that recurring fee and the rest of a
// year's commitment as its upfront fee, and says it inferred that; status
// shows it so.
func TestSyncBillingPaymentFromFOCUSPurchaseLines(t *testing.T) {
	url := pgtest.NewURL(t, true)
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	path := writeFOCUSPartialUpfront(t, start)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "focus", path)

	out := tly("commitments", "sync", "billing", "--provider", "aws")
	for _, want := range []string{"Partial Upfront", partialSP + ": ", "Partial Upfront from its fees: a recurring fee of 0.47 USD/h, 47% of its 1 USD/h commitment"} {
		if !strings.Contains(out, want) {
			t.Errorf("sync billing does not say %q:\n%s", want, out)
		}
	}
	var st struct {
		Inventory []struct {
			ID                 string      `json:"id"`
			PaymentOption      string      `json:"paymentOption"`
			HourlyCommitment   tally.Money `json:"hourlyCommitment"`
			UpfrontFee         tally.Money `json:"upfrontFee"`
			RecurringHourlyFee tally.Money `json:"recurringHourlyFee"`
		} `json:"inventory"`
	}
	js := tly("commitments", "status", "--window", "7d", "--format", "json")
	if err := json.Unmarshal([]byte(js), &st); err != nil || len(st.Inventory) != 1 {
		t.Fatalf("status: %v\n%s", err, js)
	}
	// 1 USD/h, 0.47 of it recurring: 0.53 × 8,760 h upfront.
	if c := st.Inventory[0]; c.PaymentOption != "Partial Upfront" || c.HourlyCommitment.Decimal() != "1" ||
		c.RecurringHourlyFee.Decimal() != "0.47" || c.UpfrontFee.Decimal() != "4642.8" {
		t.Errorf("status inventory: %+v; want Partial Upfront, 1/h, 0.47/h recurring, 4642.8 upfront", c)
	}
}

// partialSP is the Savings Plan of writeFOCUSPartialUpfront's file.
const partialSP = "arn:aws:savingsplans::777777777777:savingsplan/partial"

// writeFOCUSPartialUpfront writes a FOCUS file from AWS of 48 hours from
// start of a Savings Plan (partialSP) that it names no payment option or
// term of: $1/h, $0.9 of it used and $0.1 unused, and a recurring fee
// line of $0.47 an hour.
func writeFOCUSPartialUpfront(t *testing.T, start time.Time) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`"BilledCost","BillingAccountId","BillingAccountName","BillingCurrency","BillingPeriodEnd","BillingPeriodStart","ChargeCategory","ChargeClass","ChargeDescription","ChargeFrequency","ChargePeriodEnd","ChargePeriodStart","CommitmentDiscountCategory","CommitmentDiscountId","CommitmentDiscountName","CommitmentDiscountStatus","CommitmentDiscountType","EffectiveCost","ListCost","ContractedCost","PricingCategory","ProviderName","RegionId","ResourceId","ServiceCategory","ServiceName","x_InstanceType"` + "\n")
	line := func(s time.Time, billed, category, description, frequency, status, effective, list, itype string) {
		month := tally.MonthStart(s)
		fmt.Fprintf(&b, "%s,\"777777777777\",\"acct\",\"USD\",%q,%q,%q,,%q,%q,%q,%q,\"Spend\",%q,,%q,\"Savings Plan\",%s,%s,%s,\"Committed\",\"AWS\",\"us-east-1\",\"i-1\",\"Compute\",\"Amazon Elastic Compute Cloud\",%q\n",
			billed, month.AddDate(0, 1, 0).Format(time.DateTime), month.Format(time.DateTime), category, description, frequency,
			s.Add(time.Hour).Format(time.DateTime), s.Format(time.DateTime), partialSP, status, effective, list, list, itype)
	}
	for h := range 48 {
		s := start.Add(time.Duration(h) * time.Hour)
		line(s, "0", "Usage", "m5.xlarge covered by a Savings Plan", "Usage-Based", "Used", "0.9", "1.25", "m5.xlarge")
		line(s, "0", "Usage", "Savings Plan unused commitment", "Usage-Based", "Unused", "0.1", "0", "")
		line(s, "0.47", "Purchase", "Savings Plan recurring fee", "Recurring", "", "0", "0", "")
	}
	path := filepath.Join(t.TempDir(), "focus.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
