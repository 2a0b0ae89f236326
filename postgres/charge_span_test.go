package postgres_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/migrations"
	"github.com/tallyhq/tally/postgres"
)

// chargeSpanFixture is account 111111111111's October 2024 (focus) period
// holding October's usage (1 October 10:00) and, in some versions, a
// correction charged three months earlier (15 July 10:00), with the hours
// of July to October attributed or not.
type chargeSpanFixture struct {
	t          *testing.T
	db         *postgres.DB
	key        tally.BillingPeriodKey
	october    tally.CostLine
	correction tally.CostLine
	hours      tally.Window
}

func newChargeSpanFixture(t *testing.T) *chargeSpanFixture {
	correction := billedInMonth(t, testLine(t, "2024-07-15T10:00:00Z", "i-0aaa", "4", "4"), "2024-10-01T00:00:00Z")
	correction.ChargeClass = "Correction"
	return &chargeSpanFixture{
		t: t, db: pgtest.New(t),
		key:        tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: mustTime(t, "2024-10-01T00:00:00Z"), Source: "focus"},
		october:    testLine(t, "2024-10-01T10:00:00Z", "i-0aaa", "16", "16"),
		correction: correction,
		hours:      tally.Window{Start: mustTime(t, "2024-07-01T00:00:00Z"), End: mustTime(t, "2024-11-01T00:00:00Z")},
	}
}

// ingest replaces October with lines (none: an empty version of it).
func (f *chargeSpanFixture) ingest(lines ...tally.CostLine) {
	f.t.Helper()
	run, err := f.db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.ReplaceBillingPeriod(ctx, f.key, run, seq(lines)); err != nil {
		f.t.Fatal(err)
	}
}

// attribute records every hour of f.hours as attributed from now's read.
func (f *chargeSpanFixture) attribute() {
	f.t.Helper()
	mark, err := f.db.ReadMark(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	var hours []attribution.HourState
	for _, h := range f.hours.Hours() {
		hours = append(hours, attribution.HourState{Hour: h, Read: mark})
	}
	if err := f.db.SaveHours(ctx, hours, nil, nil); err != nil {
		f.t.Fatal(err)
	}
}

// expectSpan checks October's recorded charge span ([from, to); "" for none).
func (f *chargeSpanFixture) expectSpan(when, from, to string) {
	f.t.Helper()
	var want tally.Window
	if from != "" {
		want = tally.Window{Start: mustTime(f.t, from), End: mustTime(f.t, to)}
	}
	if got := f.db.ChargeSpans(f.t)["111111111111 2024-10 focus"]; !reflect.DeepEqual(got, want) {
		f.t.Errorf("October's charge span %s: %v, want %v", when, got, want)
	}
}

// expectStale checks that the stale hours of f.hours are those of [from, to)
// ("" for none).
func (f *chargeSpanFixture) expectStale(when, from, to string) {
	f.t.Helper()
	got, err := f.db.StaleHours(ctx, f.hours, attribution.ShareMax)
	if err != nil {
		f.t.Fatal(err)
	}
	var want []tally.Hour
	if from != "" {
		want = tally.Window{Start: mustTime(f.t, from), End: mustTime(f.t, to)}.Hours()
	}
	if !slices.Equal(got, want) {
		first, last := "", ""
		if len(got) > 0 {
			first, last = got[0].Start().Format(time.RFC3339), got[len(got)-1].Start().Format(time.RFC3339)
		}
		f.t.Errorf("stale hours %s: %d from %s to %s, want the %d of [%s, %s)", when, len(got), first, last, len(want), from, to)
	}
}

// TestReplaceShrinksChargeSpan: a billing period's recorded charge span is
// that of the lines it holds now. A re-ingest without a months-old
// correction shrinks it, and makes the correction's hours stale once (they
// stay stale until recomputed, whatever is ingested meanwhile); later
// re-ingests make only the period's month and its lines' hours stale.
func TestReplaceShrinksChargeSpan(t *testing.T) {
	f := newChargeSpanFixture(t)
	f.ingest(f.october, f.correction)
	f.expectSpan("with the July correction", "2024-07-15T10:00:00Z", "2024-10-01T11:00:00Z")
	f.attribute()
	f.expectStale("after attribution", "", "")

	f.ingest(f.october)
	f.expectSpan("re-ingested without the correction", "2024-10-01T10:00:00Z", "2024-10-01T11:00:00Z")
	f.expectStale("re-ingested without the correction", "2024-07-15T10:00:00Z", "2024-11-01T00:00:00Z")
	// Re-ingested again before the job ran: the correction's hours still
	// hold it, so they stay stale.
	f.ingest(f.october)
	f.expectSpan("re-ingested twice without the correction", "2024-10-01T10:00:00Z", "2024-10-01T11:00:00Z")
	f.expectStale("re-ingested twice before attribution", "2024-07-15T10:00:00Z", "2024-11-01T00:00:00Z")
	f.attribute()
	f.expectStale("after re-attribution", "", "")

	f.ingest(f.october)
	f.expectStale("re-ingested once more, unchanged", "2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z")
	f.attribute()

	// An empty version of the period (its lines all withdrawn) has no span;
	// the hours of the lines it withdrew are stale once.
	f.ingest(f.october, f.correction)
	f.expectSpan("with the correction again", "2024-07-15T10:00:00Z", "2024-10-01T11:00:00Z")
	f.attribute()
	f.ingest()
	f.expectSpan("emptied", "", "")
	f.expectStale("emptied", "2024-07-15T10:00:00Z", "2024-11-01T00:00:00Z")
	f.attribute()
	f.ingest()
	f.expectStale("emptied again", "2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z")

	// The first retired span is within the second: one is kept.
	if n := f.db.RetiredChargeSpans(t); n != 1 {
		t.Errorf("%d retired charge spans recorded, want 1", n)
	}

	// Readers find no line of the period in July any more.
	july := tally.Window{Start: mustTime(t, "2024-07-15T00:00:00Z"), End: mustTime(t, "2024-07-16T00:00:00Z")}
	if lines, err := f.db.CostLinesOverlapping(ctx, july); err != nil || len(lines) != 0 {
		t.Errorf("CostLinesOverlapping(%v) = %d lines, %v; want none", july, len(lines), err)
	}
}

// TestRetiredChargeSpansMigration: the migration sets the spans that ingest
// widened to their lines', and keeps the hours read before the period's
// last ingest stale over the span it had.
func TestRetiredChargeSpansMigration(t *testing.T) {
	f := newChargeSpanFixture(t)
	f.ingest(f.october, f.correction)
	f.attribute()
	f.ingest(f.october)
	// As ingest left it before: the span widened to the correction's, and
	// no retired span.
	f.db.Exec(t, `DROP TABLE retired_charge_spans`)
	f.db.Exec(t, `UPDATE billing_periods SET charge_span_start = '2024-07-15T10:00:00Z'`)
	f.expectSpan("before the migration", "2024-07-15T10:00:00Z", "2024-10-01T11:00:00Z")
	sql, err := migrations.FS.ReadFile("018_retired_charge_spans.sql")
	if err != nil {
		t.Fatal(err)
	}
	f.db.Exec(t, string(sql))
	f.expectSpan("after the migration", "2024-10-01T10:00:00Z", "2024-10-01T11:00:00Z")
	f.expectStale("after the migration", "2024-07-15T10:00:00Z", "2024-11-01T00:00:00Z")
	f.attribute()
	f.expectStale("after the migration and attribution", "", "")
	f.ingest(f.october)
	f.expectStale("re-ingested after the migration", "2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z")
}
