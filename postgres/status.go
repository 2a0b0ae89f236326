package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// DataStatus counts what has arrived: billing periods, clusters, pods,
// agent tokens, attributed hours and those of them with costs, and the
// estimated node-hours of the hours with estimates, and the clusters
// without a billing account. Every count reads a small table or an index.
func (db *DB) DataStatus(ctx context.Context) (tally.DataStatus, error) {
	var s tally.DataStatus
	var lastIngest, first, last, firstCosted, lastCosted *time.Time
	err := db.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM billing_periods),
			(SELECT max(finished_at) FROM ingest_runs WHERE status = 'committed'),
			(SELECT count(*) FROM clusters),
			(SELECT count(*) FROM pods),
			(SELECT count(*) FROM tokens WHERE kind = 'agent' AND revoked_at IS NULL),
			(SELECT min(hour) FROM attribution_hours),
			(SELECT max(hour) FROM attribution_hours),
			(SELECT count(*) FROM attribution_hours),
			(SELECT count(*) FROM attribution_hours WHERE estimated),
			(SELECT coalesce(sum(estimated_node_hours), 0) FROM attribution_hours WHERE estimated),
			(SELECT coalesce(sum(node_hours), 0) FROM attribution_hours WHERE estimated),
			(SELECT min(hour) FROM attribution_hours WHERE allocations > 0),
			(SELECT max(hour) FROM attribution_hours WHERE allocations > 0)`).
		Scan(&s.BillingPeriods, &lastIngest, &s.Clusters, &s.Pods, &s.AgentTokens, &first, &last, &s.AttributedHours, &s.EstimatedHours,
			&s.EstimatedNodeHours, &s.EstimatedHoursNodeHours,
			&firstCosted, &lastCosted)
	if err != nil {
		return s, fmt.Errorf("read data status: %w", err)
	}
	s.LastIngest, s.FirstAttributed, s.LastAttributed = fromNullTime(lastIngest), fromNullTime(first), fromNullTime(last)
	s.FirstCosted, s.LastCosted = fromNullTime(firstCosted), fromNullTime(lastCosted)
	if s.HourlySince, err = db.PrunedBefore(ctx); err != nil {
		return s, fmt.Errorf("read data status: %w", err)
	}
	if s.SamplesSince, err = db.SamplesPrunedBefore(ctx); err != nil {
		return s, fmt.Errorf("read data status: %w", err)
	}
	rows, err := db.pool.Query(ctx, `SELECT cluster_id FROM clusters WHERE billing_account_id = '' ORDER BY 1`)
	if err == nil {
		s.ClustersWithoutAccount, err = pgx.CollectRows(rows, pgx.RowTo[tally.ClusterID])
	}
	if err != nil {
		return s, fmt.Errorf("read data status: clusters without a billing account: %w", err)
	}
	return s, nil
}
