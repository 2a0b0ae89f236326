package postgres_test

import (
	"maps"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// storeTenDaysOfACUD stores a FOCUS file's ten days, from day, of a GCP
// committed use discount that dates no term: $1 an hour of it used and
// unused over the first five days, $2 over the last five (a second
// commitment of the same id's scope bought on the sixth).
func storeTenDaysOfACUD(t *testing.T, db *postgres.DB, day time.Time) {
	t.Helper()
	var lines []tally.CostLine
	for h := range 10 * 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		used, unused := "0.9", "0.1"
		if h >= 5*24 {
			used, unused = "1.8", "0.2"
		}
		for _, st := range []struct {
			status tally.CommitmentStatus
			cost   string
		}{{tally.CommitmentUsed, used}, {tally.CommitmentUnused, unused}} {
			l := testLine(t, at, "", "0", st.cost)
			l.Provider, l.ServiceName, l.ServiceCategory, l.RegionID, l.Extras = tally.ProviderGCP, "Compute Engine", "Compute", "us-central1", nil
			l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = "projects/p/regions/us-central1/commitments/c1", "Committed Use Discount", "Spend"
			l.CommitmentDiscountStatus, l.ListCost, l.ContractedCost = st.status, tally.Zero("USD"), tally.Zero("USD")
			lines = append(lines, l)
		}
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
}

// TestBillingCommitmentsStartAtTheirFirstChargeInTheStoredBill: a
// commitment whose bill dates no term (a FOCUS file's, a GCP export's
// CUD) starts by its first charge in the whole stored bill, whatever
// window of it is read. Read over its last five days, it started on the
// sixth: 'commitments sync billing --window 5d' stored that start, and
// Portfolio dated the end of its term by it.
func TestBillingCommitmentsStartAtTheirFirstChargeInTheStoredBill(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-01T00:00:00Z")
	storeTenDaysOfACUD(t, db, day)
	end := day.AddDate(0, 0, 10)
	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day.AddDate(0, 0, 5), End: end})
	if err != nil {
		t.Fatal(err)
	}
	if len(bcs) != 1 {
		t.Fatalf("%d billing commitments, want 1", len(bcs))
	}
	if b := bcs[0]; !b.First.Equal(day) || !b.Last.Equal(end) || b.Hours != 5*24 {
		t.Errorf("first charge %s, last %s, %d hours; want the first in the stored bill, %s, and the window's %s and 120 hours",
			b.First, b.Last, b.Hours, day, end)
	}
	cs := commitments.InventoryFromBilling(bcs, end)
	if len(cs) != 1 || !cs[0].Start.Equal(day) {
		t.Errorf("inventory %+v, want one starting %s", cs, day)
	}
}

// TestBillingCommitmentsHourlyFromTheLatestDay: a commitment's hourly
// commitment is what its latest day charged an hour, whatever window of
// the bill is read: $2, read over its ten days as over its last five.
// It was the mean over the window: $1.50 over the ten days.
func TestBillingCommitmentsHourlyFromTheLatestDay(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-01T00:00:00Z")
	storeTenDaysOfACUD(t, db, day)
	for from, cs := range inventoriesOfTenDays(t, db, day) {
		if len(cs) != 1 || cs[0].HourlyCommitment.Decimal() != "2" {
			t.Errorf("read from %s: inventory %+v, want one of $2/h", from, cs)
		}
	}
}

// inventoriesOfTenDays returns the inventory of the ten days of bill from
// day (InventoryFromBilling) read over them all and over their last five,
// keyed by the day the read starts.
func inventoriesOfTenDays(t *testing.T, db *postgres.DB, day time.Time) map[string][]tally.Commitment {
	t.Helper()
	end := day.AddDate(0, 0, 10)
	out := map[string][]tally.Commitment{}
	for _, from := range []time.Time{day, day.AddDate(0, 0, 5)} {
		bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: from, End: end})
		if err != nil {
			t.Fatal(err)
		}
		out[tally.FormatDay(from)] = commitments.InventoryFromBilling(bcs, end)
	}
	return out
}

// TestCommitmentsStoreStartEstimated: a commitment whose start Tally
// estimated (its bill dates no term) is stored so, and read back so; one
// whose source dated it reads as not estimated. A stored commitment lost
// the mark, and the status read its end, an estimate, as the bill's.
func TestCommitmentsStoreStartEstimated(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-01T00:00:00Z")
	storeTenDaysOfACUD(t, db, day)
	end := day.AddDate(0, 0, 10)
	bcs, err := db.BillingCommitments(ctx, "111111111111", tally.Window{Start: day, End: end})
	if err != nil {
		t.Fatal(err)
	}
	cs := commitments.InventoryFromBilling(bcs, end)
	dated := tally.Commitment{BillingAccountID: "111111111111", ID: "sp", Provider: tally.ProviderAWS, Kind: tally.CommitComputeSP,
		TermMonths: 12, Start: day, End: day.AddDate(1, 0, 0), PaymentOption: commitments.NoUpfront,
		HourlyCommitment: tally.MustParseMoney("1", "USD"), Source: "api"}
	if err := db.UpsertCommitments(ctx, append(cs, dated)); err != nil {
		t.Fatal(err)
	}
	stored, err := db.Commitments(ctx, "111111111111", tally.Window{Start: day, End: end})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range stored {
		got[c.ID] = c.StartEstimated
	}
	want := map[string]bool{"projects/p/regions/us-central1/commitments/c1": true, "sp": false}
	if !maps.Equal(got, want) {
		t.Errorf("start estimated %v, want %v", got, want)
	}
}

// TestBillingCommitmentsPaymentFromTheLatestDay: a FOCUS file names no
// payment option of a Savings Plan whose commitment, and recurring fee
// with it, grew from $1/h to $2/h on the sixth of its ten days: No
// Upfront throughout. Its payment option is read from the recurring fee
// of the same latest day as its hourly commitment, whatever window is
// read. The window's mean fee, $1.50/h, against the latest day's $2/h
// commitment read as Partial Upfront, with $0.50/h of the year paid
// upfront.
func TestBillingCommitmentsPaymentFromTheLatestDay(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-01T00:00:00Z")
	const sp = "arn:aws:savingsplans::111111111111:savingsplan/grown"
	var lines []tally.CostLine
	for h := range 10 * 24 {
		at := day.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
		used, unused, fee := "0.9", "0.1", "1"
		if h >= 5*24 {
			used, unused, fee = "1.8", "0.2", "2"
		}
		for _, l := range []struct {
			status            tally.CommitmentStatus
			billed, effective string
		}{{tally.CommitmentUsed, "0", used}, {tally.CommitmentUnused, "0", unused}, {"", fee, "0"}} {
			line := testLine(t, at, "i-1", l.billed, l.effective)
			line.CommitmentDiscountID, line.CommitmentDiscountType, line.CommitmentDiscountStatus = sp, "Savings Plan", l.status
			line.ServiceCategory, line.ListCost, line.ContractedCost, line.Extras = "Compute", tally.Zero("USD"), tally.Zero("USD"), nil
			if l.status == "" {
				line.ChargeCategory, line.ChargeFrequency = tally.ChargePurchase, "Recurring"
			}
			lines = append(lines, line)
		}
	}
	storeFOCUS(t, db, "111111111111", day, lines...)
	for from, cs := range inventoriesOfTenDays(t, db, day) {
		if len(cs) != 1 {
			t.Fatalf("read from %s: %d commitments, want 1", from, len(cs))
		}
		if c := cs[0]; c.PaymentOption != commitments.NoUpfront || c.HourlyCommitment.Decimal() != "2" ||
			c.RecurringHourlyFee.Decimal() != "2" || !c.UpfrontFee.IsZero() {
			t.Errorf("read from %s: %s, %s/h, recurring %s/h, upfront %s (%s); want No Upfront, 2/h, all of it recurring",
				from, c.PaymentOption, c.HourlyCommitment, c.RecurringHourlyFee, c.UpfrontFee, c.Inferred)
		}
	}
}
