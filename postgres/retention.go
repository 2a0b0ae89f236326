package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// prunableTables are the tables Prune drops old partitions of: the agents'
// raw data (usage, function samples, reporting intervals) and the hourly
// results attribution computes from it (allocations, stack costs by hour).
// The bill (cost_lines) and the daily rollups (allocations_daily,
// allocations_owner_daily, stack_costs) are kept: every view over whole
// days still reads them.
var prunableTables = []string{"allocations", "stack_cost_hours", "container_usage", "function_samples", "agent_intervals"}

// settingPrunedBefore is the settings key of PrunedBefore.
const settingPrunedBefore = "retention.pruned_before"

// pruneLockTimeout bounds how long Prune waits for the locks DROP TABLE
// takes on a partition's parent: queries queue behind a waiting DROP, so it
// gives up, to be tried again, rather than stall them.
const pruneLockTimeout = "5s"

// Partition is a partition of one of the tables Prune drops old partitions of.
type Partition struct {
	Table  string
	Name   string
	Window tally.Window // the range of time it holds
	Bytes  int64        // on disk, indexes and TOAST included
}

// PrunablePartitions returns the partitions of the hourly and raw tables
// (usage, function samples, agent intervals, allocations, stack costs by
// hour) whose whole range ends at or before before, oldest first.
func (db *DB) PrunablePartitions(ctx context.Context, before time.Time) ([]Partition, error) {
	return partitionsBefore(ctx, db.pool, prunableTables, before)
}

// partitionsBefore returns the partitions of tables whose whole range ends
// at or before before, oldest first.
func partitionsBefore(ctx context.Context, q querier, tables []string, before time.Time) ([]Partition, error) {
	rows, err := q.Query(ctx, `
		SELECT p.parent, c.relname, p.grain, pg_total_relation_size(c.oid)
		FROM tally_partitioned p
		JOIN pg_inherits i ON i.inhparent = to_regclass(p.parent)
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE p.parent = ANY($1)`, tables)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	parts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Partition, error) {
		var p Partition
		var grain string
		err := r.Scan(&p.Table, &p.Name, &grain, &p.Bytes)
		if err == nil {
			p.Window, err = partitionWindow(p.Table, p.Name, grain)
		}
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	var out []Partition
	for _, p := range parts {
		if !p.Window.End.After(before) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Partition) int {
		if c := a.Window.Start.Compare(b.Window.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// partitionWindow reads the range of a partition from its name, which
// tally_create_partitions writes as parent_pYYYY_MM (grain month) or
// parent_pYYYY_MM_DD (grain day).
func partitionWindow(parent, name, grain string) (tally.Window, error) {
	suffix, ok := strings.CutPrefix(name, parent+"_p")
	layout := map[string]string{"month": "2006_01", "day": "2006_01_02"}[grain]
	start, err := time.Parse(layout, suffix)
	if !ok || layout == "" || err != nil {
		return tally.Window{}, fmt.Errorf("partition %s of %s (grain %s): not named as tally_create_partitions names them", name, parent, grain)
	}
	end := start.AddDate(0, 1, 0)
	if grain == "day" {
		end = start.AddDate(0, 0, 1)
	}
	return tally.Window{Start: start, End: end}, nil
}

// Prune drops the partitions PrunablePartitions returns for before and
// returns them. In the same transaction it records how far they reached
// (PrunedBefore): the hours before can no longer be attributed, and
// queries that read hourly allocations refuse windows that start before.
// It gives up, leaving everything as it was, when a lock it needs is not
// free within a few seconds (a long query on one of the tables).
func (db *DB) Prune(ctx context.Context, before time.Time) ([]Partition, error) {
	parts, err := db.PrunablePartitions(ctx, before)
	if err != nil || len(parts) == 0 {
		return nil, err
	}
	var through time.Time
	for _, p := range parts {
		if p.Window.End.After(through) {
			through = p.Window.End
		}
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := recordPrunedTx(ctx, tx, settingPrunedBefore, through); err != nil {
			return err
		}
		return dropPartitionsTx(ctx, tx, parts)
	})
	if err != nil {
		return nil, fmt.Errorf("prune before %s: %w", tally.FormatDay(before), err)
	}
	return parts, nil
}

// recordPrunedTx sets tx's lock timeout (pruneLockTimeout) and moves the
// setting key, how far partitions were dropped, to through unless it is
// further already. The setting's row stays locked until tx ends: writers
// that check it (checkNotPruned) wait for tx.
func recordPrunedTx(ctx context.Context, tx pgx.Tx, key string, through time.Time) error {
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '"+pruneLockTimeout+"'"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO settings (key, value, updated_by) VALUES ($1, to_jsonb($2::timestamptz), 'prune')
		ON CONFLICT (key) DO UPDATE SET value = to_jsonb(greatest((settings.value #>> '{}')::timestamptz, $2::timestamptz)),
			updated_at = now(), updated_by = excluded.updated_by`, key, through); err != nil {
		return fmt.Errorf("record pruned hours: %w", err)
	}
	return nil
}

// dropPartitionsTx drops parts in tx.
func dropPartitionsTx(ctx context.Context, tx pgx.Tx, parts []Partition) error {
	for _, p := range parts {
		if _, err := tx.Exec(ctx, "DROP TABLE "+pgx.Identifier{p.Name}.Sanitize()); err != nil {
			return fmt.Errorf("drop %s: %w", p.Name, err)
		}
	}
	return nil
}

// PrunedBefore returns the time before which Prune dropped hourly and raw
// data: the zero time when it never dropped any.
func (db *DB) PrunedBefore(ctx context.Context) (time.Time, error) {
	return prunedBefore(ctx, db.pool, settingPrunedBefore, "")
}

// prunedBefore reads the setting key (settingPrunedBefore,
// settingSamplesPrunedBefore) through q; lock "FOR SHARE" makes a
// transaction that writes hours wait for a prune under way, and the prune
// for it.
func prunedBefore(ctx context.Context, q querier, key, lock string) (time.Time, error) {
	var t time.Time
	err := q.QueryRow(ctx, `SELECT (value #>> '{}')::timestamptz FROM settings WHERE key = $1 `+lock, key).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read %s: %w", key, err)
	}
	return t.UTC(), nil
}

// checkNotPruned returns an error with tally.EConflict when first, the
// first time a transaction writes hourly or raw data of, is before
// PrunedBefore: what writes there would either replace what was attributed
// from the dropped data with what is left (attribution), or never be
// attributed at all (a late agent batch). why says what is refused and why.
// It holds the setting's row until tx ends, so a Prune waits for tx (or tx
// for it).
func checkNotPruned(ctx context.Context, tx pgx.Tx, first time.Time, why string) error {
	pruned, err := prunedBefore(ctx, tx, settingPrunedBefore, "FOR SHARE")
	if err != nil {
		return err
	}
	if first.Before(pruned) {
		return tally.Errorf(tally.EConflict, "%s: the hourly and raw data before %s were pruned; %s",
			first.UTC().Format(time.RFC3339), tally.FormatDay(pruned), why)
	}
	return nil
}

// checkHourlyKept returns an error with tally.EInvalid when w starts before
// PrunedBefore: a query of what (allocations, assets) that reads hourly
// allocations would sum only the part of w still kept.
func (db *DB) checkHourlyKept(ctx context.Context, what string, w tally.Window) error {
	pruned, err := db.PrunedBefore(ctx)
	if err != nil {
		return err
	}
	if w.Start.Before(pruned) {
		return tally.Errorf(tally.EInvalid, "%s for %v: hourly allocations before %s were pruned (tally prune); start the window on or after it, or aggregate by what the daily rollups keep (cluster, namespace, controller, container, label) over whole days",
			what, w, tally.FormatDay(pruned))
	}
	return nil
}
