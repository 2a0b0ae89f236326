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

// HoldLocks runs sql, which takes locks, in a transaction that stays open
// (holding them) until release is called or the test ends.
func (db *DB) HoldLocks(t testing.TB, sql string, args ...any) (release func()) {
	t.Helper()
	tx, err := db.pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release = func() { _ = tx.Rollback(context.Background()) }
	t.Cleanup(release)
	if _, err := tx.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
	return release
}

// WaitForLockWaiter waits until a session of the database waits for a
// lock, failing the test after 10 s.
func (db *DB) WaitForLockWaiter(t testing.TB) {
	t.Helper()
	db.WaitForLockWaiters(t, 1)
}

// WaitForLockWaiters waits until n sessions of the database (or more) wait
// for a lock, failing the test after 10 s.
func (db *DB) WaitForLockWaiters(t testing.TB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var got int
		if err := db.pool.QueryRow(context.Background(), `
			SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
	}
	t.Fatalf("fewer than %d sessions wait for a lock after 10 s", n)
}

// RetiredChargeSpans returns how many retired charge spans are recorded.
func (db *DB) RetiredChargeSpans(t testing.TB) int {
	t.Helper()
	var n int
	if err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM retired_charge_spans`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// SessionSetting returns a setting of one of db's sessions.
func (db *DB) SessionSetting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v)
	return v, err
}

// SetInputWritePruneAge sets how old a row of input_writes must be before
// it is pruned, until the test ends.
func SetInputWritePruneAge(t testing.TB, d time.Duration) {
	old := inputWritePruneAge
	inputWritePruneAge = d
	t.Cleanup(func() { inputWritePruneAge = old })
}

// InputWrites returns the spans of the rows of input_writes, in order
// ("start end", in UTC; end may be infinity).
func (db *DB) InputWrites(t testing.TB) []string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), `
		SELECT to_char(span_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') || ' ' ||
			CASE WHEN span_end = 'infinity' THEN 'infinity' ELSE to_char(span_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') END
		FROM input_writes ORDER BY span_start, span_end`)
	if err != nil {
		t.Fatal(err)
	}
	spans, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return spans
}

// SetCompactChunk sets how many appended function samples one compaction
// statement moves, until the test ends.
func SetCompactChunk(t testing.TB, n int) {
	old := compactChunk
	compactChunk = n
	t.Cleanup(func() { compactChunk = old })
}

// FunctionSampleRows counts the stored rows of function samples, appended
// and compacted.
func (db *DB) FunctionSampleRows(t testing.TB) (appended, compacted int) {
	t.Helper()
	if err := db.pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE NOT compacted), count(*) FILTER (WHERE compacted) FROM function_samples`).
		Scan(&appended, &compacted); err != nil {
		t.Fatal(err)
	}
	return appended, compacted
}

// PriceRows counts the stored prices, every effective date included.
func (db *DB) PriceRows(ctx context.Context) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM prices`).Scan(&n)
	return n, err
}

// PriceChecksum is the MD5 of every stored price's columns, rows in key
// order: it changes when any stored price, or its numeric's scale, does.
func (db *DB) PriceChecksum(ctx context.Context) (string, error) {
	var sum string
	err := db.pool.QueryRow(ctx, `
		SELECT md5(coalesce(string_agg(concat_ws('|', provider, region, instance_type, purchase_option, operating_system, zone, currency,
			hourly_price, vcpus, memory_bytes, gpus, effective_from AT TIME ZONE 'UTC', source), E'\n'
			ORDER BY provider, region, instance_type, purchase_option, operating_system, zone, effective_from), ''))
		FROM prices`).Scan(&sum)
	return sum, err
}

// TakeAgentBatchesAt takes a batch from agent token tokenID's bucket for
// each of sends (in order) as though the database's clock read them: before
// each, it dates the bucket back by the time since the previous send. It
// returns how many were refused.
func (db *DB) TakeAgentBatchesAt(ctx context.Context, tokenID string, perSecond float64, burst int, sends []time.Time) (refused int, err error) {
	for start := 0; start < len(sends); start += 1000 {
		chunk := sends[start:min(start+1000, len(sends))]
		var b pgx.Batch
		for i, at := range chunk {
			since := 0.0
			if start+i > 0 {
				since = at.Sub(sends[start+i-1]).Seconds()
			}
			b.Queue(`UPDATE agent_rate_buckets SET at = clock_timestamp() - $2::float8 * interval '1 second' WHERE token_id = $1`, tokenID, since)
			b.Queue(takeAgentBatch, tokenID, perSecond, burst)
		}
		br := db.pool.SendBatch(ctx, &b)
		for range chunk {
			var took bool
			var wait float64
			if _, err := br.Exec(); err != nil {
				br.Close()
				return refused, err
			}
			if err := br.QueryRow().Scan(&took, &wait); err != nil {
				br.Close()
				return refused, err
			}
			if !took {
				refused++
			}
		}
		if err := br.Close(); err != nil {
			return refused, err
		}
	}
	return refused, nil
}
