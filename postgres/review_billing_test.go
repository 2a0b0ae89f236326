package postgres_test

// Reproductions from the billing review (branch review-billing). They fail on
// the code reviewed; each names the defect it shows.

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestReviewConcurrentIngestsOfOnePeriodBothStay: two ingests of the same
// (account, month, source) that overlap — an hourly cron job still running
// when an operator re-ingests the restated month — each delete "every line
// of the period not of my run" under READ COMMITTED, where neither sees the
// other's uncommitted COPY. Both commit and the period holds both versions:
// the month is counted twice (README: "re-ingesting a restated month leaves
// no duplicates"). Nothing serializes ingests of a period (no advisory or
// row lock is taken before the DELETE).
//
// The test makes the overlap deterministic by holding the account's
// billing_accounts row, which each replace upserts after its DELETE, until
// both replaces are waiting for it.
func TestReviewConcurrentIngestsOfOnePeriodBothStay(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const acct = "111111111111"
	// The month was ingested once already (its partition and account exist).
	first, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ReplacePeriods(ctx, "aws-cur", first, seq([]tally.CostLine{testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "9", "9")})); err != nil {
		t.Fatal(err)
	}
	locker, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM billing_accounts WHERE billing_account_id = $1 FOR UPDATE`, acct); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for _, cost := range []string{"10", "10"} {
		run, err := db.StartIngestRun(ctx, "aws-cur", nil)
		if err != nil {
			t.Fatal(err)
		}
		line := testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", cost, cost)
		go func() { errs <- db.ReplacePeriods(ctx, "aws-cur", run, seq([]tally.CostLine{line})) }()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := locker.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d replace(s) waiting, want 2", waiting)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var waits string
	locker.QueryRow(ctx, `SELECT string_agg(left(query, 60), ' | ') FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waits)
	t.Logf("waiting: %s", waits)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	key := tally.BillingPeriodKey{BillingAccountID: acct, Start: mustTime(t, "2026-10-01T00:00:00Z"), Source: "aws-cur"}
	totals, err := db.PeriodTotals(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	periods, _ := db.BillingPeriods(ctx)
	t.Logf("period totals after two overlapping ingests of a 10 USD month: %+v; billing_periods %+v", totals, periods)
	if len(totals) != 1 || totals[0].Rows != 1 || totals[0].BilledCost.Decimal() != "10" {
		t.Errorf("the period holds %+v, want one line of 10 USD (one version of the month)", totals)
	}
}
