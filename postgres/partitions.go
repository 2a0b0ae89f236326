package postgres

import (
	"context"
	"fmt"
	"time"
)

// EnsurePartitions creates the missing partitions of every partitioned table
// for [from, to) and returns how many it created.
func (db *DB) EnsurePartitions(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, "SELECT tally_create_all_partitions($1, $2)", from, to).Scan(&n); err != nil {
		return 0, fmt.Errorf("create partitions %s–%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return n, nil
}

// ensureTablePartitions is EnsurePartitions for one table, through q. Given
// a transaction, the partition creators' advisory lock and a SHARE UPDATE
// EXCLUSIVE lock on table (which readers and writers pass, other creators
// do not) are held until it ends: a long transaction creates its
// partitions with db.pool before it begins.
func ensureTablePartitions(ctx context.Context, q querier, table string, from, to time.Time) error {
	if _, err := q.Exec(ctx, "SELECT tally_create_partitions($1, $2, $3)", table, from, to); err != nil {
		return fmt.Errorf("create %s partitions %s–%s: %w", table, from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return nil
}
