package postgres

import (
	"context"
	"testing"
	"time"

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
