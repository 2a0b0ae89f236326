package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// Function samples are the largest of the raw tables (a row per hour ×
// container × stack), and attribution reads them once per hour: the stack
// costs it saves by hour (stack_cost_hours) keep what they split. So they
// can be kept for less time than the rest (PruneSamples): an hour attributed
// again after its samples were dropped, when a late bill changes its costs,
// splits each container's new CPU cost as its saved stack costs split the
// old one (attribution.Job).

// settingSamplesPrunedBefore is the settings key of SamplesPrunedBefore.
const settingSamplesPrunedBefore = "retention.samples_pruned_before"

// SamplesPrune is what PruneSamples drops, or would drop
// (PlanSamplesPrune).
type SamplesPrune struct {
	// Partitions are the days of function samples dropped, oldest first.
	Partitions []Partition
	// Unread, when HasUnread, is the first hour before the time asked for
	// whose samples no attribution has read: it was not attributed since
	// they were stored (or only before stack costs were saved by hour).
	// Its day and the later ones are kept, to be dropped once it is.
	Unread    tally.Hour
	HasUnread bool
}

// PlanSamplesPrune returns what PruneSamples would drop for before, and
// drops nothing.
func (db *DB) PlanSamplesPrune(ctx context.Context, before time.Time) (SamplesPrune, error) {
	return planSamplesPrune(ctx, db.pool, before)
}

// PruneSamples drops the days of function samples that end at or before
// before, from the oldest on, up to the first day with an hour whose
// samples no attribution has read (SamplesPrune.Unread), and returns them.
// In the same transaction it records how far they reached
// (SamplesPrunedBefore): agent data with samples of the hours before is
// refused from then on. Like Prune, it gives up, leaving everything as it
// was, when a lock it needs is not free within a few seconds.
func (db *DB) PruneSamples(ctx context.Context, before time.Time) (SamplesPrune, error) {
	var plan SamplesPrune
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// Lock the setting's row first, so that samples written from now
		// on wait for this transaction and are checked against what it
		// records, and those written before are seen by the plan.
		if err := recordPrunedTx(ctx, tx, settingSamplesPrunedBefore, time.Time{}); err != nil {
			return err
		}
		var err error
		if plan, err = planSamplesPrune(ctx, tx, before); err != nil || len(plan.Partitions) == 0 {
			return err
		}
		through := plan.Partitions[len(plan.Partitions)-1].Window.End
		if err := recordPrunedTx(ctx, tx, settingSamplesPrunedBefore, through); err != nil {
			return err
		}
		return dropPartitionsTx(ctx, tx, plan.Partitions)
	})
	if err != nil {
		return SamplesPrune{}, fmt.Errorf("prune function samples before %s: %w", tally.FormatDay(before), err)
	}
	return plan, nil
}

func planSamplesPrune(ctx context.Context, q querier, before time.Time) (SamplesPrune, error) {
	var plan SamplesPrune
	parts, err := partitionsBefore(ctx, q, []string{"function_samples"}, before)
	if err != nil || len(parts) == 0 {
		return plan, err
	}
	var unread time.Time
	err = q.QueryRow(ctx, unreadSamplesSQL, parts[0].Window.Start, parts[len(parts)-1].Window.End).Scan(&unread)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		plan.Partitions = parts
		return plan, nil
	case err != nil:
		return plan, fmt.Errorf("find hours whose samples were not attributed: %w", err)
	}
	plan.Unread, plan.HasUnread = tally.HourOf(unread), true
	for _, p := range parts {
		if p.Window.End.After(unread) {
			break
		}
		plan.Partitions = append(plan.Partitions, p)
	}
	return plan, nil
}

// unreadSamplesSQL returns the first hour of [$1, $2) whose samples no
// attribution has read: one never attributed that has samples, one whose
// stack costs were saved only in a daily sum, or one attributed from a read
// that did not see all of its input.
const unreadSamplesSQL = `
	SELECT h FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') h
	LEFT JOIN attribution_hours a ON a.hour = h
	WHERE CASE WHEN a.hour IS NULL THEN EXISTS (SELECT 1 FROM function_samples s WHERE s.hour = h)
		ELSE NOT a.stacks_by_hour OR ` + inputsSinceReadSQL + ` END
	ORDER BY h LIMIT 1`

// SamplesPrunedBefore returns the time before which PruneSamples dropped
// function samples: the zero time when it never dropped any. The hours
// before it are attributed again from their saved stack costs.
func (db *DB) SamplesPrunedBefore(ctx context.Context) (time.Time, error) {
	return prunedBefore(ctx, db.pool, settingSamplesPrunedBefore, "")
}

// checkSamplesNotPruned returns an error with tally.EConflict when first,
// the earliest hour of samples tx writes, is before SamplesPrunedBefore:
// attribution no longer reads samples of those hours. Like checkNotPruned,
// it holds the setting's row until tx ends.
func checkSamplesNotPruned(ctx context.Context, tx pgx.Tx, first tally.Hour) error {
	pruned, err := prunedBefore(ctx, tx, settingSamplesPrunedBefore, "FOR SHARE")
	if err != nil {
		return err
	}
	if first.Start().Before(pruned) {
		return tally.Errorf(tally.EConflict, "function samples of %s: the samples before %s were pruned (tally prune --keep-samples), and those hours are attributed from the stack costs saved from them",
			first.Start().Format(time.RFC3339), tally.FormatDay(pruned))
	}
	return nil
}

// SavedStackCosts returns the stack costs saved by hour for the hours of
// w, and the CPU cost (cost kind CPU, summed over pods) of the workloads'
// containers they split, from the hours' saved allocations.
func (db *DB) SavedStackCosts(ctx context.Context, w tally.Window) ([]attribution.StackCost, []attribution.WorkloadCPU, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, hour, namespace, workload_kind, workload, container, image, stack_id, currency, effective_cost::text, samples
		FROM stack_cost_hours WHERE hour >= $1 AND hour < $2`, w.Start, w.End)
	if err != nil {
		return nil, nil, fmt.Errorf("query stack costs by hour: %w", err)
	}
	stacks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.StackCost, error) {
		var s attribution.StackCost
		var hour time.Time
		var cur, cost string
		if err := r.Scan(&s.Cluster, &hour, &s.Namespace, &s.WorkloadKind, &s.Workload, &s.Container, &s.Image, &s.StackID,
			&cur, &cost, &s.Samples); err != nil {
			return s, err
		}
		s.Hour = tally.HourOf(hour)
		var err error
		s.Cost, err = parseMoney(cost, cur)
		return s, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query stack costs by hour: %w", err)
	}
	rows, err = db.pool.Query(ctx, `
		SELECT a.cluster_id, a.hour, a.namespace, a.workload_kind, a.workload, a.container, a.currency, sum(a.effective_cost)::text
		FROM allocations a
		WHERE a.hour >= $1 AND a.hour < $2 AND a.cost_kind = $3 AND a.pod_uid <> ''
		  AND EXISTS (SELECT 1 FROM stack_cost_hours s
			WHERE s.hour = a.hour AND s.cluster_id = a.cluster_id AND s.namespace = a.namespace
			  AND s.workload_kind = a.workload_kind AND s.workload = a.workload AND s.container = a.container)
		GROUP BY 1, 2, 3, 4, 5, 6, 7`, w.Start, w.End, tally.CostCPU)
	if err != nil {
		return nil, nil, fmt.Errorf("query the CPU cost stack costs split: %w", err)
	}
	cpu, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.WorkloadCPU, error) {
		var c attribution.WorkloadCPU
		var hour time.Time
		var cur, cost string
		if err := r.Scan(&c.Cluster, &hour, &c.Namespace, &c.WorkloadKind, &c.Workload, &c.Container, &cur, &cost); err != nil {
			return c, err
		}
		c.Hour = tally.HourOf(hour)
		var err error
		c.Cost, err = parseMoney(cost, cur)
		return c, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query the CPU cost stack costs split: %w", err)
	}
	return stacks, cpu, nil
}
