package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// maxChargePeriod bounds how long before a window a line overlapping it can
// start: no bill line spans more than a billing period.
const maxChargePeriod = "32 days"

// CostLinesOverlapping returns the lines whose charge period overlaps w,
// and those with an empty charge period (start = end: GCP rows without
// usage_end_time) starting in w, which attribution lands whole on the hour
// they start: one at w.Start overlaps nothing but belongs to w. Lines billed
// in another month than their charge period (late usage, credits and
// corrections for past usage) are included.
func (db *DB) CostLinesOverlapping(ctx context.Context, w tally.Window) ([]tally.CostLine, error) {
	var lines []tally.CostLine
	err := db.readCharged(ctx, w, func(tx pgx.Tx, lo, hi *time.Time) error {
		rows, err := tx.Query(ctx, costLineSelect+`
			WHERE charge_period_start < $2 AND (charge_period_end > $1 OR charge_period_start >= $1)
			  AND charge_period_start >= $1::timestamptz - interval '`+maxChargePeriod+`'
			  AND billing_period_start >= $3 AND billing_period_start <= $4
			ORDER BY charge_period_start, billing_account_id, resource_id`, w.Start, w.End, lo, hi)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, scanCostLine)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("query cost lines overlapping %v: %w", w, err)
	}
	return lines, nil
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

// PricesIn returns the on-demand and spot catalog prices in effect at some
// time in w, those attribution estimates unbilled node-hours with, the
// prices of single zones (AWS spot) with those of whole regions: per key,
// the latest that took effect by w's start (or the first, when none had),
// and those taking effect within w. The commitment options (Reserved
// Instances of each payment option, Savings Plans, CUDs), most of a
// catalog's rows, are left out: attribution reads prices for every day.
func (db *DB) PricesIn(ctx context.Context, w tally.Window) ([]tally.InstancePrice, error) {
	rows, err := db.pool.Query(ctx, inEffectSQL("(SELECT * FROM prices WHERE purchase_option = ANY($3)) AS prices",
		"provider, region, instance_type, purchase_option, operating_system, zone",
		"provider, region, zone, instance_type, purchase_option, operating_system, currency, hourly_price::text, vcpus::float8, memory_bytes, gpus, effective_from, source"),
		w.Start, w.End, []string{tally.PurchaseOnDemand, tally.PurchaseSpot})
	if err != nil {
		return nil, fmt.Errorf("query prices in %v: %w", w, err)
	}
	return pgx.CollectRows(rows, scanPrice)
}

// retiredSourceLag is how far an export of an account may lag behind the
// account's freshest before BilledThrough takes it for one no longer
// delivered (replaced by another, or switched off) and stops waiting for
// it. Exports lag by hours or a day or two; an old one left behind when an
// account moves to a new export (legacy CUR to CUR 2.0) must not hold its
// node-hours estimated for ever.
const retiredSourceLag = "1 month"

// billedThroughSQL is the query of how far each billing account's bill
// reaches: the end of the latest hourly usage line of each of its sources
// (exports), and of the account the earliest of those, over the sources
// that reach within retiredSourceLag of its freshest. A node's line comes
// from one export, which cannot be told before it has a line; so the
// account is billed only as far as every export it still receives reaches,
// and its nodes' unbilled hours after that are estimated (flagged, replaced
// when the lagging export lands) rather than costing 0 because another
// export got further.
const billedThroughSQL = `
		WITH source_through AS (
			SELECT billing_account_id, source, max(billed_through) AS through
			FROM billing_periods WHERE billed_through IS NOT NULL
			GROUP BY 1, 2
		)
		SELECT billing_account_id, min(through) AS through
		FROM (SELECT *, max(through) OVER (PARTITION BY billing_account_id) AS freshest FROM source_through) s
		WHERE through > freshest - interval '` + retiredSourceLag + `'
		GROUP BY 1`

// BilledThrough returns, per billing account, how far its bill reaches
// (billedThroughSQL): the hours before it are billed by all its exports.
func (db *DB) BilledThrough(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.pool.Query(ctx, billedThroughSQL)
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

// BillingCurrencies returns, per billing account, the currency of its
// latest billing period (of any source): the currency it is billed in.
func (db *DB) BillingCurrencies(ctx context.Context) (map[string]tally.Currency, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT ON (p.billing_account_id) p.billing_account_id, l.billing_currency
		FROM billing_periods p
		CROSS JOIN LATERAL (
			SELECT billing_currency FROM cost_lines l
			WHERE l.billing_account_id = p.billing_account_id AND l.billing_period_start = p.billing_period_start AND l.source = p.source
			LIMIT 1
		) l
		ORDER BY p.billing_account_id, p.billing_period_start DESC, p.ingested_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("query billing currencies: %w", err)
	}
	out := map[string]tally.Currency{}
	var acct, cur string
	_, err = pgx.ForEachRow(rows, []any{&acct, &cur}, func() error { out[acct] = tally.Currency(cur); return nil })
	if err != nil {
		return nil, fmt.Errorf("query billing currencies: %w", err)
	}
	return out, nil
}

// SaveHours replaces the allocations and stack costs of the given hours,
// keeps the daily rollups and stack_costs in step (subtracting the hours' old
// rows, adding their new ones) and records the hours, in one transaction:
// readers see the old hours or the new ones. Every allocation and stack cost
// must belong to one of the hours. It then
// prunes the input writes no hour is stale by any more (settleInputWritesTx).
func (db *DB) SaveHours(ctx context.Context, hours []attribution.HourState, allocs []tally.Allocation, stacks []attribution.StackCost) error {
	hs := make([]tally.Hour, len(hours))
	for i, h := range hours {
		hs[i] = h.Hour
	}
	err := db.ensureHourPartitions(ctx, hs)
	if err == nil {
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			// Attribution can always be recomputed: don't wait for the WAL flush.
			// A crash loses whole transactions, never half of one. Summing a
			// batch into the rollups wants its groups hashed in memory (tens
			// of thousands of them), not sorted on disk.
			if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '256MB'`); err != nil {
				return err
			}
			if err := replaceHours(ctx, tx, hs, allocs, true); err != nil {
				return err
			}
			if err := replaceStackHours(ctx, tx, hs, stacks); err != nil {
				return err
			}
			if err := recordHours(ctx, tx, hours); err != nil {
				return err
			}
			return settleInputWritesTx(ctx, tx, hours)
		})
	}
	if err != nil {
		return fmt.Errorf("save attribution of %d hour(s) from %v: %w", len(hours), hs[0], err)
	}
	return nil
}

// ensureHourPartitions creates the partitions replaceHours writes the
// hours' allocations and daily rollups to, each in a transaction of its
// own: inside the write transaction, the partition creators' lock would be
// held until it commits, and every other creator (an ingest, serve's
// partition maintenance, another job) would wait for it.
func (db *DB) ensureHourPartitions(ctx context.Context, hours []tally.Hour) error {
	if len(hours) == 0 {
		return nil
	}
	// The days of the hours, as replaceHours' rollups.
	from, to := slices.Min(hours).Start().Truncate(24*time.Hour), slices.Max(hours).End()
	for _, t := range []string{"allocations", "allocations_daily", "allocations_owner_daily", "stack_cost_hours", "stack_costs"} {
		if err := ensureTablePartitions(ctx, db.pool, t, from, to); err != nil {
			return err
		}
	}
	return nil
}

// replaceHours replaces the allocations of hours and moves the daily
// rollups by the difference. The old rows are deleted and their sums taken
// out of the rollups in one statement; the new rows are copied to a staging
// table, inserted from there, and their sums added to the rollups. Each
// rollup is summed from its source's rows grouped by the rollup's key.
//
// With recorded set, only hours recorded in attribution_hours can have old
// rows: SaveHours writes allocations only together with their hours'
// record, so the hours of a first attribution (a backfill) need no delete.
// The partitions are created before the transaction (ensureHourPartitions).
func replaceHours(ctx context.Context, tx pgx.Tx, hours []tally.Hour, allocs []tally.Allocation, recorded bool) error {
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
	if err := checkNotPruned(ctx, tx, lo.Start(), "its hour can no longer be attributed"); err != nil {
		return err
	}
	from := lo.Start().Truncate(24 * time.Hour)
	if err := deleteHours(ctx, tx, starts, lo, hi, recorded); err != nil {
		return err
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
	if _, err := tx.Exec(ctx, `INSERT INTO allocations SELECT * FROM staged_allocations`); err != nil {
		return fmt.Errorf("insert allocations: %w", err)
	}
	if _, err := tx.Exec(ctx, rollupDelta(`SELECT 1 AS sign, * FROM staged_allocations`)); err != nil {
		return fmt.Errorf("add the hours' allocations to the daily rollups: %w", err)
	}
	for _, r := range []rollup{dailyRollup, ownerRollup} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+r.table+` WHERE day >= $1::date AND day <= $2::date AND hourly_rows = 0`, from, hi.Start()); err != nil {
			return fmt.Errorf("drop emptied %s rows: %w", r.table, err)
		}
	}
	return nil
}

// deleteHours deletes the allocations of the hours starting at starts (lo
// to hi), or with recorded only of those recorded in attribution_hours, and
// takes their sums out of the rollups.
func deleteHours(ctx context.Context, tx pgx.Tx, starts []time.Time, lo, hi tally.Hour, recorded bool) error {
	before := starts
	if recorded {
		err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(hour), '{}') FROM attribution_hours WHERE hour = ANY($1)`, starts).Scan(&before)
		if err != nil {
			return fmt.Errorf("find hours attributed before: %w", err)
		}
		if len(before) == 0 {
			return nil
		}
	}
	_, err := tx.Exec(ctx, rollupDelta(`DELETE FROM allocations WHERE hour = ANY($1) AND hour >= $2 AND hour < $3 RETURNING -1 AS sign, *`),
		before, lo.Start(), hi.End())
	if err != nil {
		return fmt.Errorf("delete the hours' allocations and their share of the daily rollups: %w", err)
	}
	return nil
}

// rollupDelta is the statement that adds the signed allocations query
// returns (sign −1 for rows replaced, +1 for rows added) to both rollups:
// the workload-level one from the rows, the owner-level one from the
// former's change.
func rollupDelta(query string) string {
	return `
		WITH delta AS (` + query + `),
		day_delta AS (` + dailyRollup.aggregate("delta") + `),
		daily AS (` + dailyRollup.upsert("SELECT * FROM day_delta") + `)
		` + ownerRollup.upsert(ownerRollup.aggregate("day_delta"))
}

// rollup is a daily rollup of allocations: its table, its key columns with
// the expression of each from its source's rows, and whether those rows are
// allocations with a sign (+1 new, −1 replaced) or already summed.
type rollup struct {
	table  string
	key    [][2]string // column, expression
	signed bool
}

// The rollups replaceHours keeps. allocations_daily, summed from the
// replaced and new allocations, keeps a container's node only for idle rows
// (pods of a workload collapse across nodes; node views read hourly rows);
// allocations_owner_daily, summed from the former's change, keeps only
// cluster, namespace and the class of row, for cluster and namespace views.
var (
	dailyRollup = rollup{"allocations_daily", [][2]string{
		{"billing_account_id", "billing_account_id"}, {"day", "(hour AT TIME ZONE 'UTC')::date"}, {"cluster_id", "cluster_id"},
		{"node_name", "CASE WHEN container = '__idle__' THEN node_name ELSE '' END"}, {"namespace", "namespace"},
		{"workload_kind", "workload_kind"}, {"workload", "workload"}, {"container", "container"}, {"cost_kind", "cost_kind"},
		{"service", "service"}, {"currency", "currency"}, {"labels", "coalesce(labels, '{}')"}}, true}
	ownerRollup = rollup{"allocations_owner_daily", [][2]string{
		{"billing_account_id", "billing_account_id"}, {"day", "day"}, {"cluster_id", "cluster_id"}, {"namespace", "namespace"},
		{"container", "CASE WHEN container IN ('__idle__', '__shared__', '__unallocated__') THEN container ELSE '' END"},
		{"cost_kind", "cost_kind"}, {"currency", "currency"}}, false}
)

// rollupSums are the additive columns of every rollup.
var rollupSums = []string{"effective_cost", "billed_cost", "list_cost", "hourly_rows", "estimated_rows",
	"cpu_core_hours", "cpu_request_core_hours", "cpu_usage_core_hours", "ram_byte_hours", "ram_request_byte_hours",
	"ram_usage_byte_hours", "gpu_hours"}

// aggregate is the query that sums source's rows by the rollup's key, its
// columns named as the rollup's.
func (r rollup) aggregate(source string) string {
	var exprs, groups []string
	for i, k := range r.key {
		exprs, groups = append(exprs, k[1]+" AS "+k[0]), append(groups, strconv.Itoa(i+1))
	}
	for _, c := range rollupSums {
		e := "sum(" + c + ")"
		if r.signed {
			switch c {
			case "hourly_rows":
				e = "sum(sign)"
			case "estimated_rows":
				e = "coalesce(sum(sign) FILTER (WHERE estimated), 0)"
			default:
				e = "sum(sign * " + c + ")"
			}
		}
		exprs = append(exprs, e+" AS "+c)
	}
	return "SELECT " + strings.Join(exprs, ", ") + "\n\t\tFROM " + source + "\n\t\tGROUP BY " + strings.Join(groups, ", ")
}

// upsert adds the rows of query (columns as the rollup's) to the rollup.
func (r rollup) upsert(query string) string {
	var cols, keys, sets []string
	for _, k := range r.key {
		cols, keys = append(cols, k[0]), append(keys, k[0])
	}
	for _, c := range rollupSums {
		cols, sets = append(cols, c), append(sets, c+" = "+r.table+"."+c+" + excluded."+c)
	}
	return "INSERT INTO " + r.table + " (" + strings.Join(cols, ", ") + ")\n\t\t" + query +
		"\n\t\tON CONFLICT (" + strings.Join(keys, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
}

var stackCostColumns = []string{"cluster_id", "hour", "namespace", "workload_kind", "workload", "container", "image",
	"stack_id", "currency", "effective_cost", "samples"}

// stackCostKey is the key of a daily row of stack_costs, as in stack_cost_hours.
const stackCostKey = "cluster_id, day, namespace, workload_kind, workload, container, image, stack_id, currency"

// replaceStackHours replaces the stack costs of hours with rows and moves
// their days' sums in stack_costs by the difference. The new rows are
// staged; one statement then deletes the hours' old rows, inserts the new,
// and adds their difference to the daily sums (keys whose sums it leaves
// unchanged are not written). A daily row that sums no hour is deleted: those
// of days saved whole before stack costs were saved by hour (hours = 0) go
// first, so the new rows do not add to them, and those the difference empties
// go after.
func replaceStackHours(ctx context.Context, tx pgx.Tx, hours []tally.Hour, rows []attribution.StackCost) error {
	hs := make([]time.Time, len(hours))
	in := make(map[tally.Hour]bool, len(hours))
	var days []time.Time
	for i, h := range hours {
		hs[i], in[h] = h.Start(), true
		if d := h.Start().Truncate(24 * time.Hour); !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	dropEmpty := func() error {
		_, err := tx.Exec(ctx, `DELETE FROM stack_costs WHERE day = ANY($1::date[]) AND hours <= 0`, days)
		if err != nil {
			return fmt.Errorf("drop emptied stack costs: %w", err)
		}
		return nil
	}
	if err := dropEmpty(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS staged_stack_costs (LIKE stack_cost_hours) ON COMMIT DELETE ROWS`)
	if err == nil {
		_, err = tx.Exec(ctx, `TRUNCATE staged_stack_costs`)
	}
	if err == nil {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"staged_stack_costs"}, stackCostColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := &rows[i]
			if !in[r.Hour] {
				return nil, fmt.Errorf("stack cost at %v is outside the hours being replaced", r.Hour)
			}
			return []any{r.Cluster, r.Hour.Start(), r.Namespace, r.WorkloadKind, r.Workload, r.Container, r.Image, r.StackID,
				string(r.Cost.Currency()), money(r.Cost), r.Samples}, nil
		}))
	}
	if err != nil {
		return fmt.Errorf("stage stack costs: %w", err)
	}
	// The sub-statements see the table as it was: old is the hours' rows
	// before new's are in.
	_, err = tx.Exec(ctx, `
		WITH old AS (DELETE FROM stack_cost_hours WHERE hour = ANY($1) RETURNING *),
			new AS (INSERT INTO stack_cost_hours SELECT * FROM staged_stack_costs RETURNING *),
			diff AS (SELECT -1 AS sign, * FROM old UNION ALL SELECT 1, * FROM new)
		INSERT INTO stack_costs (`+stackCostKey+`, effective_cost, samples, hours)
		SELECT cluster_id, (hour AT TIME ZONE 'UTC')::date, namespace, workload_kind, workload, container, image, stack_id, currency,
			sum(sign * effective_cost), sum(sign * samples), sum(sign)
		FROM diff
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
		HAVING sum(sign * effective_cost) <> 0 OR sum(sign * samples) <> 0 OR sum(sign) <> 0
		ON CONFLICT (`+stackCostKey+`) DO UPDATE SET effective_cost = stack_costs.effective_cost + excluded.effective_cost,
			samples = stack_costs.samples + excluded.samples, hours = stack_costs.hours + excluded.hours`, hs)
	if err != nil {
		return fmt.Errorf("replace stack costs: %w", err)
	}
	return dropEmpty()
}

// DailyStackHours returns the attributed hours of w whose stack costs are
// only in their day's sum, saved before stack costs were saved by hour.
func (db *DB) DailyStackHours(ctx context.Context, w tally.Window) ([]tally.Hour, error) {
	rows, err := db.pool.Query(ctx, `SELECT hour FROM attribution_hours WHERE hour >= $1 AND hour < $2 AND NOT stacks_by_hour ORDER BY hour`,
		w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query hours with daily stack costs: %w", err)
	}
	hours, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Hour, error) {
		var t time.Time
		err := r.Scan(&t)
		return tally.HourOf(t), err
	})
	if err != nil {
		return nil, fmt.Errorf("query hours with daily stack costs: %w", err)
	}
	return hours, nil
}

func recordHours(ctx context.Context, tx pgx.Tx, hours []attribution.HourState) error {
	n := len(hours)
	hs, at, snap, share := make([]time.Time, n), make([]time.Time, n), make([]string, n), make([]string, n)
	est, cnt, nodes, estNodes := make([]bool, n), make([]int32, n), make([]int32, n), make([]int32, n)
	accts := make([]string, n) // unnest flattens arrays of arrays: each hour's accounts as a JSON array
	for i, h := range hours {
		if h.Read.Token == "" {
			return fmt.Errorf("record attributed hour %v: no read mark", h.Hour)
		}
		hs[i], at[i], snap[i], share[i] = h.Hour.Start(), h.Read.At, h.Read.Token, string(h.Share)
		if share[i] == "" {
			share[i] = string(attribution.ShareMax)
		}
		est[i], cnt[i], nodes[i], estNodes[i] = h.Estimated, int32(h.Allocations), int32(h.NodeHours), int32(h.EstimatedNodeHours)
		b, err := json.Marshal(h.EstimatedAccounts)
		if err != nil {
			return fmt.Errorf("record attributed hours: %w", err)
		}
		accts[i] = string(b)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO attribution_hours (hour, computed_at, read_snapshot, share, estimated, allocations, estimated_accounts, engine_version,
			node_hours, estimated_node_hours, stacks_by_hour)
		SELECT h, at, snap::pg_snapshot, share, est, cnt,
			ARRAY(SELECT jsonb_array_elements_text(coalesce(nullif(accts, 'null'), '[]')::jsonb)), $8, nodes, est_nodes, true
		FROM unnest($1::timestamptz[], $2::timestamptz[], $3::text[], $4::text[], $5::bool[], $6::int4[], $7::text[], $9::int4[], $10::int4[])
			AS u(h, at, snap, share, est, cnt, accts, nodes, est_nodes)
		ON CONFLICT (hour) DO UPDATE SET computed_at = excluded.computed_at, read_snapshot = excluded.read_snapshot,
			share = excluded.share, estimated = excluded.estimated, allocations = excluded.allocations,
			estimated_accounts = excluded.estimated_accounts, engine_version = excluded.engine_version,
			node_hours = excluded.node_hours, estimated_node_hours = excluded.estimated_node_hours, stacks_by_hour = true`,
		hs, at, snap, share, est, cnt, accts, attribution.EngineVersion, nodes, estNodes)
	if err != nil {
		return fmt.Errorf("record attributed hours: %w", err)
	}
	return nil
}

// StaleHours returns the hours of w that were never attributed, that were
// computed with another share basis than share or by another
// attribution.EngineVersion, whose stack costs are only in their day's sum
// while another hour of the day has been saved by hour (which dropped that
// sum: a run stopped before it saved the day's other hours), that estimated node-hours
// of an account whose bill now reaches past them (billedThroughSQL), or
// whose data a transaction the hour's read did not see (not visible in its
// read_snapshot) wrote:
//
//   - a billing period ingested (new, restated, or landing after an
//     estimate) that covers the hour: the hours of its month and those of
//     its charge span (from the earliest to the latest charge of the lines
//     it holds), so that a line billed in a later month (late usage, a
//     credit or correction for past usage) makes its charge hours stale
//     when that month's bill lands, and again when it is restated; and,
//     when that ingest narrowed the span (a restatement withdrew the
//     period's earliest or latest charges), the hours of the span it had
//     before (retired_charge_spans), whose lines may be gone: only until
//     they are read after that ingest, not at every later one;
//   - an agent interval starting in the hour, or in the hour before and
//     ending in it, received or sent again: usage an agent buffered through
//     an outage and uploads late (the agent endpoint takes 31 days);
//   - a bulk write (input_writes: UpsertUsage, AddFunctionSamples,
//     UpsertPods, UpsertNodes) of data of a span of time the hour overlaps
//     (or SaveHours' mark on an hour read before a prune of those rows:
//     settleInputWritesTx).
//
// Visibility in the snapshot, unlike a time stamped before the writer's
// commit, cannot miss data committed while the hour was read. The agent
// test is a few index descents per hour (agent_intervals_hour_xid): the
// intervals of the hour written by transactions that began after the
// snapshot (xid ≥ its xmax) or were running when it was taken (its xip),
// which are all it does not see; neither the fleet's size nor a long
// transaction running at the snapshot widens them.
func (db *DB) StaleHours(ctx context.Context, w tally.Window, share attribution.ShareBasis) ([]tally.Hour, error) {
	rows, err := db.pool.Query(ctx, staleHoursSQL, w.Start, w.End, string(share), attribution.EngineVersion)
	if err != nil {
		return nil, fmt.Errorf("query stale hours: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Hour, error) {
		var t time.Time
		err := r.Scan(&t)
		return tally.HourOf(t), err
	})
}

// staleHoursSQL is StaleHours' query of the hours of [$1, $2) for share
// basis $3 and engine version $4.
const staleHoursSQL = `
		WITH through AS (` + billedThroughSQL + `)
		SELECT h FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') h
		LEFT JOIN attribution_hours a ON a.hour = h
		WHERE a.hour IS NULL OR a.share <> $3 OR a.engine_version <> $4
		  OR (NOT a.stacks_by_hour AND EXISTS (
			SELECT 1 FROM attribution_hours b
			WHERE b.stacks_by_hour AND b.hour >= date_trunc('day', h, 'UTC') AND b.hour < date_trunc('day', h, 'UTC') + interval '1 day'))
		  OR EXISTS (
			SELECT 1 FROM billing_periods p
			WHERE NOT pg_visible_in_snapshot(p.ingest_xid, a.read_snapshot)
			  AND ((h >= p.billing_period_start AND h < p.billing_period_start + interval '1 month')
			    OR (h < p.charge_span_end AND h + interval '1 hour' > p.charge_span_start)))
		  OR EXISTS (
			SELECT 1 FROM retired_charge_spans r
			WHERE NOT pg_visible_in_snapshot(r.ingest_xid, a.read_snapshot)
			  AND h < r.span_end AND h + interval '1 hour' > r.span_start)
		  OR ` + inputsSinceReadSQL + `
		  OR (a.estimated_accounts <> '{}' AND EXISTS (
			SELECT 1 FROM through t
			WHERE t.billing_account_id = ANY(a.estimated_accounts) AND t.through >= h + interval '1 hour'))
		ORDER BY h`

// inputsSinceReadSQL is true when the read hour h (a timestamptz) of
// attribution_hours row a was computed from did not see agent data or
// other input (usage, samples) of h: an agent interval starting in h, or
// in the hour before and running into h, or an input write spanning h,
// committed after a.read_snapshot.
const inputsSinceReadSQL = `(EXISTS (
			SELECT 1 FROM agent_intervals i
			WHERE date_trunc('hour', i.interval_start AT TIME ZONE 'UTC') = h AT TIME ZONE 'UTC'
			  AND (i.xid >= pg_snapshot_xmax(a.read_snapshot) OR i.xid = ANY(ARRAY(SELECT pg_snapshot_xip(a.read_snapshot))))
			  AND i.interval_start >= h AND i.interval_start < h + interval '1 hour')
		  OR EXISTS (
			SELECT 1 FROM agent_intervals i
			WHERE date_trunc('hour', i.interval_start AT TIME ZONE 'UTC') = (h - interval '1 hour') AT TIME ZONE 'UTC'
			  AND (i.xid >= pg_snapshot_xmax(a.read_snapshot) OR i.xid = ANY(ARRAY(SELECT pg_snapshot_xip(a.read_snapshot))))
			  AND i.interval_start >= h - interval '1 hour' AND i.interval_start < h AND i.interval_end > h)
		  OR EXISTS (
			SELECT 1 FROM input_writes iw
			WHERE iw.span_start < h + interval '1 hour' AND iw.span_end > h
			  AND NOT pg_visible_in_snapshot(iw.xid, a.read_snapshot)))`

// ReadMark returns the database's clock_timestamp() and current snapshot:
// the rows committed by now are visible in it, those committed later are
// not, whenever they were written.
func (db *DB) ReadMark(ctx context.Context) (attribution.ReadMark, error) {
	var m attribution.ReadMark
	if err := db.pool.QueryRow(ctx, `SELECT clock_timestamp(), pg_current_snapshot()::text`).Scan(&m.At, &m.Token); err != nil {
		return m, fmt.Errorf("read the database clock and snapshot: %w", err)
	}
	m.At = m.At.UTC()
	return m, nil
}

// LatestNodeHour returns the most recent attributed hour that has costs on
// nodes; ok is false when there is none. Hours after the agents' data ends
// (serve attributes up to now) hold only the bill's other costs, and cost
// gauges of such an hour would have no node at all.
func (db *DB) LatestNodeHour(ctx context.Context) (h tally.Hour, ok bool, err error) {
	var t time.Time
	err = db.pool.QueryRow(ctx, `
		SELECT h.hour FROM attribution_hours h
		WHERE EXISTS (SELECT 1 FROM allocations a WHERE a.hour = h.hour AND a.node_name <> '')
		ORDER BY h.hour DESC LIMIT 1`).Scan(&t)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, false, nil
	case err != nil:
		return 0, false, fmt.Errorf("latest attributed hour with node costs: %w", err)
	}
	return tally.HourOf(t), true, nil
}
