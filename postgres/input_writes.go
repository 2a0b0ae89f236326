package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// recordInputWriteTx records that tx writes data attribution reads of the
// time [from, to): once tx commits, an attributed hour overlapping it whose
// read did not see tx is stale (StaleHours), as for an agent interval.
// The bulk writers (UpsertUsage, AddFunctionSamples) call it; agent
// batches record their intervals instead (claimIntervalsTx).
func recordInputWriteTx(ctx context.Context, tx pgx.Tx, from, to time.Time) error {
	if !to.After(from) {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO input_writes (xid, span_start, span_end) VALUES (pg_current_xact_id(), $1, $2)`,
		from, to); err != nil {
		return fmt.Errorf("record the write of data of %s–%s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return nil
}

// recordLifetimeWriteTx is recordInputWriteTx for rows of table (pods or
// nodes, keyed by cluster_id and key) that tx is about to write with the
// lifetimes [from, to) (to nil: still running). The span covers their
// lifetimes as written and as stored before, from the earliest start to
// the latest end: the hours a lifetime leaves change too. Call it before
// the write.
func recordLifetimeWriteTx(ctx context.Context, tx pgx.Tx, table, key string, clusters, keys []string, from []time.Time, to []*time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO input_writes (xid, span_start, span_end)
		SELECT pg_current_xact_id(), min(f), max(t) FROM (
			SELECT f, coalesce(t, 'infinity') AS t FROM unnest($3::timestamptz[], $4::timestamptz[]) AS n(f, t)
			UNION ALL
			SELECT valid_from, coalesce(valid_to, 'infinity') FROM `+table+`
			WHERE (cluster_id, `+key+`) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		) s
		HAVING max(t) > min(f)`, clusters, keys, from, to)
	if err != nil {
		return fmt.Errorf("record the write of %d %s: %w", len(keys), table, err)
	}
	return nil
}
