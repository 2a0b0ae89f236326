package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// UsageWindow is one container's usage in one fixed window, aggregated from
// the agent's intervals: CPU averaged over the covered time, memory the
// highest working-set peak, OOM kills summed.
type UsageWindow struct {
	Cluster    tally.ClusterID
	PodUID     string
	Container  string
	Start      time.Time
	Measured   time.Duration // the intervals' total length (longer than the window for intervals that are)
	CPUCores   float64
	MemoryPeak int64
	OOMKills   int
}

// UsageWindows returns the usage of every pod container of cluster (all for
// "") in windows of length step (aligned to the Unix epoch) starting in w,
// ordered by cluster, pod, container and window. Usage outside pods is left out.
func (db *DB) UsageWindows(ctx context.Context, cluster tally.ClusterID, w tally.Window, step time.Duration) ([]UsageWindow, error) {
	if step < time.Second {
		return nil, tally.Errorf(tally.EInvalid, "usage windows: step %s is shorter than a second", step)
	}
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, pod_uid, container,
			date_bin(make_interval(secs => $4), interval_start, 'epoch'::timestamptz) AS w,
			sum(extract(epoch FROM interval_end - interval_start))::float8 AS secs,
			sum(cpu_core_seconds) / greatest(sum(extract(epoch FROM interval_end - interval_start))::float8, 1e-9),
			max(memory_working_set_max_bytes), sum(oom_kills)::int
		FROM container_usage
		WHERE ($1 = '' OR cluster_id = $1) AND interval_start >= $2 AND interval_start < $3 AND pod_uid <> ''
		GROUP BY 1, 2, 3, 4
		ORDER BY 1, 2, 3, 4`, cluster, w.Start, w.End, step.Seconds())
	if err != nil {
		return nil, fmt.Errorf("query usage windows: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UsageWindow, error) {
		var u UsageWindow
		var secs float64
		err := r.Scan(&u.Cluster, &u.PodUID, &u.Container, &u.Start, &secs, &u.CPUCores, &u.MemoryPeak, &u.OOMKills)
		u.Start, u.Measured = u.Start.UTC(), time.Duration(secs*float64(time.Second))
		return u, err
	})
}

// UnitPrice is what one workload (or, with Kind and Workload empty, one
// cluster) paid per allocated core-hour and GiB-hour over a window: its
// attributed CPU and RAM cost divided by the core-hours and GiB-hours
// attributed with it.
type UnitPrice struct {
	Cluster       tally.ClusterID
	Namespace     string
	Kind          string
	Workload      string
	CPUCoreHour   tally.Money // zero when nothing was attributed
	MemoryGiBHour tally.Money
}

// AttributedUnitPrices returns the unit prices of every workload with
// allocations in w, and of every cluster as a whole (rows with empty
// Namespace, Kind and Workload), from the effective cost.
func (db *DB) AttributedUnitPrices(ctx context.Context, w tally.Window) ([]UnitPrice, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT cluster_id, coalesce(namespace, ''), coalesce(workload_kind, ''), coalesce(workload, ''), currency,
			coalesce(round(sum(effective_cost) FILTER (WHERE cost_kind = 'cpu')
				/ nullif(sum(cpu_core_hours) FILTER (WHERE cost_kind = 'cpu'), 0)::numeric, 12), 0)::text,
			coalesce(round(sum(effective_cost) FILTER (WHERE cost_kind = 'ram')
				/ nullif(sum(ram_byte_hours) FILTER (WHERE cost_kind = 'ram') / 1073741824.0, 0)::numeric, 12), 0)::text
		FROM allocations
		WHERE hour >= $1 AND hour < $2 AND cluster_id <> '' AND cost_kind IN ('cpu', 'ram')
			AND container NOT IN ('__idle__', '__shared__', '__unallocated__')
		GROUP BY GROUPING SETS ((cluster_id, currency, namespace, workload_kind, workload), (cluster_id, currency))
		ORDER BY 1, 2, 3, 4`, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query attributed unit prices: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UnitPrice, error) {
		var p UnitPrice
		var cur, cpu, mem string
		if err := r.Scan(&p.Cluster, &p.Namespace, &p.Kind, &p.Workload, &cur, &cpu, &mem); err != nil {
			return p, err
		}
		var err error
		if p.CPUCoreHour, err = parseMoney(cpu, cur); err != nil {
			return p, err
		}
		p.MemoryGiBHour, err = parseMoney(mem, cur)
		return p, err
	})
}
