package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// UpsertUsage stores usage intervals; an interval sent twice (an agent retry)
// replaces the first copy. The hours the intervals cover are stale once it
// commits, as after an agent batch.
func (db *DB) UpsertUsage(ctx context.Context, usage []tally.ContainerUsage) error {
	if len(usage) == 0 {
		return nil
	}
	lo, hi, end := usage[0].Interval.Start, usage[0].Interval.Start, usage[0].Interval.End
	for _, u := range usage {
		lo, hi, end = minTime(lo, u.Interval.Start), maxTime(hi, u.Interval.Start), maxTime(end, u.Interval.End)
	}
	// A microsecond past the last start: PostgreSQL's resolution.
	if err := ensureTablePartitions(ctx, db.pool, "container_usage", lo, hi.Add(time.Microsecond)); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := recordInputWriteTx(ctx, tx, lo, end); err != nil {
			return err
		}
		return upsertUsageTx(ctx, tx, usage)
	})
}

// Usage returns cluster's usage intervals starting in w (all clusters for "").
func (db *DB) Usage(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.ContainerUsage, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, interval_start, interval_end, pod_uid, container, node_name, cpu_core_seconds,
			memory_working_set_avg_bytes, memory_working_set_max_bytes, memory_rss_max_bytes, oom_kills, cpu_throttled_seconds
		FROM container_usage
		WHERE ($1 = '' OR cluster_id = $1) AND interval_start >= $2 AND interval_start < $3
		ORDER BY interval_start, cluster_id, pod_uid, container`, cluster, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query usage: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.ContainerUsage, error) {
		var u tally.ContainerUsage
		err := r.Scan(&u.Cluster, &u.Interval.Start, &u.Interval.End, &u.PodUID, &u.Container, &u.NodeName, &u.CPUCoreSeconds,
			&u.MemoryWorkingSetAvg, &u.MemoryWorkingSetMax, &u.MemoryRSSMax, &u.OOMKills, &u.CPUThrottledSeconds)
		u.Interval.Start, u.Interval.End = u.Interval.Start.UTC(), u.Interval.End.UTC()
		return u, err
	})
}

// UpsertStacks stores stacks not stored yet (a stack's id is a hash of its frames).
func (db *DB) UpsertStacks(ctx context.Context, stacks []tally.Stack) error {
	b := &pgx.Batch{}
	for _, s := range stacks {
		b.Queue(`INSERT INTO stacks (cluster_id, stack_id, frames) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			s.Cluster, s.ID, s.Frames)
	}
	if err := db.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("upsert %d stacks: %w", len(stacks), err)
	}
	return nil
}

// Stacks returns the stacks of cluster with the given ids.
func (db *DB) Stacks(ctx context.Context, cluster tally.ClusterID, ids []int64) ([]tally.Stack, error) {
	rows, err := db.pool.Query(ctx, `SELECT cluster_id, stack_id, frames FROM stacks WHERE cluster_id = $1 AND stack_id = ANY($2) ORDER BY stack_id`, cluster, ids)
	if err != nil {
		return nil, fmt.Errorf("query stacks: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Stack, error) {
		var s tally.Stack
		return s, r.Scan(&s.Cluster, &s.ID, &s.Frames)
	})
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
