package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// TryLock runs fn while holding the session advisory lock named name, so
// that across replicas at most one runs it at a time. When another session
// holds the lock, fn is not run and ran is false.
func (db *DB) TryLock(ctx context.Context, name string, fn func(context.Context) error) (ran bool, err error) {
	return db.withLock(ctx, name, "SELECT pg_try_advisory_lock(hashtext($1))", fn)
}

// Lock runs fn while holding the session advisory lock named name, as
// TryLock does, but waits for the lock while another session holds it. The
// wait ends with ctx.
func (db *DB) Lock(ctx context.Context, name string, fn func(context.Context) error) error {
	_, err := db.withLock(ctx, name, "SELECT true FROM pg_advisory_lock(hashtext($1))", fn)
	return err
}

// withLock runs fn if take, a query of one boolean, takes the session
// advisory lock named name, and releases it after.
func (db *DB) withLock(ctx context.Context, name, take string, fn func(context.Context) error) (ran bool, err error) {
	conn, err := db.locks.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, take, name).Scan(&got); err != nil {
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

// periodLockClass is the first key of the two-key transaction advisory
// locks that serialize the writers of one billing period. PostgreSQL keeps
// two-key locks apart from one-key ones (TryLock's hashtext(name), the
// agent's instance lock, tally_create_partitions, tern's migration lock),
// so these cannot collide with them; no other two-key lock uses this class.
const periodLockClass int32 = 0x62696c6c // "bill"

// periodLockKey is a billing period's second lock key: its account's and
// month's, whatever its source, so that a replace checking the other
// sources' periods of the month (replaceOtherSources) sees what any of
// them committed. Two periods may share one: their writers then wait for
// each other, which is only slower.
func periodLockKey(k tally.BillingPeriodKey) int32 {
	h := fnv.New32a()
	h.Write([]byte(k.BillingAccountID + "\x00" + k.Start.UTC().Format("2006-01")))
	return int32(h.Sum32())
}

// lockPeriods takes the transaction advisory locks of the periods in keys,
// in ascending lock key order so that two transactions covering several of
// the same periods cannot deadlock. Before it waits for a lock another
// transaction holds, it calls waiting (when not nil) with that period.
func lockPeriods(ctx context.Context, tx pgx.Tx, keys []tally.BillingPeriodKey, waiting func(tally.BillingPeriodKey)) error {
	byLock := make(map[int32]tally.BillingPeriodKey, len(keys))
	for _, k := range keys {
		if _, ok := byLock[periodLockKey(k)]; !ok {
			byLock[periodLockKey(k)] = k
		}
	}
	for _, id := range slices.Sorted(maps.Keys(byLock)) {
		k := byLock[id]
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, $2)`, periodLockClass, id).Scan(&got); err != nil {
			return fmt.Errorf("lock billing period %s %s %s: %w", k.Source, k.BillingAccountID, k.Start.Format("2006-01"), err)
		}
		if got {
			continue
		}
		if waiting != nil {
			waiting(k)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, periodLockClass, id); err != nil {
			return fmt.Errorf("wait for another ingest of billing period %s %s %s: %w", k.Source, k.BillingAccountID, k.Start.Format("2006-01"), err)
		}
	}
	return nil
}
