package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// PlatformSync is what SaveInstancePlatforms changed.
type PlatformSync struct {
	// Stored counts the instances whose platform is new or changed.
	Stored int
	// Reestimate are the spans of attributed hours (whole hours, sorted,
	// disjoint) whose unbilled node-hours those instances' nodes priced:
	// their estimates are stale, as SyncPrices' Reestimate.
	Reestimate []tally.Window
}

// SaveInstancePlatforms stores the platforms in one transaction, replacing
// an instance's stored one. The unbilled hours of the nodes of the
// instances whose usage operation is new or changed (a node's hours after
// its billing account's bill ends) are recorded as input writes, so their
// estimates are stale, and returned clipped to the attributed hours.
func (db *DB) SaveInstancePlatforms(ctx context.Context, ps []tally.InstancePlatform) (PlatformSync, error) {
	var out PlatformSync
	var prov, id, region, op, details []string
	var read []time.Time
	seen := map[[2]string]bool{}
	for _, p := range slices.Backward(ps) { // an instance's last platform wins
		k := [2]string{p.Provider, p.InstanceID}
		if seen[k] {
			continue
		}
		seen[k] = true
		prov, id, region, op = append(prov, p.Provider), append(id, p.InstanceID), append(region, p.Region), append(op, p.UsageOperation)
		details, read = append(details, p.PlatformDetails), append(read, p.ReadAt)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, upsertPlatformsSQL, prov, id, region, op, details, read)
		if err != nil {
			return err
		}
		changed, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		out.Stored = len(changed)
		if len(changed) == 0 {
			return nil
		}
		if rows, err = tx.Query(ctx, unbilledHoursSQL, changed); err != nil {
			return fmt.Errorf("mark the estimates of their nodes stale: %w", err)
		}
		out.Reestimate, err = pgx.CollectRows(rows, scanSpan)
		return err
	})
	if err != nil {
		return PlatformSync{}, fmt.Errorf("save %d instance platforms: %w", len(ps), err)
	}
	return out, nil
}

// upsertPlatformsSQL stores the platforms ($1–$6: provider, instance id,
// region, usage operation, platform details, read at) and returns the ids
// of the instances whose usage operation is new or changed (old sees the
// table as it was before the upsert).
const upsertPlatformsSQL = `
	WITH incoming AS (
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
			AS r(provider, instance_id, region, usage_operation, platform_details, read_at)
	), upserted AS (
		INSERT INTO instance_platforms (provider, instance_id, region, usage_operation, platform_details, read_at)
		SELECT * FROM incoming
		ON CONFLICT (provider, instance_id) DO UPDATE SET region = excluded.region, usage_operation = excluded.usage_operation,
			platform_details = excluded.platform_details, read_at = excluded.read_at
	)
	SELECT i.instance_id FROM incoming i
	LEFT JOIN instance_platforms old ON old.provider = i.provider AND old.instance_id = i.instance_id
	WHERE old.usage_operation IS DISTINCT FROM i.usage_operation
	ORDER BY 1`

// unbilledHoursSQL records as input writes the unbilled hours of the nodes
// of instances $1 (in a cluster with a billing account, after that
// account's bill ends: the engine estimates only those), widened to whole
// hours and merged, and returns them clipped to the attributed hours. Their
// estimates change when an instance's platform is learned, or its
// cluster's billing account.
const unbilledHoursSQL = `
	WITH through AS (` + billedThroughSQL + `),
	spans AS (
		SELECT tstzrange(date_trunc('hour', greatest(n.valid_from, t.through), 'UTC'),
			date_trunc('hour', coalesce(n.valid_to, 'infinity') - interval '1 microsecond', 'UTC') + interval '1 hour') AS s
		FROM nodes n
		JOIN clusters c ON c.cluster_id = n.cluster_id AND c.billing_account_id <> ''
		LEFT JOIN through t ON t.billing_account_id = c.billing_account_id
		WHERE n.instance_id = ANY($1) AND greatest(n.valid_from, t.through) < coalesce(n.valid_to, 'infinity')
` + repricedSpansSQL

// InstancesWithoutPlatform returns, by region, the ids of the AWS
// instances (a node's provider id aws://…, or none in a cluster on AWS) of
// nodes alive at or after since whose platform is not stored. Nodes
// without a region are under "".
func (db *DB) InstancesWithoutPlatform(ctx context.Context, since time.Time) (map[string][]string, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT n.region, n.instance_id FROM nodes n JOIN clusters c ON c.cluster_id = n.cluster_id
		WHERE (n.provider_id LIKE 'aws://%' OR n.provider_id = '' AND c.provider = 'aws') AND n.instance_id <> ''
			AND (n.valid_to IS NULL OR n.valid_to > $1)
			AND NOT EXISTS (SELECT 1 FROM instance_platforms p WHERE p.provider = 'aws' AND p.instance_id = n.instance_id)
		ORDER BY 1, 2`, since)
	if err != nil {
		return nil, fmt.Errorf("query instances without a platform: %w", err)
	}
	out := map[string][]string{}
	var region, id string
	_, err = pgx.ForEachRow(rows, []any{&region, &id}, func() error {
		out[region] = append(out[region], id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query instances without a platform: %w", err)
	}
	return out, nil
}
