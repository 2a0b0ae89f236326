package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// readCharged runs read in one read-only snapshot, with the earliest and
// latest billing_period_start (nil when none) of the stored periods whose
// charge span (billing_periods.charge_span_start/end) overlaps w: the only
// periods that can hold lines charged in w.
//
// A line is not always billed in the month it is charged in: usage reported
// late and credits for past usage are invoiced in a later month, corrections
// of past periods land in the current one, and fees may be billed ahead. So
// no fixed lag between the two is sound. Passed to the query as values, the
// bounds let the planner prune the monthly partitions outside them and
// estimate the rest as it does any constant (computed inside the query, they
// would leave it guessing, and it picks whole-partition index scans); the
// rows are then selected by charge period. The snapshot makes the bounds
// and the lines agree: ingest records a period's span in the transaction
// that stores its lines.
func (db *DB) readCharged(ctx context.Context, w tally.Window, read func(q pgx.Tx, lo, hi *time.Time) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var lo, hi *time.Time
		err := tx.QueryRow(ctx, `
			SELECT min(billing_period_start), max(billing_period_start) FROM billing_periods
			WHERE charge_span_start < $2 AND charge_span_end > $1`, w.Start, w.End).Scan(&lo, &hi)
		if err != nil {
			return fmt.Errorf("find the billing periods charged in %v: %w", w, err)
		}
		return read(tx, lo, hi)
	})
}

// retireChargeSpan records, in the transaction that replaces billing period
// k, the charge span prev the period had before when neither its new span
// next (zero when it now holds no line) nor its month covers it: the replace
// may have withdrawn lines charged in the hours prev covers, which must be
// recomputed although the period no longer spans them. StaleHours makes
// them stale until read after this transaction (its xid is recorded, as
// billing_periods.ingest_xid): once, not at every later replace.
//
// Replaces of a period are serialized, so a read that does not see an
// earlier replace of k does not see this one either: the period's earlier
// retired spans within prev, next or its month say nothing more, and are
// deleted.
func retireChargeSpan(ctx context.Context, tx pgx.Tx, k tally.BillingPeriodKey, prev, next tally.Window) error {
	month := tally.Window{Start: k.Start, End: k.Start.AddDate(0, 1, 0)}
	within := func(a, b tally.Window) bool {
		return !b.Start.IsZero() && !a.Start.Before(b.Start) && !a.End.After(b.End)
	}
	if within(prev, next) || within(prev, month) {
		return nil
	}
	_, err := tx.Exec(ctx, `
		WITH covered AS (
			DELETE FROM retired_charge_spans
			WHERE billing_account_id = $1 AND billing_period_start = $2 AND source = $3
			  AND ((span_start >= $4 AND span_end <= $5) OR (span_start >= $2 AND span_end <= $6)
			    OR (span_start >= $7 AND span_end <= $8))
		)
		INSERT INTO retired_charge_spans (billing_account_id, billing_period_start, source, ingest_xid, span_start, span_end)
		VALUES ($1, $2, $3, pg_current_xact_id(), $4, $5)`,
		k.BillingAccountID, k.Start, k.Source, prev.Start, prev.End, month.End, nullTime(next.Start), nullTime(next.End))
	if err != nil {
		return fmt.Errorf("record the charge span %v that %s %s %s no longer has: %w", prev, k.Source, k.BillingAccountID, k.Start.Format("2006-01"), err)
	}
	return nil
}
