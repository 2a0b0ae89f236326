package postgres_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// A source's period of an account and month is refused while another
// source's bills the same usage accounts (nothing changes); replacing that
// source removes its lines of those usage accounts only, in the same
// transaction, and the hours of its charge span are attributed again (a
// line of September billed in October, removed, must leave September's
// allocations too).
func TestReplaceSourceTakesOverOnlySharedUsageAccounts(t *testing.T) {
	db := pgtest.New(t)
	const acct = "111111111111"
	oct := mustTime(t, "2026-10-01T00:00:00Z")
	late := testLine(t, "2026-09-20T05:00:00Z", "i-0aaa", "2", "2") // usage of September billed in October
	late.BillingPeriodStart, late.BillingPeriodEnd = oct, oct.AddDate(0, 1, 0)
	member := testLine(t, "2026-10-03T11:00:00Z", "i-0bbb", "4", "4")
	member.SubAccountID = "333333333333"
	curLines := []tally.CostLine{testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "9", "9"), late, member}
	ingest := func(source string, replace []string, lines ...tally.CostLine) ([]tally.SourceOverlap, error) {
		t.Helper()
		run, err := db.StartIngestRun(ctx, source, nil)
		if err != nil {
			t.Fatal(err)
		}
		return db.ReplacePeriods(ctx, source, run, seq(lines), nil, replace)
	}
	if _, err := ingest("aws-cur", nil, curLines...); err != nil {
		t.Fatal(err)
	}
	sept := tally.Window{Start: mustTime(t, "2026-09-20T00:00:00Z"), End: mustTime(t, "2026-09-21T00:00:00Z")}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, sept, false); err != nil {
		t.Fatal(err)
	}
	if stale, err := db.StaleHours(ctx, sept, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Fatalf("stale hours after attributing: %v, %v", stale, err)
	}
	cur := tally.BillingPeriodKey{BillingAccountID: acct, Start: oct, Source: "aws-cur"}
	foc := tally.BillingPeriodKey{BillingAccountID: acct, Start: oct, Source: "focus"}
	focusLine := testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "9", "9")

	_, err := ingest("focus", nil, focusLine)
	var so *tally.SourceOverlapError
	if !errors.Is(err, tally.ErrSourceOverlap) || !errors.As(err, &so) || tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("focus beside aws-cur of the same usage account: %v, want an EInvalid source overlap", err)
	}
	if len(so.Overlaps) != 1 || so.Overlaps[0].Held != cur || !slices.Equal(so.Overlaps[0].SubAccounts, []string{"222222222222"}) {
		t.Errorf("overlaps %+v, want aws-cur's period, usage account 222222222222", so.Overlaps)
	}
	if rows := periodRows(t, db, cur); rows != 3 {
		t.Errorf("after the refusal aws-cur holds %d rows, want 3", rows)
	}
	if rows := periodRows(t, db, foc); rows != 0 {
		t.Errorf("after the refusal focus holds %d rows, want 0", rows)
	}

	replaced, err := ingest("focus", []string{"aws-cur"}, focusLine)
	if err != nil {
		t.Fatal(err)
	}
	if len(replaced) != 1 || replaced[0].Removed != 2 || replaced[0].Rows != 3 {
		t.Errorf("replaced %+v, want aws-cur's 2 lines of usage account 222222222222 of its 3", replaced)
	}
	if rows := periodRows(t, db, cur); rows != 1 {
		t.Errorf("aws-cur holds %d rows, want the member account's 1", rows)
	}
	if rows := periodRows(t, db, foc); rows != 1 {
		t.Errorf("focus holds %d rows, want 1", rows)
	}
	periods, err := db.BillingPeriods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range periods {
		if p.Key == cur && p.Rows != 1 {
			t.Errorf("billing_periods says aws-cur's period holds %d rows, want 1", p.Rows)
		}
	}
	if stale, err := db.StaleHours(ctx, sept, attribution.ShareMax); err != nil || !slices.Contains(stale, tally.HourOf(late.ChargePeriodStart)) {
		t.Errorf("stale hours of %v after the late line was replaced: %v, %v; want its hour", sept, stale, err)
	}
	// The member account's lines are aws-cur's still: another source may
	// not store them, and aws-cur may store them again.
	if _, err := ingest("focus", nil, focusLine, member); !errors.Is(err, tally.ErrSourceOverlap) {
		t.Errorf("focus with the member account's line too: %v, want a source overlap", err)
	}
	if _, err := ingest("aws-cur", nil, member); err != nil {
		t.Errorf("aws-cur again with the member account's line only: %v", err)
	}
}

// periodRows counts the lines stored in period k.
func periodRows(t *testing.T, db *postgres.DB, k tally.BillingPeriodKey) int64 {
	t.Helper()
	totals, err := db.PeriodTotals(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, pt := range totals {
		n += pt.Rows
	}
	return n
}

// TestSourceOverlapIgnoresLinesWithoutUsageAccount: a source of account-wide
// lines (adjustments, credits without a usage account) beside the CUR of
// the same account and month shares no usage account with it; it was
// refused as if it billed the CUR's lines again (attribution's
// TestAttributeEmptyPeriodLineAtMidnight failed on it).
func TestSourceOverlapIgnoresLinesWithoutUsageAccount(t *testing.T) {
	db := pgtest.New(t)
	cur := testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "9", "9")
	cur.SubAccountID = ""
	adj := testLine(t, "2026-10-03T00:00:00Z", "", "5", "5")
	adj.SubAccountID = ""
	for _, tc := range []struct {
		source string
		line   tally.CostLine
	}{{"aws-cur", cur}, {"adjustments", adj}} {
		run, err := db.StartIngestRun(ctx, tc.source, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReplacePeriods(ctx, tc.source, run, seq([]tally.CostLine{tc.line}), nil, nil); err != nil {
			t.Errorf("%s: %v", tc.source, err)
		}
	}
}
