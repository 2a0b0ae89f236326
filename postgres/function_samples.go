package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
)

// Function samples are stored in two kinds of rows (migration 022): agent
// batches append theirs, not compacted, and CompactFunctionSamples moves
// those into the compacted rows, one per hour × container × stack. Readers
// sum both kinds in one statement, so they see the same sums before, during
// and after a compaction.

// AddFunctionSamples adds sample counts to the hour × container × stack
// cells. Their hours are stale once it commits.
func (db *DB) AddFunctionSamples(ctx context.Context, samples []tally.FunctionSample) error {
	if len(samples) == 0 {
		return nil
	}
	lo, hi := samples[0].Hour, samples[0].Hour
	for _, s := range samples {
		lo, hi = min(lo, s.Hour), max(hi, s.Hour)
	}
	write := func() error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if err := recordInputWriteTx(ctx, tx, lo.Start(), hi.End()); err != nil {
				return err
			}
			return insertSamplesTx(ctx, tx, samples, true)
		})
	}
	// The partitions are made only once the samples are known to be kept:
	// made first, those of a pruned day would be made again.
	err := write()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23514" { // no partition of relation … found for row
		if err := ensureTablePartitions(ctx, db.pool, "function_samples", lo.Start(), hi.End()); err != nil {
			return err
		}
		err = write()
	}
	return err
}

// FunctionSamples returns cluster's samples (every cluster's for "") in the
// hours of w, one per hour × container × stack.
func (db *DB) FunctionSamples(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.FunctionSample, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, hour, pod_uid, container, stack_id, sum(samples)::int8, sum(cpu_nanos)::int8
		FROM function_samples
		WHERE ($1 = '' OR cluster_id = $1) AND hour >= $2 AND hour < $3
		GROUP BY cluster_id, hour, pod_uid, container, stack_id
		ORDER BY hour, pod_uid, container, stack_id, cluster_id`, cluster, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query function samples: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.FunctionSample, error) {
		var s tally.FunctionSample
		var hour time.Time
		err := r.Scan(&s.Cluster, &hour, &s.PodUID, &s.Container, &s.StackID, &s.Samples, &s.CPUNanos)
		s.Hour = tally.HourOf(hour)
		return s, err
	})
}

// AppendedFunctionSamples counts the rows agent batches appended that no
// compaction has moved yet: a count that keeps growing means compaction
// falls behind the agents.
func (db *DB) AppendedFunctionSamples(ctx context.Context) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM function_samples WHERE NOT compacted`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count appended function samples: %w", err)
	}
	return n, nil
}

// Compaction is what one CompactFunctionSamples call did.
type Compaction struct {
	Hours    int   // hours that had appended rows
	Appended int64 // appended rows moved
	Merged   int64 // compacted rows they were added to or became
}

// compactChunk is the most appended rows one compaction statement moves:
// each runs in a transaction of its own, so a backlog (agents catching up
// after an outage) is not moved in one long transaction.
var compactChunk = 1_000_000

// CompactFunctionSamples moves the rows agent batches appended into the
// compacted rows of their hour × container × stack, hour by hour, oldest
// first. It changes no sum a reader sees, so it makes no hour stale. Rows
// appended while it runs may be left for the next call. Calls may run
// concurrently; tally serve runs one at a time (TryLock).
func (db *DB) CompactFunctionSamples(ctx context.Context) (Compaction, error) {
	var c Compaction
	for after := (time.Time{}); ; {
		var hour *time.Time
		if err := db.pool.QueryRow(ctx, `SELECT min(hour) FROM function_samples WHERE NOT compacted AND hour >= $1`,
			after).Scan(&hour); err != nil {
			return c, fmt.Errorf("find appended function samples: %w", err)
		}
		if hour == nil {
			return c, nil
		}
		c.Hours++
		for {
			var appended, merged int64
			if err := db.pool.QueryRow(ctx, compactSamplesSQL, *hour, compactChunk).Scan(&appended, &merged); err != nil {
				return c, fmt.Errorf("compact function samples of %s: %w", hour.UTC().Format(time.RFC3339), err)
			}
			c.Appended, c.Merged = c.Appended+appended, c.Merged+merged
			if appended < int64(compactChunk) {
				break
			}
		}
		after = hour.Add(time.Hour)
	}
}

// compactSamplesSQL moves up to $2 appended rows of hour $1 into the
// compacted rows, returning how many it moved and how many compacted rows
// it wrote. The rows are chosen by ctid within the hour's partition.
const compactSamplesSQL = `
	WITH appended AS (
		DELETE FROM function_samples
		WHERE NOT compacted AND hour = $1 AND ctid = ANY (ARRAY(
			SELECT ctid FROM function_samples WHERE NOT compacted AND hour = $1 LIMIT $2))
		RETURNING cluster_id, hour, pod_uid, container, stack_id, samples, cpu_nanos
	), merged AS (
		INSERT INTO function_samples (cluster_id, hour, pod_uid, container, stack_id, samples, cpu_nanos, compacted)
		SELECT cluster_id, hour, pod_uid, container, stack_id, sum(samples), sum(cpu_nanos), true
		FROM appended
		GROUP BY 1, 2, 3, 4, 5
		ORDER BY 1, 2, 3, 4, 5
		` + mergeSamplesConflict + `
		RETURNING 1
	)
	SELECT (SELECT count(*) FROM appended), (SELECT count(*) FROM merged)`

// mergeSamplesConflict adds a compacted row's new samples to the one stored.
const mergeSamplesConflict = `
		ON CONFLICT (cluster_id, hour, pod_uid, container, stack_id) WHERE compacted DO UPDATE SET
			samples = function_samples.samples + excluded.samples,
			cpu_nanos = function_samples.cpu_nanos + excluded.cpu_nanos`

// insertSamplesTx writes samples, summed per hour × container × stack, as
// appended rows, or added to the compacted rows when compacted is set. Agent
// batches append: an insert, with no row to find, lock and update. The
// compacted rows are written in key order so that concurrent writers of the
// same rows wait for each other instead of deadlocking. Samples of an hour
// before SamplesPrunedBefore are refused (tally.EConflict).
func insertSamplesTx(ctx context.Context, tx pgx.Tx, samples []tally.FunctionSample, compacted bool) error {
	if len(samples) == 0 {
		return nil
	}
	first := samples[0].Hour
	for _, s := range samples {
		first = min(first, s.Hour)
	}
	if err := checkSamplesNotPruned(ctx, tx, first); err != nil {
		return err
	}
	q := `
		INSERT INTO function_samples (cluster_id, hour, pod_uid, container, stack_id, samples, cpu_nanos, compacted)
		SELECT cluster_id, hour, pod_uid, container, stack_id, sum(samples), sum(cpu_nanos), $8
		FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::int8[])
			AS t(cluster_id, hour, pod_uid, container, stack_id, samples, cpu_nanos)
		GROUP BY 1, 2, 3, 4, 5`
	if compacted {
		q += `
		ORDER BY 1, 2, 3, 4, 5` + mergeSamplesConflict
	}
	c := sampleColumnsOf(samples)
	if _, err := tx.Exec(ctx, q, c.cluster, c.hour, c.pod, c.container, c.stack, c.count, c.nanos, compacted); err != nil {
		return fmt.Errorf("add %d function samples: %w", len(samples), err)
	}
	return nil
}

// sampleColumns are function samples as the arrays unnest takes.
type sampleColumns struct {
	cluster, pod, container []string
	hour                    []time.Time
	stack, count, nanos     []int64
}

func sampleColumnsOf(samples []tally.FunctionSample) sampleColumns {
	n := len(samples)
	c := sampleColumns{cluster: make([]string, n), pod: make([]string, n), container: make([]string, n),
		hour: make([]time.Time, n), stack: make([]int64, n), count: make([]int64, n), nanos: make([]int64, n)}
	for i, s := range samples {
		c.cluster[i], c.hour[i], c.pod[i], c.container[i] = string(s.Cluster), s.Hour.Start(), s.PodUID, s.Container
		c.stack[i], c.count[i], c.nanos[i] = s.StackID, s.Samples, s.CPUNanos
	}
	return c
}
