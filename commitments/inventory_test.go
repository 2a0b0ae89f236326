package commitments

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestInventoryFromBillingFees: the bill shows a commitment's amortized
// hourly cost; its fees follow from the payment option where that fixes
// them, and stay unset where the bill cannot tell (Partial Upfront).
func TestInventoryFromBillingFees(t *testing.T) {
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	last := first.Add(100 * time.Hour)
	bill := func(id, name string) BillingCommitment {
		return BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderAWS, ID: id, Type: "Savings Plan", Name: name,
			First: first, Last: last, Hours: 100, Currency: "USD",
			Used: tally.MustParseMoney("150", "USD"), Unused: tally.MustParseMoney("50", "USD"), Fees: tally.Zero("USD")}
	}
	cs := InventoryFromBilling([]BillingCommitment{
		bill("no", "1yr No Upfront Compute Savings Plan"),
		bill("all", "1yr All Upfront Compute Savings Plan"),
		bill("partial", "3yr Partial Upfront Compute Savings Plan"),
	}, last)
	if len(cs) != 3 {
		t.Fatalf("%d commitments", len(cs))
	}
	for _, tc := range []struct{ upfront, recurring string }{
		{"0 USD", "2 USD"},
		{"17520 USD", "0 USD"}, // $2/h × 8,760 h
		{"0 ", "0 "},
	} {
		c := cs[0]
		cs = cs[1:]
		if c.HourlyCommitment.String() != "2 USD" {
			t.Errorf("%s: hourly commitment %s, want 2 USD", c.ID, c.HourlyCommitment)
		}
		if got := c.UpfrontFee.Decimal() + " " + string(c.UpfrontFee.Currency()); got != tc.upfront {
			t.Errorf("%s: upfront fee %q, want %q", c.ID, got, tc.upfront)
		}
		if got := c.RecurringHourlyFee.Decimal() + " " + string(c.RecurringHourlyFee.Currency()); got != tc.recurring {
			t.Errorf("%s: recurring hourly fee %q, want %q", c.ID, got, tc.recurring)
		}
	}
}
