package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/attribution"
)

// recordInputWriteTx records that tx writes data attribution reads of the
// time [from, to): once tx commits, an attributed hour overlapping it whose
// read did not see tx is stale (StaleHours), as for an agent interval.
// The bulk writers (UpsertUsage, AddFunctionSamples) call it; agent
// batches record their intervals instead (claimIntervalsTx). SaveHours
// deletes the row once no hour can be stale by it (pruneInputWritesTx).
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

// lifetimeTable is a table of rows with lifetimes (valid_from, valid_to)
// keyed by cluster_id and key, whose writes recordLifetimeWriteTx records.
type lifetimeTable struct {
	name, key string
	// billed is an SQL condition on a row: it takes its instance's bill
	// lines (a node with an instance id; see agentLifetimeChangesSQL).
	billed string
}

var (
	nodeLifetimes = lifetimeTable{name: "nodes", key: "node_uid", billed: "instance_id <> ''"}
	podLifetimes  = lifetimeTable{name: "pods", key: "pod_uid", billed: "false"}
)

// recordLifetimeWriteTx is recordInputWriteTx for rows of table that tx is
// about to write with the lifetimes [from, to) (to nil: still running;
// billed: as table.billed, nil for none). The span covers their lifetimes
// as written and as stored before, from the earliest start to the latest
// end: the hours a lifetime leaves change too. When a row, written or
// stored, is billed, the span reaches to the bounds of its UTC days.
//
// Call it after tx locked the rows (lockNodesTx, UpsertPods), new ones
// included, and before the write: its statement's snapshot, taken then,
// holds their latest lifetimes, which no other writer changes before tx
// commits. (A span computed before the lock misses the lifetime a writer
// committing in between leaves, once tx overwrites it. Under REPEATABLE
// READ the snapshot is older, but locking a row changed since fails
// instead.)
func recordLifetimeWriteTx(ctx context.Context, tx pgx.Tx, table lifetimeTable, clusters, keys []string, from []time.Time, to []*time.Time, billed []bool) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO input_writes (xid, span_start, span_end)
		SELECT pg_current_xact_id(), CASE WHEN bool_or(b) THEN tally_day_start(min(f)) ELSE min(f) END,
			CASE WHEN bool_or(b) THEN tally_day_end(max(t)) ELSE max(t) END
		FROM (
			SELECT f, coalesce(t, 'infinity') AS t, b FROM unnest($3::timestamptz[], $4::timestamptz[], $5::bool[]) AS n(f, t, b)
			UNION ALL
			SELECT valid_from, coalesce(valid_to, 'infinity'), `+table.billed+` FROM `+table.name+`
			WHERE (cluster_id, `+table.key+`) IN (SELECT * FROM unnest($1::text[], $2::text[]))
		) s
		HAVING max(t) > min(f)`, clusters, keys, from, to, billed)
	if err != nil {
		return fmt.Errorf("record the write of %d %s: %w", len(keys), table.name, err)
	}
	return nil
}

// inputWritePruneAge is how old a row of input_writes must be (from its
// writer's start) before it is pruned. Correctness does not rest on it:
// settleInputWritesTx marks stale every hour read from a snapshot that
// may miss a pruned write. It keeps that rare: such a snapshot was taken
// before the prune, while a deleted write or a transaction older than it
// was running, so only a job or a transaction running about this long
// meets one.
var inputWritePruneAge = time.Hour

// settleInputWritesTx runs at the end of SaveHours' transaction tx, after
// it recorded hours, under the lock of input_writes_pruned's row: saves
// take their turns here, each after the one before committed.
//
// An hour read from a snapshot that may not see a write pruned already (a
// job that read before the prune and saves after it) is recorded as
// written by tx, which the snapshot cannot see (tx's id was assigned
// after it was taken): the hour is stale, and the next run reads it
// again. A snapshot sees every pruned write if it sees the last prune
// (pruned_by: it was taken after that prune ended, and the writes it and
// the earlier prunes deleted had committed before), or if its xmin is
// above every pruned transaction id (pruned_through).
//
// Then it prunes the rows that can make no hour stale any more
// (pruneInputWritesTx).
func settleInputWritesTx(ctx context.Context, tx pgx.Tx, hours []attribution.HourState) error {
	var by, through string
	if err := tx.QueryRow(ctx, `SELECT pruned_by::text, pruned_through::text FROM input_writes_pruned FOR UPDATE`).Scan(&by, &through); err != nil {
		return fmt.Errorf("lock the input writes' prune horizon: %w", err)
	}
	starts, snaps := make([]time.Time, len(hours)), make([]string, len(hours))
	for i, h := range hours {
		starts[i], snaps[i] = h.Hour.Start(), h.Read.Token
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO input_writes (xid, span_start, span_end)
		SELECT pg_current_xact_id(), h, h + interval '1 hour'
		FROM unnest($1::timestamptz[], $2::text[]) AS u(h, snap)
		WHERE NOT pg_visible_in_snapshot($3::text::xid8, snap::pg_snapshot)
		  AND pg_snapshot_xmin(snap::pg_snapshot) <= $4::text::xid8`,
		starts, snaps, by, through)
	if err != nil {
		return fmt.Errorf("mark hours read before a prune of input writes stale: %w", err)
	}
	return pruneInputWritesTx(ctx, tx)
}

// pruneInputWritesTx deletes the input_writes rows that can make no hour
// stale: written inputWritePruneAge ago or more, and seen by the read
// snapshot of every attributed hour their span overlaps. An hour never
// attributed is stale anyway; one attributed later is read after the
// write, or marked stale by settleInputWritesTx. A row whose writer has
// not committed is not seen, so stays. tx holds input_writes_pruned's row
// lock: every save before it has committed, and this statement's snapshot
// sees its hours; every save after it checks its hours against what it
// records: tx as the last prune, and the greatest transaction id deleted.
func pruneInputWritesTx(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
		WITH gone AS (
			DELETE FROM input_writes iw
			WHERE iw.written_at <= now() - $1::float8 * interval '1 second'
			  AND NOT EXISTS (
				SELECT 1 FROM attribution_hours a
				WHERE a.hour < iw.span_end AND a.hour > iw.span_start - interval '1 hour'
				  AND NOT pg_visible_in_snapshot(iw.xid, a.read_snapshot))
			RETURNING iw.xid)
		UPDATE input_writes_pruned
		SET pruned_by = pg_current_xact_id(),
			pruned_through = greatest(pruned_through, (SELECT xid FROM gone ORDER BY xid DESC LIMIT 1))
		WHERE EXISTS (SELECT 1 FROM gone)`, inputWritePruneAge.Seconds())
	if err != nil {
		return fmt.Errorf("prune input writes: %w", err)
	}
	return nil
}
