package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// RoundTripMoney sends m as a numeric parameter and returns PostgreSQL's
// text of what it received, and whether that equals the numeric parsed
// from m's decimal text.
func (db *DB) RoundTripMoney(ctx context.Context, m tally.Money) (text string, equal bool, err error) {
	err = db.pool.QueryRow(ctx, `SELECT $1::numeric::text, $1::numeric = $2::text::numeric`, money(m), m.Decimal()).
		Scan(&text, &equal)
	return text, equal, err
}

// SetAllocationQueryTimeout sets the allocation queries' statement timeout
// until the test ends.
func SetAllocationQueryTimeout(t testing.TB, d time.Duration) {
	old := allocationQueryTimeout
	allocationQueryTimeout = d
	t.Cleanup(func() { allocationQueryTimeout = old })
}

// LockAllocations holds an exclusive lock on the allocations table, so
// every query of it waits, until the test ends.
func (db *DB) LockAllocations(t testing.TB) {
	tx, err := db.pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	if _, err := tx.Exec(context.Background(), `LOCK TABLE allocations IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
}

// Exec runs sql on the database, failing the test on error.
func (db *DB) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := db.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// ChargeSpans returns the recorded charge span of every stored billing
// period ("account period source" → span; zero when none is recorded).
func (db *DB) ChargeSpans(t testing.TB) map[string]tally.Window {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), `
		SELECT billing_account_id || ' ' || to_char(billing_period_start AT TIME ZONE 'UTC', 'YYYY-MM') || ' ' || source,
			charge_span_start, charge_span_end
		FROM billing_periods`)
	if err != nil {
		t.Fatal(err)
	}
	spans := map[string]tally.Window{}
	var key string
	var s, e *time.Time
	if _, err := pgx.ForEachRow(rows, []any{&key, &s, &e}, func() error {
		spans[key] = tally.Window{Start: fromNullTime(s), End: fromNullTime(e)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return spans
}
