package postgres

import (
	"context"
	"fmt"
)

// TryLock runs fn while holding the session advisory lock named name, so
// that across replicas at most one runs it at a time. When another session
// holds the lock, fn is not run and ran is false.
func (db *DB) TryLock(ctx context.Context, name string, fn func(context.Context) error) (ran bool, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", name).Scan(&got); err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !got {
		return false, nil
	}
	defer func() {
		// Unlock on a fresh context: ctx may be cancelled by now.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", name); uerr != nil && err == nil {
			err = fmt.Errorf("unlock %s: %w", name, uerr)
		}
	}()
	return true, fn(ctx)
}
