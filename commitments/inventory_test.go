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

// TestInventoryFromBillingTerm: a term is 8,760 hours a year, leap year or
// not; a commitment still charged is in force until after its last charge,
// whatever its name says about the term.
func TestInventoryFromBillingTerm(t *testing.T) {
	leap := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	usd := tally.MustParseMoney("1", "USD")
	for _, tc := range []struct {
		name        string
		first, last time.Time
		end         time.Time // of the bill
		months      int
		start       time.Time
		state       string
	}{
		// A year from 2024-01-01 is 8,784 calendar hours; AWS terms are 8,760.
		{"1yr Compute Savings Plan", leap, leap.Add(744 * time.Hour), leap.Add(744 * time.Hour), 12, leap, "active"},
		// Charged for 13 months under one id: not a 1-year commitment.
		{"Compute Savings Plan", leap, leap.Add(9500 * time.Hour), leap.Add(9500 * time.Hour), 36, leap, "active"},
		// Says 1 year, charged for 13 months: renewed; this term began a year in.
		{"Commitment v1: Cpu in Americas for 1 Year", leap, leap.Add(9500 * time.Hour), leap.Add(9500 * time.Hour), 12, leap.Add(8760 * time.Hour), "active"},
		// Charged for 13 months, but not lately: it ended with its charges.
		{"Compute Savings Plan", leap, leap.Add(9500 * time.Hour), leap.Add(9600 * time.Hour), 36, leap, "expired"},
	} {
		b := BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderAWS, ID: "sp", Type: "Savings Plan", Name: tc.name,
			First: tc.first, Last: tc.last, Hours: int64(tc.last.Sub(tc.first) / time.Hour), Currency: "USD", Used: usd, Fees: tally.Zero("USD")}
		cs := InventoryFromBilling([]BillingCommitment{b}, tc.end)
		if len(cs) != 1 {
			t.Fatalf("%s: %d commitments", tc.name, len(cs))
		}
		c := cs[0]
		if c.TermMonths != tc.months || !c.Start.Equal(tc.start) || c.State != tc.state {
			t.Errorf("%s (%s): %d months from %s, %s; want %d months from %s, %s",
				tc.name, tc.state, c.TermMonths, c.Start, c.State, tc.months, tc.start, tc.state)
		}
		if c.State == "active" && (c.End.Sub(c.Start) != time.Duration(TermHours(c.TermMonths))*time.Hour || !c.End.After(tc.last)) {
			t.Errorf("%s: in force %s to %s, want a whole term past the last charge %s", tc.name, c.Start, c.End, tc.last)
		}
		if c.State == "expired" && !c.End.Equal(tc.last) {
			t.Errorf("%s: expired at %s, want at its last charge %s", tc.name, c.End, tc.last)
		}
	}
}

// TestInventoryFromBillingOfferingColumns: where the bill has them (a
// CUR's savings_plan_offering_type, savings_plan_purchase_term and
// savings_plan_payment_option; a reservation's pricing_lease_contract_length
// and pricing_purchase_option), a commitment's type, term and payment option
// are read from them, not from a description that need not name them.
func TestInventoryFromBillingOfferingColumns(t *testing.T) {
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	last := first.Add(100 * time.Hour)
	bill := func(id, typ, offering, term, payment string) BillingCommitment {
		return BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderAWS, ID: id, Type: typ, Name: "Savings Plan fee",
			InstanceType: "m5.large", OfferingType: offering, PurchaseTerm: term, PaymentOption: payment,
			First: first, Last: last, Hours: 100, Currency: "USD", Used: tally.MustParseMoney("200", "USD"), Fees: tally.Zero("USD")}
	}
	cs := InventoryFromBilling([]BillingCommitment{
		bill("ec2sp", "Savings Plan", "EC2InstanceSavingsPlans", "3yr", "Partial Upfront"),
		bill("csp", "Savings Plan", "ComputeSavingsPlans", "1yr", "All Upfront"),
		bill("ri", "Reserved Instance", "", "3yr", "No Upfront"),
	}, last)
	want := []struct {
		kind, payment string
		months        int
	}{
		{tally.CommitEC2SP, PartialUpfront, 36},
		{tally.CommitComputeSP, AllUpfront, 12},
		{tally.CommitReserved, NoUpfront, 36},
	}
	if len(cs) != len(want) {
		t.Fatalf("%d commitments, want %d", len(cs), len(want))
	}
	for i, w := range want {
		if c := cs[i]; c.Kind != w.kind || c.TermMonths != w.months || c.PaymentOption != w.payment {
			t.Errorf("%s: %s, %d months, %s; want %s, %d months, %s", c.ID, c.Kind, c.TermMonths, c.PaymentOption, w.kind, w.months, w.payment)
		}
	}
}

// TestInventoryFromBillingTermDates: a commitment whose bill dates its term
// (a CUR's savings_plan_start_time and _end_time, reservation_start_time and
// _end_time) starts and ends then. It started at its first charge in the
// bill Tally has: a 1-year plan bought in February, in a bill from August,
// ended next August in the status, the expiry calendar and the lock-in,
// six months late, and moved again with every shorter --window of 'sync
// billing'. One no longer charged still ends with its charges.
func TestInventoryFromBillingTermDates(t *testing.T) {
	first := time.Date(2026, 8, 27, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	termStart, termEnd := time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC), time.Date(2027, 2, 28, 9, 0, 0, 0, time.UTC)
	usd := tally.MustParseMoney("1", "USD")
	b := BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderAWS, ID: "sp", Type: "Savings Plan", OfferingType: "ComputeSavingsPlans",
		PurchaseTerm: "1yr", TermStart: termStart, TermEnd: termEnd, First: first, Last: end, Hours: int64(end.Sub(first) / time.Hour),
		Currency: "USD", Used: usd, Fees: tally.Zero("USD")}
	cs := InventoryFromBilling([]BillingCommitment{b}, end)
	if len(cs) != 1 || !cs[0].Start.Equal(termStart) || !cs[0].End.Equal(termEnd) || cs[0].State != "active" {
		t.Fatalf("dated term: %+v; want active from %s to %s", cs, termStart, termEnd)
	}
	b.Last = end.Add(-72 * time.Hour)
	if cs := InventoryFromBilling([]BillingCommitment{b}, end); len(cs) != 1 || !cs[0].Start.Equal(termStart) || !cs[0].End.Equal(b.Last) || cs[0].State != "expired" {
		t.Errorf("dated term no longer charged: %+v; want expired at %s", cs, b.Last)
	}
	b.Last, b.TermEnd = end, termStart // an end not after the start dates nothing
	if cs := InventoryFromBilling([]BillingCommitment{b}, end); len(cs) != 1 || !cs[0].Start.Equal(first) {
		t.Errorf("a term ending as it starts: %+v; want it started at its first charge %s", cs, first)
	}
}

// TestKeepStoredStarts: a bill read over a shorter window sees an undated
// commitment's first charge later than a longer read did (a GCP CUD, a FOCUS
// commitment); the stored start of the same term is kept. A fresh start past
// the stored term's end is a renewal, and a stored start later than the
// fresh one is not kept.
func TestKeepStoredStarts(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	year := time.Duration(TermHours(12)) * time.Hour
	stored := []tally.Commitment{
		{BillingAccountID: "1", ID: "cud", Source: SourceBilling, Start: day(2, 28), End: day(2, 28).Add(year)},
		{BillingAccountID: "1", ID: "old", Source: SourceBilling, Start: day(1, 1).AddDate(-1, 0, 0), End: day(1, 1).AddDate(-1, 0, 0).Add(year)},
		{BillingAccountID: "1", ID: "late", Source: SourceBilling, Start: day(9, 1), End: day(9, 1).Add(year)},
		{BillingAccountID: "2", ID: "cud", Source: SourceBilling, Start: day(1, 1), End: day(1, 1).Add(year)},
	}
	fresh := []tally.Commitment{
		{BillingAccountID: "1", ID: "cud", Source: SourceBilling, Start: day(10, 26), End: day(10, 26).Add(year)},
		{BillingAccountID: "1", ID: "old", Source: SourceBilling, Start: day(10, 26), End: day(10, 26).Add(year)},
		{BillingAccountID: "1", ID: "late", Source: SourceBilling, Start: day(8, 1), End: day(8, 1).Add(year)},
		{BillingAccountID: "1", ID: "new", Source: SourceBilling, Start: day(10, 26), End: day(10, 26).Add(year)},
	}
	want := map[string]time.Time{"cud": day(2, 28), "old": day(10, 26), "late": day(8, 1), "new": day(10, 26)}
	got := KeepStoredStarts(fresh, stored)
	for _, c := range got {
		if !c.Start.Equal(want[c.ID]) || c.End.Sub(c.Start) != year {
			t.Errorf("%s: from %s to %s, want a year from %s", c.ID, c.Start, c.End, want[c.ID])
		}
	}
	if len(got) != len(fresh) {
		t.Errorf("%d commitments, want %d", len(got), len(fresh))
	}
}

// TestInventoryFromBillingStartEstimated: a commitment whose bill dates no
// term (a GCP CUD, a FOCUS commitment) is taken to start at its first
// charge in the stored bill, which its term may have begun before, so its
// start, and the end a term after it, are estimates and say so; one whose
// bill dates its term does not, nor does the start a stored commitment
// dated, which KeepStoredStarts keeps.
func TestInventoryFromBillingStartEstimated(t *testing.T) {
	first := time.Date(2026, 8, 27, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	termStart, termEnd := time.Date(2026, 2, 28, 9, 0, 0, 0, time.UTC), time.Date(2027, 2, 28, 9, 0, 0, 0, time.UTC)
	usd := tally.MustParseMoney("1", "USD")
	undated := BillingCommitment{BillingAccountID: "1", Provider: tally.ProviderGCP, ID: "cud", Type: "Committed Use Discount",
		Category: "Spend", First: first, Last: end, Hours: int64(end.Sub(first) / time.Hour), Currency: "USD", Used: usd, Fees: tally.Zero("USD")}
	dated := undated
	dated.Provider, dated.ID, dated.Type, dated.OfferingType, dated.PurchaseTerm = tally.ProviderAWS, "sp", "Savings Plan", "ComputeSavingsPlans", "1yr"
	dated.TermStart, dated.TermEnd = termStart, termEnd
	cs := InventoryFromBilling([]BillingCommitment{undated, dated}, end)
	if len(cs) != 2 {
		t.Fatalf("%d commitments, want 2", len(cs))
	}
	if c := cs[0]; !c.StartEstimated || !c.Start.Equal(first) || c.Inferred != "" {
		t.Errorf("undated: start %s, estimated %v, inferred %q; want its first charge %s, estimated, nothing inferred",
			c.Start, c.StartEstimated, c.Inferred, first)
	}
	if c := cs[1]; c.StartEstimated || !c.Start.Equal(termStart) {
		t.Errorf("dated: start %s, estimated %v; want %s as the bill dates it, not estimated", c.Start, c.StartEstimated, termStart)
	}
	stored := []tally.Commitment{{BillingAccountID: "1", ID: "cud", Provider: tally.ProviderGCP, Source: "api",
		Start: termStart, End: termEnd}}
	if c := KeepStoredStarts(cs, stored)[0]; c.StartEstimated || !c.Start.Equal(termStart) {
		t.Errorf("kept a stored dated start: start %s, estimated %v; want %s, not estimated", c.Start, c.StartEstimated, termStart)
	}
	stored[0].StartEstimated = true
	if c := KeepStoredStarts(cs, stored)[0]; !c.StartEstimated {
		t.Errorf("kept a stored estimated start: start %s, not estimated", c.Start)
	}
}
