package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

var allocationColumns = []string{
	"billing_account_id", "hour", "cluster_id", "node_name", "namespace", "workload_kind", "workload",
	"pod_uid", "pod", "container", "cost_kind", "currency", "effective_cost", "billed_cost", "list_cost", "estimated",
	"cpu_core_hours", "cpu_request_core_hours", "cpu_usage_core_hours",
	"ram_byte_hours", "ram_request_byte_hours", "ram_usage_byte_hours", "gpu_hours",
	"service", "resource_id", "labels", "ran_start", "ran_end",
}

// ReplaceAllocations makes allocs the allocations of every account for the
// hours of w (and keeps the daily rollup in step), in one transaction.
func (db *DB) ReplaceAllocations(ctx context.Context, w tally.Window, allocs []tally.Allocation) error {
	hours := w.Hours()
	err := db.ensureHourPartitions(ctx, hours)
	if err == nil {
		err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error { return replaceHours(ctx, tx, hours, allocs, false) })
	}
	if err != nil {
		return fmt.Errorf("replace allocations for %v: %w", w, err)
	}
	return nil
}

// copyAllocations copies allocs into table; each must be in an hour in.
func copyAllocations(ctx context.Context, tx pgx.Tx, table string, in func(tally.Hour) bool, allocs []tally.Allocation) error {
	i := 0
	labels := labelsJSON{}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, allocationColumns, pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(allocs) {
			return nil, nil
		}
		a := &allocs[i]
		i++
		if !in(a.Hour) {
			return nil, fmt.Errorf("allocation at %v is outside the hours being replaced", a.Hour)
		}
		return []any{a.BillingAccountID, a.Hour.Start(), a.Cluster, a.Node, a.Namespace, a.WorkloadKind, a.Workload,
			a.PodUID, a.Pod, a.Container, a.CostKind, string(a.EffectiveCost.Currency()),
			money(a.EffectiveCost), money(a.BilledCost), money(a.ListCost), a.Estimated,
			a.CPUCoreHours, a.CPURequestCoreHours, a.CPUUsageCoreHours,
			a.RAMByteHours, a.RAMRequestByteHours, a.RAMUsageByteHours, a.GPUHours,
			a.Service, a.ResourceID, labels.encode(a.Labels), nullTime(a.Ran.Start), nullTime(a.Ran.End)}, nil
	}))
	if err != nil {
		return fmt.Errorf("copy allocations: %w", err)
	}
	return nil
}

// labelsJSON encodes label maps as JSON once per map: the allocations of
// a pod, every kind of cost in every hour, share its labels map, so a
// batch has a few times fewer maps than rows.
type labelsJSON map[unsafe.Pointer]json.RawMessage

// encode returns m as jsonb, nil for a nil map.
func (c labelsJSON) encode(m map[string]string) any {
	if m == nil {
		return nil
	}
	key := reflect.ValueOf(m).UnsafePointer()
	b, ok := c[key]
	if !ok {
		var err error
		if b, err = json.Marshal(m); err != nil {
			return m // let pgx report it
		}
		c[key] = b
	}
	return b
}

// Allocations returns the allocations of account ("" for all) in w.
func (db *DB) Allocations(ctx context.Context, account string, w tally.Window) ([]tally.Allocation, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT billing_account_id, hour, cluster_id, node_name, namespace, workload_kind, workload, pod_uid, pod, container,
			cost_kind, currency, effective_cost::text, billed_cost::text, list_cost::text, estimated,
			cpu_core_hours, cpu_request_core_hours, cpu_usage_core_hours, ram_byte_hours, ram_request_byte_hours,
			ram_usage_byte_hours, gpu_hours, service, resource_id, labels, ran_start, ran_end
		FROM allocations WHERE ($1 = '' OR billing_account_id = $1) AND hour >= $2 AND hour < $3
		ORDER BY hour, billing_account_id, cluster_id, node_name, pod_uid, container, cost_kind, service, resource_id, labels::text`, account, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query allocations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.Allocation, error) {
		var a tally.Allocation
		var cur, effective, billed, list string
		var hour time.Time
		var ranStart, ranEnd *time.Time
		err := r.Scan(&a.BillingAccountID, &hour, &a.Cluster, &a.Node, &a.Namespace, &a.WorkloadKind, &a.Workload, &a.PodUID,
			&a.Pod, &a.Container, &a.CostKind, &cur, &effective, &billed, &list, &a.Estimated,
			&a.CPUCoreHours, &a.CPURequestCoreHours, &a.CPUUsageCoreHours, &a.RAMByteHours, &a.RAMRequestByteHours,
			&a.RAMUsageByteHours, &a.GPUHours, &a.Service, &a.ResourceID, &a.Labels, &ranStart, &ranEnd)
		if err != nil {
			return a, err
		}
		a.Hour = tally.HourOf(hour)
		a.Ran = tally.Window{Start: fromNullTime(ranStart), End: fromNullTime(ranEnd)}
		if a.EffectiveCost, err = parseMoney(effective, cur); err != nil {
			return a, err
		}
		if a.BilledCost, err = parseMoney(billed, cur); err != nil {
			return a, err
		}
		a.ListCost, err = parseMoney(list, cur)
		return a, err
	})
}

// NodeCost is the node cost (CPU, RAM and GPU pools) one namespace of a
// cluster was allocated on one day; Namespace is tally.IdleName for idle.
type NodeCost struct {
	Day       time.Time
	Cluster   tally.ClusterID
	Namespace string
	Cost      tally.Money
}

// NodeCostsByNamespace returns each day's node cost per cluster and
// namespace, idle included, from the daily rollup.
func (db *DB) NodeCostsByNamespace(ctx context.Context, w tally.Window) ([]NodeCost, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT day, cluster_id, CASE WHEN container = $3 THEN $3 ELSE namespace END, currency, sum(effective_cost)::text
		FROM allocations_daily
		WHERE day >= $1::date AND day < $2::date AND cost_kind IN ('cpu', 'ram', 'gpu')
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3`, w.Start, w.End, tally.IdleName)
	if err != nil {
		return nil, fmt.Errorf("query node costs by namespace: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (NodeCost, error) {
		var c NodeCost
		var cur, sum string
		if err := r.Scan(&c.Day, &c.Cluster, &c.Namespace, &cur, &sum); err != nil {
			return c, err
		}
		var err error
		c.Day = c.Day.UTC()
		c.Cost, err = parseMoney(sum, cur)
		return c, err
	})
}
