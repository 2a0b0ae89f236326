package commitments

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestInventoryFromBillingPaymentFromFees: a FOCUS file names neither a
// commitment's payment option nor says it in its name, but its purchase
// lines show it: a recurring fee of the whole hourly commitment is No
// Upfront, of part of it Partial Upfront (whose fees the split then
// fixes), of nothing, or an upfront fee without recurring ones, All
// Upfront. A bill that says the option is taken at its word; one without
// purchase lines leaves it No Upfront, uninferred.
func TestInventoryFromBillingPaymentFromFees(t *testing.T) {
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	last := first.Add(100 * time.Hour)
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	// $2/h amortized over 100 hours: 150 used, 50 unused.
	bill := func(id, payment, recurring string, recurringHours int64, upfront string) BillingCommitment {
		return BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderAWS, ID: id, Type: "Savings Plan",
			Name: "Compute Savings Plan", PaymentOption: payment, First: first, Last: last, Hours: 100, Currency: "USD",
			Used: usd("150"), Unused: usd("50"), Fees: tally.Zero("USD"),
			Recurring: usd(recurring), RecurringHours: recurringHours, Upfront: usd(upfront)}
	}
	for _, tc := range []struct {
		b                           BillingCommitment
		payment, upfront, recurring string
		inferred                    string // a part of what Inferred says; "" for nothing inferred
	}{
		{bill("no", "", "200", 100, "0"), NoUpfront, "0 USD", "2 USD", "No Upfront from its fees: a recurring fee of 2 USD/h, 100% of"},
		{bill("partial", "", "96", 100, "0"), PartialUpfront, "9110.4 USD", "0.96 USD", "Partial Upfront from its fees: a recurring fee of 0.96 USD/h, 48% of"},
		{bill("all", "", "0", 100, "0"), AllUpfront, "17520 USD", "0 USD", "All Upfront from its fees: a recurring fee of 0 USD/h, 0% of"},
		{bill("upfront-line", "", "0", 0, "17520"), AllUpfront, "17520 USD", "0 USD", "All Upfront from its fees: an upfront fee of 17520 USD and no recurring fee"},
		{bill("said", "Partial Upfront", "96", 100, "0"), PartialUpfront, "9110.4 USD", "0.96 USD", ""},
		{bill("no-purchase-lines", "", "0", 0, "0"), NoUpfront, "0 USD", "2 USD", ""},
	} {
		cs := InventoryFromBilling([]BillingCommitment{tc.b}, last)
		if len(cs) != 1 {
			t.Fatalf("%s: %d commitments", tc.b.ID, len(cs))
		}
		c := cs[0]
		if c.PaymentOption != tc.payment {
			t.Errorf("%s: payment option %q, want %q", c.ID, c.PaymentOption, tc.payment)
		}
		if got := c.UpfrontFee.Decimal() + " " + string(c.UpfrontFee.Currency()); got != tc.upfront {
			t.Errorf("%s: upfront fee %q, want %q", c.ID, got, tc.upfront)
		}
		if got := c.RecurringHourlyFee.Decimal() + " " + string(c.RecurringHourlyFee.Currency()); got != tc.recurring {
			t.Errorf("%s: recurring hourly fee %q, want %q", c.ID, got, tc.recurring)
		}
		if tc.inferred == "" && c.Inferred != "" || !strings.Contains(c.Inferred, tc.inferred) {
			t.Errorf("%s: inferred %q, want it to say %q", c.ID, c.Inferred, tc.inferred)
		}
	}
}

// TestInventoryFromBillingPaymentKeepsIdentified: what IdentifyOffers
// inferred of a commitment stays said when its payment option is inferred
// too.
func TestInventoryFromBillingPaymentKeepsIdentified(t *testing.T) {
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	b := BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderAWS, ID: "sp", Type: "Savings Plan",
		First: first, Last: first.Add(10 * time.Hour), Hours: 10, Currency: "USD",
		Used: tally.MustParseMoney("10", "USD"), Unused: tally.Zero("USD"), Fees: tally.Zero("USD"),
		Recurring: tally.MustParseMoney("10", "USD"), RecurringHours: 10, Upfront: tally.Zero("USD"),
		Inferred: "type and term from the discount its usage shows"}
	cs := InventoryFromBilling([]BillingCommitment{b}, b.Last)
	if len(cs) != 1 {
		t.Fatalf("%d commitments", len(cs))
	}
	if got := cs[0].Inferred; !strings.HasPrefix(got, b.Inferred+"; No Upfront from its fees") {
		t.Errorf("inferred %q", got)
	}
}
