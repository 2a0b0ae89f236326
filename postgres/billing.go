package postgres

import (
	"context"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// UpsertBillingAccount records an account, updating its name and provider.
func (db *DB) UpsertBillingAccount(ctx context.Context, a tally.BillingAccount) error {
	return upsertBillingAccount(ctx, db.pool, a)
}

func upsertBillingAccount(ctx context.Context, q querier, a tally.BillingAccount) error {
	_, err := q.Exec(ctx, `
		INSERT INTO billing_accounts (billing_account_id, provider, name) VALUES ($1, $2, $3)
		ON CONFLICT (billing_account_id) DO UPDATE
		SET provider = excluded.provider,
		    name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE billing_accounts.name END`,
		a.ID, a.Provider, a.Name)
	if err != nil {
		return fmt.Errorf("upsert billing account %s: %w", a.ID, err)
	}
	return nil
}

// BillingAccounts lists the known accounts.
func (db *DB) BillingAccounts(ctx context.Context) ([]tally.BillingAccount, error) {
	rows, err := db.pool.Query(ctx, `SELECT billing_account_id, provider, name FROM billing_accounts ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list billing accounts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.BillingAccount, error) {
		var a tally.BillingAccount
		return a, r.Scan(&a.ID, &a.Provider, &a.Name)
	})
}

// StartIngestRun records the start of an ingest in its own transaction, so a
// run that dies stays visible as 'running'.
func (db *DB) StartIngestRun(ctx context.Context, source string, files []tally.IngestFile) (int64, error) {
	if files == nil {
		files = []tally.IngestFile{}
	}
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO ingest_runs (source, files) VALUES ($1, $2) RETURNING run_id`, source, files).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("start ingest run: %w", err)
	}
	return id, nil
}

// FinishIngestRun records a run's outcome (its files too, unless run.Files is nil).
func (db *DB) FinishIngestRun(ctx context.Context, run tally.IngestRun) error {
	var files any
	if run.Files != nil {
		files = run.Files
	}
	periods := run.Periods
	if periods == nil {
		periods = []tally.BillingPeriodKey{}
	}
	_, err := db.pool.Exec(ctx, `
		UPDATE ingest_runs SET status = $2, files = coalesce($3, files), rows = $4, rejected_rows = $5, totals = $6, error = $7,
			periods = $8, finished_at = now()
		WHERE run_id = $1`,
		run.ID, run.Status, files, run.Rows, run.RejectedRows, rawJSON(run.Totals), run.Error, periods)
	if err != nil {
		return fmt.Errorf("finish ingest run %d: %w", run.ID, err)
	}
	return nil
}

// IngestRuns lists the most recent runs first.
func (db *DB) IngestRuns(ctx context.Context, limit int) ([]tally.IngestRun, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT run_id, source, status, files, rows, rejected_rows, totals, periods, error, started_at, finished_at
		FROM ingest_runs ORDER BY run_id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list ingest runs: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.IngestRun, error) {
		var run tally.IngestRun
		var finished *time.Time
		err := r.Scan(&run.ID, &run.Source, &run.Status, &run.Files, &run.Rows, &run.RejectedRows, &run.Totals, &run.Periods, &run.Error, &run.StartedAt, &finished)
		run.FinishedAt = fromNullTime(finished)
		return run, err
	})
}

// RecordIngestRejects stores rows a run skipped, with their reasons.
func (db *DB) RecordIngestRejects(ctx context.Context, runID int64, rejects []tally.IngestReject) error {
	if len(rejects) == 0 {
		return nil
	}
	_, err := db.pool.CopyFrom(ctx, pgx.Identifier{"ingest_rejects"}, []string{"run_id", "file", "line", "col", "value", "reason"},
		pgx.CopyFromSlice(len(rejects), func(i int) ([]any, error) {
			r := rejects[i]
			return []any{runID, r.File, r.Line, r.Column, r.Value, r.Reason}, nil
		}))
	if err != nil {
		return fmt.Errorf("record %d rejected rows of run %d: %w", len(rejects), runID, err)
	}
	return nil
}

// IngestRejects lists a run's rejected rows in file and line order.
func (db *DB) IngestRejects(ctx context.Context, runID int64) ([]tally.IngestReject, error) {
	rows, err := db.pool.Query(ctx, `SELECT file, line, col, value, reason FROM ingest_rejects WHERE run_id = $1 ORDER BY file, line`, runID)
	if err != nil {
		return nil, fmt.Errorf("list rejects of run %d: %w", runID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.IngestReject, error) {
		var j tally.IngestReject
		return j, r.Scan(&j.File, &j.Line, &j.Column, &j.Value, &j.Reason)
	})
}

// costLineColumns are the cost_lines columns COPY writes, in order.
var costLineColumns = []string{
	"billing_account_id", "billing_period_start", "source", "run_id", "provider",
	"billing_account_name", "sub_account_id", "sub_account_name", "billing_period_end",
	"charge_period_start", "charge_period_end", "charge_category", "charge_class",
	"charge_description", "charge_frequency", "billing_currency",
	"billed_cost", "effective_cost", "list_cost", "contracted_cost",
	"pricing_quantity", "pricing_unit", "consumed_quantity", "consumed_unit", "pricing_category",
	"service_name", "service_category", "sku_id", "sku_price_id", "region_id", "availability_zone",
	"resource_id", "resource_name", "resource_type",
	"commitment_discount_id", "commitment_discount_category", "commitment_discount_type", "commitment_discount_status",
	"tags", "extras",
}

// ReplaceBillingPeriod makes lines the content of one billing period of one
// source, in one transaction: readers see the old period or the new one,
// never half, and a crash leaves the old one intact. Every line must belong
// to the period's account and month. Replaces of one period are serialized
// as in ReplaceBillingPeriods.
func (db *DB) ReplaceBillingPeriod(ctx context.Context, key tally.BillingPeriodKey, runID int64, lines iter.Seq2[*tally.CostLine, error]) (rows int64, err error) {
	checked := func(yield func(*tally.CostLine, error) bool) {
		for l, err := range lines {
			if err == nil && (l.BillingAccountID != key.BillingAccountID || !tally.MonthStart(l.BillingPeriodStart).Equal(key.Start)) {
				err = fmt.Errorf("line for account %s period %s does not belong to account %s period %s",
					l.BillingAccountID, tally.FormatDay(l.BillingPeriodStart), key.BillingAccountID, tally.FormatDay(key.Start))
			}
			if !yield(l, err) || err != nil {
				return
			}
		}
	}
	res, _, err := db.replaceBillingPeriods(ctx, key.Source, runID, checked, []tally.BillingPeriodKey{key}, nil, nil)
	if err != nil {
		return 0, fmt.Errorf("replace billing period %s %s %s: %w", key.Source, key.BillingAccountID, key.Start.Format("2006-01"), err)
	}
	return res[0].Rows, nil
}

// PeriodRows is how many lines a replace wrote into one billing period.
type PeriodRows struct {
	Key  tally.BillingPeriodKey
	Rows int64
}

// ReplaceBillingPeriods streams lines into cost_lines with COPY and makes
// them the content of every (account, month) period they belong to, for
// source, in one transaction: readers see all the old periods or all the
// new ones, a re-ingest leaves no duplicates, and a crash or an error from
// lines leaves the previous versions intact. Lines of several periods may
// be interleaved. Missing monthly partitions are created in transactions
// of their own, which readers pass. It returns the periods written, in the
// order first seen.
//
// Replaces of one period are serialized: each takes the period's
// transaction advisory lock after its COPY, before it deletes the previous
// lines, so overlapping runs never both stay; the one that commits last
// wins (both are recorded in ingest_runs). The lock is the account's and
// month's, whatever the source, so that the check below sees what another
// source's replace of the month committed.
//
// A period whose lines bill a usage account (SubAccountID) that another
// source's period of the same account and month bills too is refused:
// nothing is committed and the error (EInvalid, wrapping a
// *tally.SourceOverlapError) names them; see ReplacePeriods for how to
// replace the other source's charges instead.
func (db *DB) ReplaceBillingPeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error]) ([]PeriodRows, error) {
	res, _, err := db.replaceBillingPeriods(ctx, source, runID, lines, nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("replace %s billing periods: %w", source, err)
	}
	return res, nil
}

func (db *DB) replaceBillingPeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error], always []tally.BillingPeriodKey,
	waiting func(tally.BillingPeriodKey), replace []string) ([]PeriodRows, []tally.SourceOverlap, error) {
	type periodState struct {
		idx     int
		account tally.BillingAccount
		// billedThrough is the end of the period's latest hourly usage line:
		// the bill covers the hours before it.
		billedThrough time.Time
		// spanStart and spanEnd bound the charge periods of its lines (zero
		// when it has none): the period's charge span from now on.
		spanStart, spanEnd time.Time
		// subs are the usage accounts its lines bill; lastSub the last
		// line's, which the next lines mostly share.
		subs    map[string]bool
		lastSub string
	}
	var result []PeriodRows
	periods := map[tally.BillingPeriodKey]*periodState{}
	touch := func(k tally.BillingPeriodKey) *periodState {
		p := periods[k]
		if p == nil {
			p = &periodState{idx: len(result), account: tally.BillingAccount{ID: k.BillingAccountID}, subs: map[string]bool{}}
			periods[k] = p
			result = append(result, PeriodRows{Key: k})
		}
		return p
	}
	for _, k := range always {
		touch(k)
		// The months known up front get their partitions before the transaction.
		if err := ensureTablePartitions(ctx, db.pool, "cost_lines", k.Start, k.Start.AddDate(0, 1, 0)); err != nil {
			return nil, nil, err
		}
	}
	var replaced []tally.SourceOverlap
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		parts, err := monthPartitions(ctx, tx, "cost_lines")
		if err != nil {
			return err
		}
		for _, k := range always { // known up front: clear them whatever run wrote them
			if _, err := tx.Exec(ctx, `DELETE FROM cost_lines WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3`,
				k.BillingAccountID, k.Start, k.Source); err != nil {
				return fmt.Errorf("delete previous lines: %w", err)
			}
		}
		next, stop := iter.Pull2(lines)
		defer stop()
		var last tally.BillingPeriodKey
		var lastState *periodState
		stream := &copyStream{runID: runID, next: next, accept: func(l *tally.CostLine) (tally.BillingPeriodKey, bool) {
			month := tally.MonthStart(l.BillingPeriodStart)
			if !parts[month] {
				return tally.BillingPeriodKey{}, false
			}
			k := tally.BillingPeriodKey{BillingAccountID: l.BillingAccountID, Start: month, Source: source}
			if lastState == nil || k != last {
				last, lastState = k, touch(k)
				if lastState.account.Provider == "" {
					lastState.account = tally.BillingAccount{ID: l.BillingAccountID, Provider: l.Provider, Name: l.BillingAccountName}
				}
			}
			result[lastState.idx].Rows++
			if len(lastState.subs) == 0 || l.SubAccountID != lastState.lastSub {
				lastState.subs[l.SubAccountID], lastState.lastSub = true, l.SubAccountID
			}
			if l.ChargeCategory == tally.ChargeUsage && l.ChargePeriodEnd.After(lastState.billedThrough) &&
				l.ChargePeriodEnd.Sub(l.ChargePeriodStart) <= time.Hour {
				lastState.billedThrough = l.ChargePeriodEnd
			}
			// An empty charge period (start = end) counts as its start's
			// microsecond, so the span overlaps the hour it lands on.
			s, e := l.ChargePeriodStart, l.ChargePeriodEnd
			if !e.After(s) {
				e = s.Add(time.Microsecond)
			}
			if lastState.spanStart.IsZero() || s.Before(lastState.spanStart) {
				lastState.spanStart = s
			}
			if e.After(lastState.spanEnd) {
				lastState.spanEnd = e
			}
			return k, true
		}}
		copySQL := "COPY cost_lines (" + strings.Join(costLineColumns, ", ") + ") FROM STDIN BINARY"
		for {
			stream.restart()
			if _, err := tx.Conn().PgConn().CopyFrom(ctx, stream, copySQL); err != nil {
				return fmt.Errorf("copy cost lines: %w", err)
			}
			if stream.pending == nil {
				break
			}
			// A line of a month without a partition ended that COPY: create it
			// in a transaction of its own, resume. The next COPY sees it: opening
			// a table by name reads the other sessions' catalog changes.
			month := tally.MonthStart(stream.pending.BillingPeriodStart)
			if err := ensureTablePartitions(ctx, db.pool, "cost_lines", month, month.AddDate(0, 1, 0)); err != nil {
				return err
			}
			parts[month] = true
		}
		// Serialize with other replaces of these periods before deleting
		// their lines: under READ COMMITTED a DELETE does not see another
		// run's uncommitted COPY, so two unserialized runs would both stay.
		// The periods are only known once the lines are read, hence after
		// the COPY; each DELETE then sees whatever a previous holder
		// committed. (The DELETE of always above needs no lock: it removes
		// only committed lines, waiting for a concurrent run deleting them.)
		keys := make([]tally.BillingPeriodKey, len(result))
		for i, r := range result {
			keys[i] = r.Key
		}
		if err := lockPeriods(ctx, tx, keys, waiting); err != nil {
			return err
		}
		subs := make([][]string, len(result))
		for i, r := range result {
			subs[i] = append([]string{}, slices.Sorted(maps.Keys(periods[r.Key].subs))...)
		}
		if replaced, err = replaceOtherSources(ctx, tx, keys, subs, replace); err != nil {
			return err
		}
		for _, r := range result {
			k := r.Key
			if _, err := tx.Exec(ctx, `DELETE FROM cost_lines WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3 AND run_id <> $4`,
				k.BillingAccountID, k.Start, k.Source, runID); err != nil {
				return fmt.Errorf("delete previous lines of %s %s: %w", k.BillingAccountID, k.Start.Format("2006-01"), err)
			}
			if err := upsertBillingAccount(ctx, tx, periods[k].account); err != nil {
				return err
			}
			// The span is the new lines'; the previous one is returned (the
			// CTE reads the row as it was before the statement).
			var oldStart, oldEnd *time.Time
			if err := tx.QueryRow(ctx, `
				WITH old AS (
					SELECT charge_span_start, charge_span_end FROM billing_periods
					WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3
				), up AS (
					INSERT INTO billing_periods (billing_account_id, billing_period_start, source, run_id, rows, ingested_at, ingest_xid,
						billed_through, charge_span_start, charge_span_end, sub_accounts)
					VALUES ($1, $2, $3, $4, $5, clock_timestamp(), pg_current_xact_id(), $6, $7, $8, $9)
					ON CONFLICT (billing_account_id, billing_period_start, source) DO UPDATE
					SET run_id = excluded.run_id, rows = excluded.rows, ingested_at = excluded.ingested_at, ingest_xid = excluded.ingest_xid,
						billed_through = excluded.billed_through,
						charge_span_start = excluded.charge_span_start, charge_span_end = excluded.charge_span_end,
						sub_accounts = excluded.sub_accounts
				)
				SELECT (SELECT charge_span_start FROM old), (SELECT charge_span_end FROM old)`,
				k.BillingAccountID, k.Start, k.Source, runID, r.Rows, nullTime(periods[k].billedThrough),
				nullTime(periods[k].spanStart), nullTime(periods[k].spanEnd), subs[periods[k].idx]).Scan(&oldStart, &oldEnd); err != nil {
				return fmt.Errorf("record billing period: %w", err)
			}
			if oldStart != nil && oldEnd != nil {
				prev := tally.Window{Start: *oldStart, End: *oldEnd}
				if err := retireChargeSpan(ctx, tx, k, prev, tally.Window{Start: periods[k].spanStart, End: periods[k].spanEnd}); err != nil {
					return err
				}
			}
		}
		return learnClusterAccountsTx(ctx, tx, runID)
	})
	if err != nil {
		return nil, nil, err
	}
	return result, replaced, nil
}

// monthPartitions returns the months that already have a partition of table.
func monthPartitions(ctx context.Context, q querier, table string) (map[time.Time]bool, error) {
	rows, err := q.Query(ctx, `
		SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\)'))[1]::timestamptz
		FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = $1::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'`, table)
	if err != nil {
		return nil, fmt.Errorf("list %s partitions: %w", table, err)
	}
	starts, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("list %s partitions: %w", table, err)
	}
	m := make(map[time.Time]bool, len(starts))
	for _, s := range starts {
		m[s.UTC()] = true
	}
	return m, nil
}

// copyStream is the PGCOPY binary stream of cost lines, read by
// pgconn.CopyFrom. It ends early, leaving the line in pending, when a line
// belongs to a month without a partition (accept returns false).
type copyStream struct {
	runID   int64
	next    func() (*tally.CostLine, error, bool)
	accept  func(*tally.CostLine) (tally.BillingPeriodKey, bool)
	pending *tally.CostLine
	buf     []byte
	off     int
	started bool
	ended   bool
}

// restart begins a new COPY stream, starting with the pending line, if any.
func (s *copyStream) restart() { s.buf, s.off, s.started, s.ended = s.buf[:0], 0, false, false }

func (s *copyStream) Read(p []byte) (int, error) {
	for s.off >= len(s.buf) {
		if s.ended {
			return 0, io.EOF
		}
		s.buf, s.off = s.buf[:0], 0
		if !s.started {
			s.buf = append(s.buf, copyHeader...)
			s.started = true
		}
		for len(s.buf) < 256<<10 {
			l := s.pending
			s.pending = nil
			if l == nil {
				var err error
				var ok bool
				if l, err, ok = s.next(); !ok {
					s.buf, s.ended = append(s.buf, 0xff, 0xff), true
					break
				}
				if err != nil {
					return 0, err
				}
			}
			key, ok := s.accept(l)
			if !ok {
				s.pending = l
				s.buf, s.ended = append(s.buf, 0xff, 0xff), true
				break
			}
			s.buf = appendCostLine(s.buf, key, s.runID, l)
		}
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}

// CostLineFilter selects cost lines by charge period.
type CostLineFilter struct {
	BillingAccountID string // "" for all
	Window           tally.Window
}

// CostLines returns the lines whose charge period starts in the filter's
// window, in charge period order. It is meant for bounded reads (tests,
// drill-downs); aggregates are computed in SQL.
func (db *DB) CostLines(ctx context.Context, f CostLineFilter) ([]tally.CostLine, error) {
	rows, err := db.pool.Query(ctx, costLineSelect+`
		WHERE ($1 = '' OR billing_account_id = $1) AND charge_period_start >= $2 AND charge_period_start < $3
		ORDER BY charge_period_start, resource_id, sku_id`, f.BillingAccountID, f.Window.Start, f.Window.End)
	if err != nil {
		return nil, fmt.Errorf("query cost lines: %w", err)
	}
	return pgx.CollectRows(rows, scanCostLine)
}

// costLineSelect selects the columns scanCostLine reads.
const costLineSelect = `
		SELECT provider, billing_account_id, billing_account_name, sub_account_id, sub_account_name,
		       billing_period_start, billing_period_end, charge_period_start, charge_period_end,
		       charge_category, charge_class, charge_description, charge_frequency, billing_currency,
		       billed_cost::text, effective_cost::text, list_cost::text, contracted_cost::text,
		       coalesce(pricing_quantity, 0)::float8, pricing_unit, coalesce(consumed_quantity, 0)::float8, consumed_unit, pricing_category,
		       service_name, service_category, sku_id, sku_price_id, region_id, availability_zone,
		       resource_id, resource_name, resource_type,
		       commitment_discount_id, commitment_discount_category, commitment_discount_type, commitment_discount_status,
		       tags, extras
		FROM cost_lines`

func scanCostLine(r pgx.CollectableRow) (tally.CostLine, error) {
	var l tally.CostLine
	var category, currency, status string
	var billed, effective, list, contracted string
	err := r.Scan(&l.Provider, &l.BillingAccountID, &l.BillingAccountName, &l.SubAccountID, &l.SubAccountName,
		&l.BillingPeriodStart, &l.BillingPeriodEnd, &l.ChargePeriodStart, &l.ChargePeriodEnd,
		&category, &l.ChargeClass, &l.ChargeDescription, &l.ChargeFrequency, &currency,
		&billed, &effective, &list, &contracted,
		&l.PricingQuantity, &l.PricingUnit, &l.ConsumedQuantity, &l.ConsumedUnit, &l.PricingCategory,
		&l.ServiceName, &l.ServiceCategory, &l.SkuID, &l.SkuPriceID, &l.RegionID, &l.AvailabilityZone,
		&l.ResourceID, &l.ResourceName, &l.ResourceType,
		&l.CommitmentDiscountID, &l.CommitmentDiscountCategory, &l.CommitmentDiscountType, &status,
		&l.Tags, &l.Extras)
	if err != nil {
		return l, err
	}
	l.ChargeCategory, l.CommitmentDiscountStatus = tally.ChargeCategory(category), tally.CommitmentStatus(status)
	for _, f := range []struct {
		dst *tally.Money
		src string
	}{{&l.BilledCost, billed}, {&l.EffectiveCost, effective}, {&l.ListCost, list}, {&l.ContractedCost, contracted}} {
		if *f.dst, err = parseMoney(f.src, currency); err != nil {
			return l, err
		}
	}
	for _, t := range []*time.Time{&l.BillingPeriodStart, &l.BillingPeriodEnd, &l.ChargePeriodStart, &l.ChargePeriodEnd} {
		*t = t.UTC()
	}
	return l, nil
}

// PeriodTotal is the sum of one currency and charge category in a billing period.
type PeriodTotal struct {
	Currency       tally.Currency       `json:"currency"`
	ChargeCategory tally.ChargeCategory `json:"chargeCategory"`
	Rows           int64                `json:"rows"`
	BilledCost     tally.Money          `json:"billedCost"`
	EffectiveCost  tally.Money          `json:"effectiveCost"`
}

// PeriodTotals sums a stored billing period by currency and charge category.
func (db *DB) PeriodTotals(ctx context.Context, key tally.BillingPeriodKey) ([]PeriodTotal, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_currency, charge_category, count(*), sum(billed_cost)::text, sum(effective_cost)::text
		FROM cost_lines WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3
		GROUP BY 1, 2 ORDER BY 1, 2`, key.BillingAccountID, key.Start, key.Source)
	if err != nil {
		return nil, fmt.Errorf("period totals: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PeriodTotal, error) {
		var t PeriodTotal
		var cur, cat, billed, effective string
		if err := r.Scan(&cur, &cat, &t.Rows, &billed, &effective); err != nil {
			return t, err
		}
		t.Currency, t.ChargeCategory = tally.Currency(cur), tally.ChargeCategory(cat)
		var err error
		if t.BilledCost, err = parseMoney(billed, cur); err != nil {
			return t, err
		}
		t.EffectiveCost, err = parseMoney(effective, cur)
		return t, err
	})
}

// BillingPeriod is the stored version of one period of one source.
type BillingPeriod struct {
	Key        tally.BillingPeriodKey `json:"key"`
	RunID      int64                  `json:"runId"`
	Rows       int64                  `json:"rows"`
	IngestedAt time.Time              `json:"ingestedAt"`
}

// BillingPeriods lists the stored periods, newest first.
func (db *DB) BillingPeriods(ctx context.Context) ([]BillingPeriod, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_account_id, billing_period_start, source, run_id, rows, ingested_at
		FROM billing_periods ORDER BY billing_period_start DESC, billing_account_id, source`)
	if err != nil {
		return nil, fmt.Errorf("list billing periods: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (BillingPeriod, error) {
		var p BillingPeriod
		err := r.Scan(&p.Key.BillingAccountID, &p.Key.Start, &p.Key.Source, &p.RunID, &p.Rows, &p.IngestedAt)
		p.Key.Start = p.Key.Start.UTC()
		return p, err
	})
}

// ReplacePeriods is ReplaceBillingPeriods without the per-period counts; it
// is what ingest.Store asks for. Before it waits for another replace of a
// period to commit, it calls waiting (when not nil) with that period.
//
// The periods of the sources in replace that bill usage accounts these
// lines bill in the same account and month lose their lines of those
// usage accounts in the same transaction, instead of refusing the replace
// (see replaceOtherSources); it returns what it so removed.
func (db *DB) ReplacePeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error],
	waiting func(tally.BillingPeriodKey), replace []string) ([]tally.SourceOverlap, error) {
	_, replaced, err := db.replaceBillingPeriods(ctx, source, runID, lines, nil, waiting, replace)
	if err != nil {
		return nil, fmt.Errorf("replace %s billing periods: %w", source, err)
	}
	return replaced, nil
}
