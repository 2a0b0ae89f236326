package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// StackSpend returns a workload's cost per stack over the days of f.Window.
func (db *DB) StackSpend(ctx context.Context, f attribution.StackFilter) ([]attribution.StackSpend, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT st.frames, s.currency, sum(s.effective_cost)::text, sum(s.samples)
		FROM stack_costs s JOIN stacks st ON st.cluster_id = s.cluster_id AND st.stack_id = s.stack_id
		WHERE s.day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND s.day < ($2::timestamptz AT TIME ZONE 'UTC')::date
		  AND s.namespace = $3 AND s.workload = $4
		  AND ($5 = '' OR s.cluster_id = $5) AND ($6 = '' OR s.container = $6) AND ($7 = '' OR s.image = $7)
		GROUP BY s.cluster_id, s.stack_id, st.frames, s.currency
		ORDER BY 3 DESC`, f.Window.Start, f.Window.End, f.Namespace, f.Workload, f.Cluster, f.Container, f.Image)
	if err != nil {
		return nil, fmt.Errorf("query stack costs of %s/%s: %w", f.Namespace, f.Workload, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.StackSpend, error) {
		var s attribution.StackSpend
		var cur, cost string
		if err := r.Scan(&s.Frames, &cur, &cost, &s.Samples); err != nil {
			return s, err
		}
		var err error
		s.Cost, err = parseMoney(cost, cur)
		return s, err
	})
}

// ProfiledContainers returns the containers of f's workload with stack
// costs over the days of f.Window, in f's cluster and container when it
// names them (its image aside), by cluster and name.
func (db *DB) ProfiledContainers(ctx context.Context, f attribution.StackFilter) ([]attribution.ProfiledContainer, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT cluster_id, container FROM stack_costs
		WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
		  AND namespace = $3 AND workload = $4 AND ($5 = '' OR cluster_id = $5) AND ($6 = '' OR container = $6)
		ORDER BY 1, 2`, f.Window.Start, f.Window.End, f.Namespace, f.Workload, f.Cluster, f.Container)
	if err != nil {
		return nil, fmt.Errorf("query profiled containers of %s/%s: %w", f.Namespace, f.Workload, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.ProfiledContainer, error) {
		var c attribution.ProfiledContainer
		var cluster string
		err := r.Scan(&cluster, &c.Container)
		c.Cluster = tally.ClusterID(cluster)
		return c, err
	})
}

// ProfiledWorkloads returns the workloads with stack costs over the days of
// w, the most expensive first (one row per currency they were costed in).
func (db *DB) ProfiledWorkloads(ctx context.Context, w tally.Window) ([]attribution.ProfiledWorkload, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT namespace, workload, currency, sum(effective_cost)::text
		FROM stack_costs
		WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < ($2::timestamptz AT TIME ZONE 'UTC')::date
		GROUP BY 1, 2, 3
		ORDER BY sum(effective_cost) DESC, 1, 2, 3`, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query profiled workloads: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.ProfiledWorkload, error) {
		var p attribution.ProfiledWorkload
		var cur, cost string
		if err := r.Scan(&p.Namespace, &p.Workload, &cur, &cost); err != nil {
			return p, err
		}
		var err error
		p.Cost, err = parseMoney(cost, cur)
		return p, err
	})
}

// WorkloadImages lists the images a workload's profiled containers ran in
// w, oldest first, with when the pods running each in those days ran (a
// workload's pods are those its controller owns, or the pod of its name
// when it has none, as tally.Pod.Workload names them).
func (db *DB) WorkloadImages(ctx context.Context, namespace, workload string, start, end time.Time) ([]attribution.ImageSpan, error) {
	rows, err := db.pool.Query(ctx, `
		WITH spans AS (
			SELECT container, image, min(day) AS first, max(day) AS last FROM stack_costs
			WHERE namespace = $1 AND workload = $2 AND day >= $3::date AND day < $4::date
			GROUP BY 1, 2)
		SELECT s.container, s.image, s.first, s.last, r.ran_from, r.ran_to
		FROM spans s LEFT JOIN LATERAL (
			SELECT min(p.valid_from) AS ran_from,
				CASE WHEN bool_or(p.valid_to IS NULL) THEN NULL ELSE max(p.valid_to) END AS ran_to
			FROM pods p JOIN containers c ON c.cluster_id = p.cluster_id AND c.pod_uid = p.pod_uid
			WHERE p.namespace = $1 AND (p.owner_name = $2 OR (p.owner_kind = '' AND p.name = $2))
				AND c.name = s.container AND c.image = s.image
				AND p.valid_from < (s.last + 1)::timestamp AT TIME ZONE 'UTC'
				AND coalesce(p.valid_to, 'infinity') > s.first::timestamp AT TIME ZONE 'UTC') r ON true
		ORDER BY 3, 1, 2`, namespace, workload, start, end)
	if err != nil {
		return nil, fmt.Errorf("query images of %s/%s: %w", namespace, workload, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.ImageSpan, error) {
		var s attribution.ImageSpan
		var from, to *time.Time
		if err := r.Scan(&s.Container, &s.Image, &s.First, &s.Last, &from, &to); err != nil {
			return s, err
		}
		s.From, s.To = fromNullTime(from), fromNullTime(to)
		return s, nil
	})
}
