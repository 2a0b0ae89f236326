package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// upsertPriceSQL stores a price unless the key's latest earlier price is
// the same (amount, currency, shape and source): a catalog synced every day
// adds rows when prices change, not every day, and a price's effective date
// stays the day it took effect. A price with the same key and effective
// date is replaced (a second sync the same day wins, even when it goes
// back to the earlier price).
//
// It answers whether it stored the price, and whether that repriced the
// hours it is in effect for: its amount or currency differs from the price
// those hours took before (the row it replaced; else the key's latest
// earlier price; else, for hours before the key's first price, that first
// price), or they had none. A price stored again only because its source
// or shape changed reprices nothing.
const upsertPriceSQL = `
	WITH before AS (
		SELECT currency, hourly_price FROM prices
		WHERE provider = $1 AND region = $2 AND instance_type = $3 AND purchase_option = $4 AND operating_system = $5 AND zone = $13
		ORDER BY effective_from = $11 DESC, effective_from < $11 DESC, abs(extract(epoch FROM effective_from - $11::timestamptz))
		LIMIT 1
	), up AS (
		INSERT INTO prices (provider, region, instance_type, purchase_option, operating_system, zone, currency, hourly_price,
			vcpus, memory_bytes, gpus, effective_from, source)
		SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $13::text, $6::text, $7::numeric, $8::numeric, $9::bigint, $10::integer,
			$11::timestamptz, $12::text
		WHERE EXISTS (
			SELECT 1 FROM prices WHERE provider = $1 AND region = $2 AND instance_type = $3 AND purchase_option = $4
				AND operating_system = $5 AND zone = $13 AND effective_from = $11)
		OR NOT EXISTS (
			SELECT 1 FROM (
				SELECT currency, hourly_price, vcpus, memory_bytes, gpus, source FROM prices
				WHERE provider = $1 AND region = $2 AND instance_type = $3 AND purchase_option = $4 AND operating_system = $5 AND zone = $13
					AND effective_from < $11
				ORDER BY effective_from DESC LIMIT 1
			) latest
			WHERE latest.currency = $6 AND latest.hourly_price = $7::numeric AND latest.vcpus = $8::numeric
				AND latest.memory_bytes = $9 AND latest.gpus = $10 AND latest.source = $12)
		ON CONFLICT (provider, region, instance_type, purchase_option, operating_system, zone, effective_from) DO UPDATE SET
			currency = excluded.currency, hourly_price = excluded.hourly_price, vcpus = excluded.vcpus,
			memory_bytes = excluded.memory_bytes, gpus = excluded.gpus, source = excluded.source
		WHERE (prices.currency, prices.hourly_price, prices.vcpus, prices.memory_bytes, prices.gpus, prices.source)
			IS DISTINCT FROM (excluded.currency, excluded.hourly_price, excluded.vcpus, excluded.memory_bytes, excluded.gpus, excluded.source)
		RETURNING 1
	)
	SELECT EXISTS (SELECT 1 FROM up),
		EXISTS (SELECT 1 FROM up) AND NOT EXISTS (SELECT 1 FROM before WHERE currency = $6 AND hourly_price = $7::numeric)`

// priceBatch is how many prices UpsertPrices sends in one round trip.
const priceBatch = 2000

// UpsertPrices stores prices as SyncPrices does, without its account of
// what changed.
func (db *DB) UpsertPrices(ctx context.Context, prices []tally.InstancePrice) error {
	_, err := db.SyncPrices(ctx, prices)
	return err
}

// PriceSync is what SyncPrices changed.
type PriceSync struct {
	// Stored counts the prices stored: new, or changed since the key's
	// latest earlier price. The others were in the catalog already.
	Stored int
	// Repriced counts the stored prices whose amount or currency differs
	// from the price the hours they are in effect for took before, or
	// that price hours which had none.
	Repriced int
	// Reestimate are the spans of attributed hours (whole hours, sorted,
	// disjoint) whose unbilled node-hours the repriced prices price: their
	// estimates are stale (StaleHours), and attributing these spans again
	// re-estimates them at the new prices. Billed hours are never in them.
	Reestimate []tally.Window
}

// SyncPrices stores prices in one transaction: all of them or, when one
// fails, none (a sync that fails part-way leaves the catalog as it was).
// Prices that did not change since the key's latest earlier price are not
// stored again (upsertPriceSQL).
//
// A price that reprices hours (a new or corrected amount, or a first price
// for an instance type that had none) makes the estimates of those hours
// stale, in the same transaction: the hours in which it is in effect (from
// its effective date, or from the start for its key's first price, to the
// key's next price) and a node of its region and instance type was alive
// after its billing account's bill ends (billedThroughSQL). Each hour is
// estimated at the price in effect in it, so a price taking effect today
// leaves yesterday's estimates as they are. The spans are recorded as
// input writes (StaleHours; serve's attribution recomputes them within the
// hour) and returned, clipped to the attributed hours, for the caller to
// re-estimate them now.
func (db *DB) SyncPrices(ctx context.Context, prices []tally.InstancePrice) (PriceSync, error) {
	var out PriceSync
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		out, err = syncPrices(ctx, tx, prices)
		return err
	})
	if err != nil {
		return PriceSync{}, fmt.Errorf("upsert %d prices: %w", len(prices), err)
	}
	return out, nil
}

// count returns the scan of an upsert's (stored, repriced) row, which
// counts both and calls repriced for a price that changes estimates.
func (out *PriceSync) count(repriced func()) func(pgx.Row) error {
	return func(r pgx.Row) error {
		var stored, changed bool
		if err := r.Scan(&stored, &changed); err != nil {
			return err
		}
		if stored {
			out.Stored++
		}
		if changed {
			out.Repriced++
			repriced()
		}
		return nil
	}
}

// syncPrices is SyncPrices in transaction tx.
func syncPrices(ctx context.Context, tx pgx.Tx, prices []tally.InstancePrice) (PriceSync, error) {
	var out PriceSync
	var prov, reg, itype, option, osys, zone []string
	var from []time.Time
	for i := 0; i < len(prices); i += priceBatch {
		b := &pgx.Batch{}
		for _, p := range prices[i:min(i+priceBatch, len(prices))] {
			os := p.OperatingSystem
			if os == "" {
				os = "linux"
			}
			b.Queue(upsertPriceSQL,
				p.Provider, p.Region, p.InstanceType, p.PurchaseOption, os, string(p.HourlyPrice.Currency()),
				money(p.HourlyPrice), p.VCPUs, p.MemoryBytes, p.GPUs, p.EffectiveFrom, p.Source, p.Zone).QueryRow(out.count(func() {
				prov, reg, itype, option, osys = append(prov, p.Provider), append(reg, p.Region), append(itype, p.InstanceType), append(option, p.PurchaseOption), append(osys, os)
				zone, from = append(zone, p.Zone), append(from, p.EffectiveFrom)
			}))
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return out, err
		}
	}
	if len(from) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, repricedHoursSQL, prov, reg, itype, option, osys, zone, from)
	if err != nil {
		return out, fmt.Errorf("mark the estimates of repriced hours stale: %w", err)
	}
	out.Reestimate, err = pgx.CollectRows(rows, scanSpan)
	if err != nil {
		return out, fmt.Errorf("mark the estimates of repriced hours stale: %w", err)
	}
	return out, nil
}

// repricedSpansSQL ends repricedHoursSQL and repricedUnitHoursSQL: the
// node-hour spans of CTE spans, merged, recorded as written by this
// transaction (so attribution finds them stale), and returned cut to the
// hours attributed.
const repricedSpansSQL = `
	), merged AS (
		SELECT lower(s) AS span_start, upper(s) AS span_end FROM unnest((SELECT range_agg(s) FROM spans)) AS s
	), recorded AS (
		INSERT INTO input_writes (xid, span_start, span_end)
		SELECT pg_current_xact_id(), span_start, span_end FROM merged
	), attributed AS (
		SELECT min(hour) AS first, max(hour) + interval '1 hour' AS last FROM attribution_hours
	)
	SELECT greatest(m.span_start, a.first), least(m.span_end, a.last)
	FROM merged m, attributed a
	WHERE a.first IS NOT NULL AND greatest(m.span_start, a.first) < least(m.span_end, a.last)
	ORDER BY 1`

// repricedHoursSQL records as input writes the spans of hours whose
// estimates the repriced prices ($1–$7: provider, region, instance type,
// purchase option, operating system, zone, effective date) change, and
// returns them clipped to the attributed hours. A price is in effect from
// its effective date (from the start, for a region's first: a zone's
// first prices the hours before it at the region's) to its key's
// next; the hours it changes are those in which a node of its region and
// instance type (any purchase option and operating system: a node without a
// price of its own is estimated at the on-demand or Linux one), and of its
// zone for a zone's price (a region's prices the nodes of every zone: those
// without a price of their zone), was alive, in a cluster
// with a billing account, after that account's bill ends (unbilled: the
// engine estimates only those). The spans are widened to whole hours and
// merged.
const repricedHoursSQL = `
	WITH repriced AS (
		SELECT r.region, r.instance_type, r.zone,
			CASE WHEN r.zone <> '' OR EXISTS (
				SELECT 1 FROM prices p WHERE p.provider = r.provider AND p.region = r.region AND p.instance_type = r.instance_type
					AND p.purchase_option = r.option AND p.operating_system = r.os AND p.zone = r.zone AND p.effective_from < r.f)
			THEN r.f ELSE '-infinity' END AS lo,
			coalesce((
				SELECT min(p.effective_from) FROM prices p WHERE p.provider = r.provider AND p.region = r.region AND p.instance_type = r.instance_type
					AND p.purchase_option = r.option AND p.operating_system = r.os AND p.zone = r.zone AND p.effective_from > r.f),
				'infinity') AS hi
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
			AS r(provider, region, instance_type, option, os, zone, f)
	), through AS (` + billedThroughSQL + `),
	spans AS (
		SELECT tstzrange(date_trunc('hour', greatest(r.lo, n.valid_from, t.through), 'UTC'),
			date_trunc('hour', least(r.hi, coalesce(n.valid_to, 'infinity')) - interval '1 microsecond', 'UTC') + interval '1 hour') AS s
		FROM repriced r
		JOIN nodes n ON n.region = r.region AND n.instance_type = r.instance_type AND (r.zone = '' OR n.zone = r.zone)
		JOIN clusters c ON c.cluster_id = n.cluster_id AND c.billing_account_id <> ''
		LEFT JOIN through t ON t.billing_account_id = c.billing_account_id
		WHERE greatest(r.lo, n.valid_from, t.through) < least(r.hi, coalesce(n.valid_to, 'infinity'))
` + repricedSpansSQL

// PriceFilter selects prices; empty fields match everything.
type PriceFilter struct {
	Provider, Region, InstanceType, PurchaseOption string
	// Zones selects the prices of single zones (AWS spot) too; without
	// it, only the prices of whole regions (for AWS spot, the mean over
	// the zones).
	Zones bool
}

// Prices returns the latest price of each matching key.
func (db *DB) Prices(ctx context.Context, f PriceFilter) ([]tally.InstancePrice, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT ON (provider, region, instance_type, purchase_option, operating_system, zone)
			provider, region, zone, instance_type, purchase_option, operating_system, currency, hourly_price::text,
			vcpus::float8, memory_bytes, gpus, effective_from, source
		FROM prices
		WHERE ($1 = '' OR provider = $1) AND ($2 = '' OR region = $2) AND ($3 = '' OR instance_type = $3)
			AND ($4 = '' OR purchase_option = $4) AND ($5 OR zone = '')
		ORDER BY provider, region, instance_type, purchase_option, operating_system, zone, effective_from DESC`,
		f.Provider, f.Region, f.InstanceType, f.PurchaseOption, f.Zones)
	if err != nil {
		return nil, fmt.Errorf("query prices: %w", err)
	}
	return pgx.CollectRows(rows, scanPrice)
}

// scanPrice reads a price row: provider, region, zone, instance_type,
// purchase_option, operating_system, currency, hourly_price::text,
// vcpus::float8, memory_bytes, gpus, effective_from, source.
func scanPrice(r pgx.CollectableRow) (tally.InstancePrice, error) {
	var p tally.InstancePrice
	var cur, price string
	if err := r.Scan(&p.Provider, &p.Region, &p.Zone, &p.InstanceType, &p.PurchaseOption, &p.OperatingSystem, &cur, &price,
		&p.VCPUs, &p.MemoryBytes, &p.GPUs, &p.EffectiveFrom, &p.Source); err != nil {
		return p, err
	}
	p.EffectiveFrom = p.EffectiveFrom.UTC()
	var err error
	p.HourlyPrice, err = parseMoney(price, cur)
	return p, err
}
