package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestAllocationRowsTimeout: an allocation query running past its statement
// timeout (here waiting for a lock) is cancelled and reported as
// unavailable, with what to do about it.
func TestAllocationRowsTimeout(t *testing.T) {
	db := pgtest.New(t)
	postgres.SetAllocationQueryTimeout(t, 200*time.Millisecond)
	db.LockAllocations(t)
	day := mustTime(t, "2026-10-05T00:00:00Z")
	q := attribution.Query{Window: tally.Window{Start: day, End: day.Add(24 * time.Hour)}, Aggregate: []attribution.Dimension{{Field: "pod"}}}
	start := time.Now()
	_, err := db.AllocationRows(ctx, q)
	if tally.ErrorCode(err) != tally.EUnavailable || !strings.Contains(err.Error(), "narrow the window") {
		t.Fatalf("AllocationRows = %v (code %s), want EUnavailable saying what to do", err, tally.ErrorCode(err))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want about the 200ms timeout", d)
	}
}

// TestAllocationRowsValidates: the store refuses a query Validate refuses,
// whoever built it, before reading anything.
func TestAllocationRowsValidates(t *testing.T) {
	db := pgtest.New(t)
	end := mustTime(t, "2026-10-05T00:00:00Z")
	q := attribution.Query{Window: tally.Window{Start: end.AddDate(-100, 0, 0), End: end}, Aggregate: []attribution.Dimension{{Field: "pod"}}}
	if _, err := db.AllocationRows(ctx, q); tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("a century of pods: %v, want EInvalid", err)
	}
}

// TestAllocationRowsLabelFilter: rows without the filtered label (idle,
// unallocated, unlabelled containers) are outside the filter, not a NULL
// the query cannot scan.
func TestAllocationRowsLabelFilter(t *testing.T) {
	db := pgtest.New(t)
	org := fixture.Org{Start: fixture.Day1, Days: 2, Scale: 1}
	if err := org.Store(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{`label:team:payments`, `cluster:prod+label:team:payments`} {
		fs, err := attribution.ParseFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		q := attribution.Query{Window: tally.Window{Start: org.Start, End: org.End()}, Aggregate: []attribution.Dimension{{Field: "namespace"}}, Filters: fs}
		rows, err := db.AllocationRows(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if len(rows) == 0 {
			t.Errorf("%s: no rows", filter)
		}
	}
}
