package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// assetSQL sums the hourly allocations of clusters' billed assets per step
// ($3: the step, or NULL for one step from $1) and asset: a node's rows
// (cpu, ram, gpu, idle included) by who they went to, and the other rows
// of a cluster (volumes, load balancers, network, shared costs) by billed
// resource and service, with the resource's tags (the greatest, should
// they change in the window). Pod labels stay out of the aggregate: they
// would widen every row of a node.
const assetSQL = `
	SELECT g.step, g.billing_account_id, g.cluster_id, coalesce(c.provider, ''), g.node_name, g.resource, g.service, g.cost_kind, g.part,
		g.currency, g.cost, g.list, g.estimated, g.first, g.last, g.labels
	FROM (
		SELECT CASE WHEN $3::interval IS NULL THEN $1::timestamptz ELSE date_bin($3::interval, hour, $1::timestamptz) END AS step,
			billing_account_id, cluster_id, node_name,
			CASE WHEN node_name = '' THEN resource_id ELSE '' END AS resource,
			CASE WHEN node_name = '' THEN service ELSE '' END AS service,
			cost_kind,
			CASE WHEN node_name = '' THEN ''
				WHEN container = '__idle__' THEN 'idle' WHEN namespace = 'kube-system' THEN 'system' ELSE 'user' END AS part,
			currency, sum(effective_cost)::text AS cost, sum(list_cost)::text AS list, bool_or(estimated) AS estimated,
			min(hour) AS first, max(hour) + interval '1 hour' AS last,
			max((CASE WHEN node_name = '' THEN labels END)::text)::jsonb AS labels
		FROM allocations
		WHERE hour >= $1 AND hour < $2 AND cluster_id <> ''
			AND (node_name <> '' OR cost_kind IN ('pv', 'load-balancer', 'network', 'shared'))
		GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
	) g LEFT JOIN clusters c ON c.cluster_id = g.cluster_id`

// assetWorkMem is the work_mem of an asset query: the planner, which
// overestimates its groups (an hour's rows of a node are few), sorts a
// quarter's million rows on disk under the default 4 MB (6 s on the demo)
// where hashing them takes a few MB (1 s).
const assetWorkMem = "64MB"

// AssetCosts sums the stored allocations of the clusters' billed assets
// per step of q (see attribution.AssetCost). The query is validated first,
// and one taking longer than an allocation query may is cancelled and
// reported as tally.EUnavailable.
func (db *DB) AssetCosts(ctx context.Context, q attribution.AssetQuery) ([]attribution.AssetCost, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := db.checkHourlyKept(ctx, "assets", q.Window); err != nil {
		return nil, err
	}
	var step *time.Duration
	if q.Step > 0 {
		step = &q.Step
	}
	var out []attribution.AssetCost
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := db.setQueryTimeout(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '"+assetWorkMem+"'"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, assetSQL, q.Window.Start, q.Window.End, step)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (attribution.AssetCost, error) {
			var c attribution.AssetCost
			var cur, cost, list string
			err := r.Scan(&c.Start, &c.Account, &c.Cluster, &c.Provider, &c.Node, &c.ResourceID, &c.Service, &c.Kind, &c.Part,
				&cur, &cost, &list, &c.Estimated, &c.Ran.Start, &c.Ran.End, &c.Labels)
			if err != nil {
				return c, err
			}
			c.Start, c.Ran.Start, c.Ran.End = c.Start.UTC(), c.Ran.Start.UTC(), c.Ran.End.UTC()
			if c.Cost, err = parseMoney(cost, cur); err != nil {
				return c, err
			}
			c.List, err = parseMoney(list, cur)
			return c, err
		})
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return out, nil
	case errors.As(err, &pgErr) && pgErr.Code == "57014" && ctx.Err() == nil:
		return nil, tally.Errorf(tally.EUnavailable, "assets for %v took longer than %v, the limit of one query: narrow the window", q.Window, db.queryTimeout)
	default:
		return nil, fmt.Errorf("query assets (window %v, step %v): %w", q.Window, q.Step, err)
	}
}

// SubAccounts returns the sub-account (GCP project, AWS usage account,
// FOCUS SubAccountId) of the cost lines of each of resources charged in w,
// by resource id; of the latest such line where they differ. Resources
// without one are left out.
func (db *DB) SubAccounts(ctx context.Context, w tally.Window, resources []string) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT ON (resource_id) resource_id, sub_account_id FROM cost_lines
		WHERE resource_id = ANY($1) AND resource_id <> '' AND charge_period_start < $3 AND charge_period_end > $2 AND sub_account_id <> ''
			AND charge_period_start >= $2::timestamptz - interval '`+maxChargePeriod+`' -- the index's range: from the window, not the resource's first line
		ORDER BY resource_id, charge_period_start DESC`, resources, w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query sub-accounts of %d resources (window %v): %w", len(resources), w, err)
	}
	out := map[string]string{}
	var id, sub string
	_, err = pgx.ForEachRow(rows, []any{&id, &sub}, func() error {
		out[id] = sub
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query sub-accounts of %d resources (window %v): %w", len(resources), w, err)
	}
	return out, nil
}

// DiskByteHours returns the storage the bill charged for each of
// resources (disks) in w, in byte-hours, by resource and step (from w's
// start; one step of all of w when step is 0): of its usage lines, GCP's
// byte-seconds, and AWS's GB-months (GiB prorated by the hours of the
// month) times the hours of their month, spread evenly over the hours a
// line charges, as its cost is (a daily line over its 24). GCP's gibibyte
// months are not read: its byte-seconds are exact, whatever length of
// month its pricing unit assumes.
func (db *DB) DiskByteHours(ctx context.Context, w tally.Window, step time.Duration, resources []string) (map[string]map[time.Time]float64, error) {
	if step <= 0 {
		step = w.Duration()
	}
	rows, err := db.pool.Query(ctx, `
		WITH l AS (
			SELECT resource_id, greatest(charge_period_start, $2) AS s, least(charge_period_end, $3) AS e,
				CASE WHEN lower(consumed_unit) = 'byte-seconds' THEN consumed_quantity
					ELSE pricing_quantity * extract(epoch FROM
						(date_trunc('month', charge_period_start AT TIME ZONE 'UTC') + interval '1 month') - date_trunc('month', charge_period_start AT TIME ZONE 'UTC'))
						* 1073741824 END
					/ extract(epoch FROM charge_period_end - charge_period_start) AS rate -- bytes
			FROM cost_lines
			WHERE resource_id = ANY($1) AND resource_id <> '' AND charge_period_start < $3 AND charge_period_end > $2 AND charge_period_end > charge_period_start
				AND charge_period_start >= $2::timestamptz - interval '`+maxChargePeriod+`' -- the index's range: from the window, not the disk's first line
				AND charge_category = 'Usage'
				AND (lower(consumed_unit) = 'byte-seconds' AND consumed_quantity IS NOT NULL
					OR lower(pricing_unit) IN ('gb-mo', 'gb-month', 'gib-month') AND pricing_quantity IS NOT NULL)
		)
		SELECT resource_id, $2 + i * $4::interval AS step,
			sum(rate * extract(epoch FROM least(e, $2 + (i + 1) * $4::interval) - greatest(s, $2 + i * $4::interval)) / 3600)::float8
		FROM l, generate_series(floor(extract(epoch FROM s - $2) / extract(epoch FROM $4::interval))::int,
			ceil(extract(epoch FROM e - $2) / extract(epoch FROM $4::interval))::int - 1) AS i
		GROUP BY 1, 2`, resources, w.Start, w.End, step)
	if err != nil {
		return nil, fmt.Errorf("query the storage of %d disks (window %v): %w", len(resources), w, err)
	}
	out := map[string]map[time.Time]float64{}
	var id string
	var at time.Time
	var byteHours float64
	_, err = pgx.ForEachRow(rows, []any{&id, &at, &byteHours}, func() error {
		if out[id] == nil {
			out[id] = map[time.Time]float64{}
		}
		out[id][at.UTC()] = byteHours
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query the storage of %d disks (window %v): %w", len(resources), w, err)
	}
	return out, nil
}
