package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
// resource and service.
const assetSQL = `
	SELECT CASE WHEN $3::interval IS NULL THEN $1::timestamptz ELSE date_bin($3::interval, hour, $1::timestamptz) END AS step,
		a.billing_account_id, a.cluster_id, coalesce(c.provider, ''), a.node_name,
		CASE WHEN a.node_name = '' THEN a.resource_id ELSE '' END AS resource,
		CASE WHEN a.node_name = '' THEN a.service ELSE '' END AS service,
		a.cost_kind,
		CASE WHEN a.node_name = '' THEN ''
			WHEN a.container = '__idle__' THEN 'idle' WHEN a.namespace = 'kube-system' THEN 'system' ELSE 'user' END AS part,
		a.currency, sum(a.effective_cost)::text, sum(a.list_cost)::text, bool_or(a.estimated),
		min(a.hour), max(a.hour) + interval '1 hour',
		(array_agg(a.labels ORDER BY a.hour DESC) FILTER (WHERE a.node_name = '' AND a.labels IS NOT NULL))[1]
	FROM allocations a LEFT JOIN clusters c ON c.cluster_id = a.cluster_id
	WHERE a.hour >= $1 AND a.hour < $2 AND a.cluster_id <> ''
		AND (a.node_name <> '' OR a.cost_kind IN ('pv', 'load-balancer', 'network', 'shared'))
	GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`

// AssetCosts sums the stored allocations of the clusters' billed assets
// per step of q (see attribution.AssetCost). The query is validated first,
// and one taking longer than an allocation query may is cancelled and
// reported as tally.EUnavailable.
func (db *DB) AssetCosts(ctx context.Context, q attribution.AssetQuery) ([]attribution.AssetCost, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var step *time.Duration
	if q.Step > 0 {
		step = &q.Step
	}
	var out []attribution.AssetCost
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		ms := strconv.FormatInt(allocationQueryTimeout.Milliseconds(), 10)
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = "+ms); err != nil {
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
		return nil, tally.Errorf(tally.EUnavailable, "assets for %v took longer than %v, the limit of one query: narrow the window", q.Window, allocationQueryTimeout)
	default:
		return nil, fmt.Errorf("query assets (window %v, step %v): %w", q.Window, q.Step, err)
	}
}
