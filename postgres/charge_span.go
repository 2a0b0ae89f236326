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
