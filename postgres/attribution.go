package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// maxChargePeriod bounds how long before a window a line overlapping it can
// start: no bill line spans more than a billing period.
const maxChargePeriod = "32 days"

// CostLinesOverlapping returns the lines whose charge period overlaps w.
func (db *DB) CostLinesOverlapping(ctx context.Context, w tally.Window) ([]tally.CostLine, error) {
	rows, err := db.pool.Query(ctx, costLineSelect+`
		WHERE charge_period_start < $2 AND charge_period_end > $1
		  AND charge_period_start >= $1::timestamptz - interval '`+maxChargePeriod+`'
		  AND billing_period_start >= date_trunc('month', $1::timestamptz - interval '`+maxChargePeriod+`', 'UTC')
		  AND billing_period_start < $2
		ORDER BY charge_period_start, billing_account_id, resource_id`, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query cost lines overlapping %v: %w", w, err)
	}
	return pgx.CollectRows(rows, scanCostLine)
}

// HourlyUsage sums each container's usage intervals per hour.
func (db *DB) HourlyUsage(ctx context.Context, w tally.Window) ([]attribution.HourUsage, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, pod_uid, container, date_trunc('hour', interval_start, 'UTC'),
			sum(cpu_core_seconds),
			sum(memory_working_set_avg_bytes::float8 * extract(epoch FROM interval_end - interval_start)),
			max(memory_working_set_max_bytes)
		FROM container_usage
		WHERE interval_start >= $1 AND interval_start < $2 AND pod_uid <> ''
		GROUP BY 1, 2, 3, 4`, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query hourly usage: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.HourUsage, error) {
		var u attribution.HourUsage
		var h time.Time
		err := r.Scan(&u.Cluster, &u.PodUID, &u.Container, &h, &u.CPUCoreSeconds, &u.MemoryByteSeconds, &u.MemoryMaxBytes)
		u.Hour = tally.HourOf(h)
		return u, err
	})
}

// AllFunctionSamples returns every cluster's samples in the hours of w.
func (db *DB) AllFunctionSamples(ctx context.Context, w tally.Window) ([]tally.FunctionSample, error) {
	return db.FunctionSamples(ctx, "", w)
}

// LatestPrices returns the latest catalog price of every instance type and purchase option.
func (db *DB) LatestPrices(ctx context.Context) ([]tally.InstancePrice, error) {
	return db.Prices(ctx, PriceFilter{})
}

// BilledThrough returns, per billing account, the end of the latest hourly
// usage line of its bill, as ingest recorded it: the bill covers the hours
// before it.
func (db *DB) BilledThrough(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_account_id, max(billed_through) FROM billing_periods
		WHERE billed_through IS NOT NULL GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("query billed-through: %w", err)
	}
	out := map[string]time.Time{}
	var acct string
	var t time.Time
	_, err = pgx.ForEachRow(rows, []any{&acct, &t}, func() error { out[acct] = t.UTC(); return nil })
	if err != nil {
		return nil, fmt.Errorf("query billed-through: %w", err)
	}
	return out, nil
}

// SaveHours replaces the allocations of the given hours, keeps the daily
// rollup in step (subtracting the hours' old rows, adding their new ones) and
// records the hours, in one transaction: readers see the old hours or the
// new ones. Every allocation must belong to one of the hours.
func (db *DB) SaveHours(ctx context.Context, hours []attribution.HourState, allocs []tally.Allocation) error {
	hs := make([]tally.Hour, len(hours))
	for i, h := range hours {
		hs[i] = h.Hour
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Attribution can always be recomputed: don't wait for the WAL flush.
		// A crash loses whole transactions, never half of one.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		if err := replaceHours(ctx, tx, hs, allocs); err != nil {
			return err
		}
		return recordHours(ctx, tx, hours)
	})
	if err != nil {
		return fmt.Errorf("save attribution of %d hour(s) from %v: %w", len(hours), hs[0], err)
	}
	return nil
}

// replaceHours replaces the allocations of hours and moves the daily rollup
// by the difference, in one statement: the new rows are copied to a staging
// table, then the old rows are deleted, the new ones inserted, and their
// difference (grouped by the rollup key) is upserted into the rollup.
func replaceHours(ctx context.Context, tx pgx.Tx, hours []tally.Hour, allocs []tally.Allocation) error {
	if len(hours) == 0 {
		return nil
	}
	starts := make([]time.Time, len(hours))
	want := make(map[tally.Hour]bool, len(hours))
	lo, hi := hours[0], hours[0]
	for i, h := range hours {
		starts[i], want[h] = h.Start(), true
		lo, hi = min(lo, h), max(hi, h)
	}
	from, to := lo.Start().Truncate(24*time.Hour), hi.End()
	for _, t := range []string{"allocations", "allocations_daily"} {
		if err := ensureTablePartitions(ctx, tx, t, from, to); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS staged_allocations (LIKE allocations) ON COMMIT DELETE ROWS`); err != nil {
		return fmt.Errorf("stage allocations: %w", err)
	}
	if _, err := tx.Exec(ctx, `TRUNCATE staged_allocations`); err != nil {
		return fmt.Errorf("stage allocations: %w", err)
	}
	if err := copyAllocations(ctx, tx, "staged_allocations", func(h tally.Hour) bool { return want[h] }, allocs); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		WITH old AS (DELETE FROM allocations WHERE hour = ANY($1) AND hour >= $2 AND hour < $3 RETURNING *),
		new AS (INSERT INTO allocations SELECT * FROM staged_allocations RETURNING *),
		delta AS (
			SELECT -1 AS sign, * FROM old
			UNION ALL
			SELECT 1, * FROM new)
		`+rollupUpsert("delta"), starts, lo.Start(), hi.End())
	if err != nil {
		return fmt.Errorf("replace the hours and their share of the daily rollup: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM allocations_daily WHERE day >= $1::date AND day <= $2::date AND hourly_rows = 0`, from, hi.Start()); err != nil {
		return fmt.Errorf("drop emptied rollup rows: %w", err)
	}
	return nil
}

// rollupUpsert adds source's rows, each times its sign column, to the daily
// rollup. The rollup keeps a container's node only for idle rows: pods of a
// workload collapse across nodes, and node views read hourly rows.
func rollupUpsert(source string) string {
	sum := func(col string) string { return "sum(sign * " + col + ")" }
	return `
		INSERT INTO allocations_daily (billing_account_id, day, cluster_id, node_name, namespace, workload_kind, workload,
			container, cost_kind, service, currency, labels, effective_cost, billed_cost, list_cost, hourly_rows, estimated_rows,
			cpu_core_hours, cpu_request_core_hours, cpu_usage_core_hours, ram_byte_hours, ram_request_byte_hours,
			ram_usage_byte_hours, gpu_hours)
		SELECT billing_account_id, (hour AT TIME ZONE 'UTC')::date, cluster_id,
			CASE WHEN container = '__idle__' THEN node_name ELSE '' END, namespace, workload_kind, workload,
			container, cost_kind, service, currency, coalesce(labels, '{}'),
			` + sum("effective_cost") + `, ` + sum("billed_cost") + `, ` + sum("list_cost") + `,
			sum(sign), coalesce(sum(sign) FILTER (WHERE estimated), 0),
			` + sum("cpu_core_hours") + `, ` + sum("cpu_request_core_hours") + `, ` + sum("cpu_usage_core_hours") + `,
			` + sum("ram_byte_hours") + `, ` + sum("ram_request_byte_hours") + `, ` + sum("ram_usage_byte_hours") + `, ` + sum("gpu_hours") + `
		FROM ` + source + `
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
		ON CONFLICT (billing_account_id, day, cluster_id, node_name, namespace, workload_kind, workload, container, cost_kind,
			service, currency, labels) DO UPDATE SET
			effective_cost = allocations_daily.effective_cost + excluded.effective_cost,
			billed_cost = allocations_daily.billed_cost + excluded.billed_cost,
			list_cost = allocations_daily.list_cost + excluded.list_cost,
			hourly_rows = allocations_daily.hourly_rows + excluded.hourly_rows,
			estimated_rows = allocations_daily.estimated_rows + excluded.estimated_rows,
			cpu_core_hours = allocations_daily.cpu_core_hours + excluded.cpu_core_hours,
			cpu_request_core_hours = allocations_daily.cpu_request_core_hours + excluded.cpu_request_core_hours,
			cpu_usage_core_hours = allocations_daily.cpu_usage_core_hours + excluded.cpu_usage_core_hours,
			ram_byte_hours = allocations_daily.ram_byte_hours + excluded.ram_byte_hours,
			ram_request_byte_hours = allocations_daily.ram_request_byte_hours + excluded.ram_request_byte_hours,
			ram_usage_byte_hours = allocations_daily.ram_usage_byte_hours + excluded.ram_usage_byte_hours,
			gpu_hours = allocations_daily.gpu_hours + excluded.gpu_hours`
}

// SaveStackCosts replaces the stack costs of the days of w.
func (db *DB) SaveStackCosts(ctx context.Context, w tally.Window, rows []attribution.StackCost) error {
	from, to := w.Start.Truncate(24*time.Hour), w.End.Add(24*time.Hour-time.Nanosecond).Truncate(24*time.Hour)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := ensureTablePartitions(ctx, tx, "stack_costs", from, to); err != nil {
			return err
		}
		return replaceStackCosts(ctx, tx, from, to, rows)
	})
	if err != nil {
		return fmt.Errorf("save stack costs of %v: %w", w, err)
	}
	return nil
}

var stackCostColumns = []string{"cluster_id", "day", "namespace", "workload_kind", "workload", "container", "image",
	"stack_id", "currency", "effective_cost", "samples"}

func replaceStackCosts(ctx context.Context, tx pgx.Tx, from, to time.Time, rows []attribution.StackCost) error {
	if _, err := tx.Exec(ctx, `DELETE FROM stack_costs WHERE day >= $1::date AND day < $2::date`, from, to); err != nil {
		return fmt.Errorf("delete stack costs: %w", err)
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"stack_costs"}, stackCostColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := &rows[i]
		return []any{r.Cluster, r.Day, r.Namespace, r.WorkloadKind, r.Workload, r.Container, r.Image, r.StackID,
			string(r.Cost.Currency()), money(r.Cost), r.Samples}, nil
	}))
	if err != nil {
		return fmt.Errorf("copy stack costs: %w", err)
	}
	return nil
}

func recordHours(ctx context.Context, tx pgx.Tx, hours []attribution.HourState) error {
	n := len(hours)
	hs, at, est, cnt := make([]time.Time, n), make([]time.Time, n), make([]bool, n), make([]int32, n)
	for i, h := range hours {
		hs[i], at[i], est[i], cnt[i] = h.Hour.Start(), h.ComputedAt, h.Estimated, int32(h.Allocations)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO attribution_hours (hour, computed_at, estimated, allocations)
		SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::bool[], $4::int4[])
		ON CONFLICT (hour) DO UPDATE SET computed_at = excluded.computed_at, estimated = excluded.estimated,
			allocations = excluded.allocations`, hs, at, est, cnt)
	if err != nil {
		return fmt.Errorf("record attributed hours: %w", err)
	}
	return nil
}

// StaleHours returns the hours of w that were never attributed, or whose
// billing period was ingested (new, restated, or landing after an estimate)
// after they were attributed.
func (db *DB) StaleHours(ctx context.Context, w tally.Window) ([]tally.Hour, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT h FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') h
		LEFT JOIN attribution_hours a ON a.hour = h
		WHERE a.hour IS NULL OR EXISTS (
			SELECT 1 FROM billing_periods p
			WHERE p.ingested_at > a.computed_at
			  AND h >= p.billing_period_start AND h < p.billing_period_start + interval '1 month')
		ORDER BY h`, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query stale hours: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Hour, error) {
		var t time.Time
		err := r.Scan(&t)
		return tally.HourOf(t), err
	})
}

// LatestAttributedHour returns the most recent attributed hour; ok is false
// when nothing has been attributed yet.
func (db *DB) LatestAttributedHour(ctx context.Context) (h tally.Hour, ok bool, err error) {
	var t *time.Time
	if err := db.pool.QueryRow(ctx, `SELECT max(hour) FROM attribution_hours`).Scan(&t); err != nil {
		return 0, false, fmt.Errorf("latest attributed hour: %w", err)
	}
	if t == nil {
		return 0, false, nil
	}
	return tally.HourOf(*t), true, nil
}
