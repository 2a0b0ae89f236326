package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestReconciliationPartialFirstDay: `tally attribute --from` takes
// RFC 3339 times. Reconciliation compares whole days: a window starting
// inside a day reconciles that day's whole bill with its whole rollup (it
// compared the bill clipped to the window, plus the hour ending at its
// start, with the whole rollup: a mismatch, and tally attribute exited 1).
func TestReconciliationPartialFirstDay(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Reconciliation(ctx, tally.Window{Start: day1.Add(10 * time.Hour), End: day1.Add(48 * time.Hour)}, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, r := range rows {
		days = append(days, tally.FormatDay(r.Day))
		if r.Status() == "mismatch" {
			t.Errorf("%s %s: billed %s, allocated+idle+shared+unallocated %s: %s, though every hour of the day is attributed and reconciles",
				tally.FormatDay(r.Day), r.Account, r.Bill.Decimal(), r.Total().Decimal(), r.Status())
		}
		if r.Bill.Decimal() != "4.56" {
			t.Errorf("%s: billed %s, want the whole day's 4.56", tally.FormatDay(r.Day), r.Bill.Decimal())
		}
	}
	if !slices.Equal(days, []string{"2026-10-05", "2026-10-06"}) {
		t.Errorf("reconciled days %v, want 2026-10-05 (whole) and 2026-10-06", days)
	}
	// A window inside one day reconciles no day.
	if rows, err := db.Reconciliation(ctx, tally.Window{Start: day1.Add(10 * time.Hour), End: day1.Add(20 * time.Hour)}, tally.BasisAmortized); err != nil || len(rows) != 0 {
		t.Errorf("Reconciliation of 10:00–20:00: %d rows, %v; want none", len(rows), err)
	}
}

// TestReconciliationBasis: the reconciliation compares the bill and the
// allocations on the basis asked for. A finance team holds the invoice,
// billed cost: a Savings Plan's upfront fee and recurring fee as charged,
// not spread; it was compared on amortized cost only, so the invoice's
// figure was nowhere.
func TestReconciliationBasis(t *testing.T) {
	db := pgtest.New(t)
	fixture.CoveredNode(t, db)
	day1 := fixture.Day1
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		basis      tally.CostBasis
		day1, day2 string
	}{
		{tally.BasisAmortized, fixture.CoveredNodeAmortized, fixture.CoveredNodeAmortized},
		{tally.BasisBilled, fixture.CoveredNodeBilledDay1, fixture.CoveredNodeBilled},
		{tally.BasisList, fixture.CoveredNodeList, fixture.CoveredNodeList},
	} {
		rows, err := db.Reconciliation(ctx, tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}, tc.basis)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("%s: %d rows, want 2 days", tc.basis, len(rows))
		}
		for i, want := range []string{tc.day1, tc.day2} {
			r := rows[i]
			if r.Basis != tc.basis || r.Bill.Decimal() != want || r.Total().Decimal() != want || r.Status() != "ok" {
				t.Errorf("%s %s: basis %s, bill %s, attributed %s, %s; want the bill's and the allocations' %s in %s, ok",
					tc.basis, tally.FormatDay(r.Day), r.Basis, r.Bill.Decimal(), r.Total().Decimal(), r.Status(), want, tc.basis)
			}
		}
	}
}
