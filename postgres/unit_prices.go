package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// upsertUnitPriceSQL stores a unit price as storeStagedPricesSQL stores a price:
// unless the key's latest earlier one is the same (amount, currency and
// source), replacing one of the same key and effective date. It answers
// whether it stored the unit price, and whether that repriced the hours
// it is in effect for (its amount or currency differs from the unit price
// those hours took before, or they had none).
const upsertUnitPriceSQL = `
	WITH before AS (
		SELECT currency, unit_price FROM unit_prices
		WHERE provider = $1 AND region = $2 AND family = $3 AND unit = $4 AND purchase_option = $5
		ORDER BY effective_from = $8 DESC, effective_from < $8 DESC, abs(extract(epoch FROM effective_from - $8::timestamptz))
		LIMIT 1
	), up AS (
		INSERT INTO unit_prices (provider, region, family, unit, purchase_option, currency, unit_price, effective_from, source)
		SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::numeric, $8::timestamptz, $9::text
		WHERE EXISTS (
			SELECT 1 FROM unit_prices WHERE provider = $1 AND region = $2 AND family = $3 AND unit = $4 AND purchase_option = $5
				AND effective_from = $8)
		OR NOT EXISTS (
			SELECT 1 FROM (
				SELECT currency, unit_price, source FROM unit_prices
				WHERE provider = $1 AND region = $2 AND family = $3 AND unit = $4 AND purchase_option = $5 AND effective_from < $8
				ORDER BY effective_from DESC LIMIT 1
			) latest
			WHERE latest.currency = $6 AND latest.unit_price = $7::numeric AND latest.source = $9)
		ON CONFLICT (provider, region, family, unit, purchase_option, effective_from) DO UPDATE SET
			currency = excluded.currency, unit_price = excluded.unit_price, source = excluded.source
		WHERE (unit_prices.currency, unit_prices.unit_price, unit_prices.source)
			IS DISTINCT FROM (excluded.currency, excluded.unit_price, excluded.source)
		RETURNING 1
	)
	SELECT EXISTS (SELECT 1 FROM up),
		EXISTS (SELECT 1 FROM up) AND NOT EXISTS (SELECT 1 FROM before WHERE currency = $6 AND unit_price = $7::numeric)`

// repricedUnitHoursSQL is repricedHoursSQL for unit prices ($1–$6:
// provider, region, family, unit, purchase option, effective date): the
// hours in which a node its family may price was alive, unbilled. A
// family's unit prices may price the nodes of the family's machine types
// (instance type family-…; n1-custom's also custom-…), a GPU model's any
// node with GPUs in the region; nodes a price of their own prices are among
// them (re-estimating them changes nothing).
const repricedUnitHoursSQL = `
	WITH repriced AS (
		SELECT r.region, r.family, r.unit,
			CASE WHEN EXISTS (
				SELECT 1 FROM unit_prices p WHERE p.provider = r.provider AND p.region = r.region AND p.family = r.family
					AND p.unit = r.unit AND p.purchase_option = r.option AND p.effective_from < r.f)
			THEN r.f ELSE '-infinity' END AS lo,
			coalesce((
				SELECT min(p.effective_from) FROM unit_prices p WHERE p.provider = r.provider AND p.region = r.region
					AND p.family = r.family AND p.unit = r.unit AND p.purchase_option = r.option AND p.effective_from > r.f),
				'infinity') AS hi
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS r(provider, region, family, unit, option, f)
	), through AS (` + billedThroughSQL + `),
	spans AS (
		SELECT tstzrange(date_trunc('hour', greatest(r.lo, n.valid_from, t.through), 'UTC'),
			date_trunc('hour', least(r.hi, coalesce(n.valid_to, 'infinity')) - interval '1 microsecond', 'UTC') + interval '1 hour') AS s
		FROM repriced r
		JOIN nodes n ON n.region = r.region AND CASE WHEN r.unit = 'gpu' THEN n.gpus > 0
			ELSE starts_with(n.instance_type, r.family || '-') OR r.family = 'n1-custom' AND starts_with(n.instance_type, 'custom-') END
		JOIN clusters c ON c.cluster_id = n.cluster_id AND c.billing_account_id <> ''
		LEFT JOIN through t ON t.billing_account_id = c.billing_account_id
		WHERE greatest(r.lo, n.valid_from, t.through) < least(r.hi, coalesce(n.valid_to, 'infinity'))
` + repricedSpansSQL

// SyncCatalog stores prices and unit prices in one transaction, as
// SyncPrices stores prices: all of them or none, each only when it changed,
// and the unbilled hours a changed one prices marked stale and returned in
// Reestimate (the spans of both, merged). Stored and Repriced count both.
func (db *DB) SyncCatalog(ctx context.Context, prices []tally.InstancePrice, units []tally.UnitPrice) (PriceSync, error) {
	var out PriceSync
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		if out, err = syncPrices(ctx, tx, prices); err != nil {
			return err
		}
		var prov, reg, fam, unit, option []string
		var from []time.Time
		for i := 0; i < len(units); i += priceBatch {
			b := &pgx.Batch{}
			for _, u := range units[i:min(i+priceBatch, len(units))] {
				b.Queue(upsertUnitPriceSQL, u.Provider, u.Region, u.Family, u.Unit, u.PurchaseOption, string(u.Price.Currency()),
					money(u.Price), u.EffectiveFrom, u.Source).QueryRow(out.count(func() {
					prov, reg, fam, unit, option = append(prov, u.Provider), append(reg, u.Region), append(fam, u.Family), append(unit, u.Unit), append(option, u.PurchaseOption)
					from = append(from, u.EffectiveFrom)
				}))
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return fmt.Errorf("unit prices: %w", err)
			}
		}
		if len(from) == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, repricedUnitHoursSQL, prov, reg, fam, unit, option, from)
		if err != nil {
			return fmt.Errorf("mark the estimates of hours repriced by unit prices stale: %w", err)
		}
		spans, err := pgx.CollectRows(rows, scanSpan)
		if err != nil {
			return fmt.Errorf("mark the estimates of hours repriced by unit prices stale: %w", err)
		}
		out.Reestimate = mergeSpans(append(out.Reestimate, spans...))
		return nil
	})
	if err != nil {
		return PriceSync{}, fmt.Errorf("upsert %d prices and %d unit prices: %w", len(prices), len(units), err)
	}
	return out, nil
}

// scanSpan reads a span of hours: start, end.
func scanSpan(r pgx.CollectableRow) (tally.Window, error) {
	var w tally.Window
	err := r.Scan(&w.Start, &w.End)
	w.Start, w.End = w.Start.UTC(), w.End.UTC()
	return w, err
}

// mergeSpans sorts spans and merges those that overlap or touch.
func mergeSpans(spans []tally.Window) []tally.Window {
	slices.SortFunc(spans, func(a, b tally.Window) int { return a.Start.Compare(b.Start) })
	var out []tally.Window
	for _, w := range spans {
		if n := len(out); n > 0 && !w.Start.After(out[n-1].End) {
			if w.End.After(out[n-1].End) {
				out[n-1].End = w.End
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// UnitPricesIn returns the unit prices in effect at some time in w: per
// key, the latest that took effect by w's start (or the first, when none
// had), and those taking effect within w.
func (db *DB) UnitPricesIn(ctx context.Context, w tally.Window) ([]tally.UnitPrice, error) {
	rows, err := db.pool.Query(ctx, inEffectSQL("unit_prices", "provider, region, family, unit, purchase_option",
		"provider, region, family, unit, purchase_option, currency, unit_price::text, effective_from, source"), w.Start, w.End)
	if err != nil {
		return nil, fmt.Errorf("query unit prices in %v: %w", w, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.UnitPrice, error) {
		var u tally.UnitPrice
		var cur, price string
		if err := r.Scan(&u.Provider, &u.Region, &u.Family, &u.Unit, &u.PurchaseOption, &cur, &price, &u.EffectiveFrom, &u.Source); err != nil {
			return u, err
		}
		u.EffectiveFrom = u.EffectiveFrom.UTC()
		var err error
		u.Price, err = parseMoney(price, cur)
		return u, err
	})
}

// inEffectSQL selects cols of the rows of table (prices, unit_prices) in
// effect in the window $1–$2: per key, the latest that took effect by $1
// (or the first, when none had), and those taking effect within it.
func inEffectSQL(table, key, cols string) string {
	return `SELECT ` + cols + `
		FROM (
			SELECT *,
				max(effective_from) FILTER (WHERE effective_from <= $1) OVER k AS base,
				min(effective_from) OVER k AS first
			FROM ` + table + `
			WINDOW k AS (PARTITION BY ` + key + `)
		) p
		WHERE effective_from = base OR (effective_from > $1 AND effective_from < $2) OR (base IS NULL AND effective_from = first)
		ORDER BY ` + key + `, effective_from`
}
