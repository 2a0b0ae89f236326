package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// priceKey is the key of a price in the catalog, but for its effective
// date.
const priceKey = `provider, region, instance_type, purchase_option, operating_system, zone`

// priceColumns are the columns of a price in the catalog.
var priceColumns = []string{"provider", "region", "instance_type", "purchase_option", "operating_system", "zone", "currency",
	"hourly_price", "vcpus", "memory_bytes", "gpus", "effective_from", "source"}

// storeStagedPricesSQL stores the prices of staged_prices (one of each key)
// unless the key's latest earlier price is the same (amount, currency,
// shape and source): a catalog synced every day adds rows when prices
// change, not every day, and a price's effective date stays the day it
// took effect. A price with the same key and effective date is replaced
// (a second sync the same day wins, even when it goes back to the earlier
// price).
//
// A stored price reprices the hours it is in effect for when its amount or
// currency differs from the price those hours took before (the row it
// replaces; else the key's latest earlier price; else, for hours before the
// key's first price, that first price), or they had none; its key and
// effective date go into repriced_prices. A price stored again only because
// its source or shape changed reprices nothing. The statement answers how
// many prices it stored and how many of them reprice hours.
//
// The catalog's prices of the staged keys are matched by one hash join and
// summed up per staged price by plain aggregates: the effective dates of the
// key's latest earlier price and of the latest earlier one that is the
// same (the same price when they are equal), and so on.
const storeStagedPricesSQL = `
	WITH known AS (
		SELECT s.ctid AS id,
			bool_or(p.effective_from = s.effective_from) AS on_day,
			bool_or(p.effective_from = s.effective_from AND ` + samePriceSQL + `) AS same_on_day,
			bool_or(p.effective_from = s.effective_from AND ` + sameAmountSQL + `) AS amount_on_day,
			max(p.effective_from) FILTER (WHERE p.effective_from < s.effective_from) AS latest,
			max(p.effective_from) FILTER (WHERE p.effective_from < s.effective_from AND ` + samePriceSQL + `) AS latest_same,
			max(p.effective_from) FILTER (WHERE p.effective_from < s.effective_from AND ` + sameAmountSQL + `) AS latest_amount,
			min(p.effective_from) FILTER (WHERE p.effective_from > s.effective_from) AS first,
			min(p.effective_from) FILTER (WHERE p.effective_from > s.effective_from AND ` + sameAmountSQL + `) AS first_amount
		FROM staged_prices s JOIN prices p USING (` + priceKey + `)
		GROUP BY s.ctid
	), staged AS (
		SELECT s.*,
			CASE WHEN k.on_day THEN NOT k.same_on_day ELSE NOT coalesce(k.latest_same = k.latest, false) END AS store,
			CASE WHEN k.on_day THEN k.amount_on_day WHEN k.latest IS NOT NULL THEN coalesce(k.latest_amount = k.latest, false)
				ELSE coalesce(k.first_amount = k.first, false) END AS same_amount
		FROM staged_prices s LEFT JOIN known k ON k.id = s.ctid
	), stored AS (
		INSERT INTO prices (` + priceKey + `, currency, hourly_price, vcpus, memory_bytes, gpus, effective_from, source)
		SELECT ` + priceKey + `, currency, hourly_price, vcpus, memory_bytes, gpus, effective_from, source FROM staged WHERE store
		ON CONFLICT (` + priceKey + `, effective_from) DO UPDATE SET
			currency = excluded.currency, hourly_price = excluded.hourly_price, vcpus = excluded.vcpus,
			memory_bytes = excluded.memory_bytes, gpus = excluded.gpus, source = excluded.source
	), repriced AS (
		INSERT INTO repriced_prices SELECT ` + priceKey + `, effective_from FROM staged WHERE store AND NOT same_amount
	)
	SELECT count(*) FILTER (WHERE store), count(*) FILTER (WHERE store AND NOT same_amount) FROM staged`

// samePriceSQL is whether catalog price p is staged price s but for its
// key and effective date; sameAmountSQL, whether it has its amount.
const (
	samePriceSQL  = `(p.currency, p.hourly_price, p.vcpus, p.memory_bytes, p.gpus, p.source) = (s.currency, s.hourly_price, s.vcpus, s.memory_bytes, s.gpus, s.source)`
	sameAmountSQL = `(p.currency, p.hourly_price) = (s.currency, s.hourly_price)`
)

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
// stored again (storeStagedPricesSQL).
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

// syncPrices is SyncPrices in transaction tx. It stores the prices round
// by round (priceRounds), so that a key priced twice is stored as two
// syncs would store it: each with one statement (storeStagedPricesSQL), or,
// the first into an empty catalog (tally demo's, a first pricing sync's),
// by copying them in (insertPrices).
func syncPrices(ctx context.Context, tx pgx.Tx, prices []tally.InstancePrice) (PriceSync, error) {
	var out PriceSync
	if err := createPriceStages(ctx, tx); err != nil {
		return out, err
	}
	// Syncs take turns (readers do not wait), so that what each finds
	// in the catalog stays so until it commits.
	if _, err := tx.Exec(ctx, `LOCK TABLE prices IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return out, fmt.Errorf("lock the catalog: %w", err)
	}
	var empty bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM prices)`).Scan(&empty); err != nil {
		return out, fmt.Errorf("read the catalog: %w", err)
	}
	for n, round := range priceRounds(prices) {
		if n == 0 && empty {
			if err := insertPrices(ctx, tx, round); err != nil {
				return out, fmt.Errorf("store prices: %w", err)
			}
			out.Stored, out.Repriced = len(round), len(round)
			continue
		}
		stored, repriced, err := storeStagedPrices(ctx, tx, round)
		if err != nil {
			return out, fmt.Errorf("store prices: %w", err)
		}
		out.Stored += stored
		out.Repriced += repriced
	}
	if out.Repriced == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, repricedHoursSQL)
	if err != nil {
		return out, fmt.Errorf("mark the estimates of repriced hours stale: %w", err)
	}
	out.Reestimate, err = pgx.CollectRows(rows, scanSpan)
	if err != nil {
		return out, fmt.Errorf("mark the estimates of repriced hours stale: %w", err)
	}
	return out, nil
}

// hashPlanSQL has storeStagedPricesSQL planned to hash the prices it
// matches and sums, in memory: the planner, without statistics of
// staged_prices (and, right after a first sync, of prices), takes both for
// small tables, and matches each staged price to the catalog's by its index
// or sorts both, several times slower. resetPlanSQL sets them back.
const (
	hashPlanSQL  = `SET LOCAL work_mem = '64MB'; SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off; SET LOCAL enable_sort = off`
	resetPlanSQL = `RESET work_mem; RESET enable_nestloop; RESET enable_mergejoin; RESET enable_sort`
)

// storeStagedPrices stores prices, of distinct keys, with
// storeStagedPricesSQL, hashed (hashPlanSQL), and returns how many it
// stored and how many of those reprice hours.
func storeStagedPrices(ctx context.Context, tx pgx.Tx, prices []tally.InstancePrice) (stored, repriced int, err error) {
	if _, err := tx.Exec(ctx, `TRUNCATE staged_prices`); err != nil {
		return 0, 0, err
	}
	if err := copyPrices(ctx, tx, "staged_prices", prices); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, hashPlanSQL); err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRow(ctx, storeStagedPricesSQL).Scan(&stored, &repriced); err != nil {
		return 0, 0, err
	}
	_, err = tx.Exec(ctx, resetPlanSQL)
	return stored, repriced, err
}

// createPriceStages creates, for this transaction, staged_prices (the
// prices of a round) and repriced_prices (the key and effective
// date of each stored price that reprices hours).
func createPriceStages(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
		CREATE TEMP TABLE staged_prices (LIKE prices) ON COMMIT DROP;
		CREATE TEMP TABLE repriced_prices (provider text, region text, instance_type text, option text, os text, zone text, f timestamptz)
			ON COMMIT DROP`)
	if err != nil {
		return fmt.Errorf("stage prices: %w", err)
	}
	return nil
}

// priceRounds splits prices into rounds of distinct keys, in order: the
// first price of each key in the first round, the second in the second,
// and so on. Most syncs are one round.
func priceRounds(prices []tally.InstancePrice) [][]tally.InstancePrice {
	type key struct{ provider, region, instanceType, option, os, zone string }
	seen := make(map[key]int, len(prices))
	var rounds [][]tally.InstancePrice
	for _, p := range prices {
		k := key{p.Provider, p.Region, p.InstanceType, p.PurchaseOption, operatingSystem(p), p.Zone}
		n := seen[k]
		seen[k] = n + 1
		if n == len(rounds) {
			rounds = append(rounds, make([]tally.InstancePrice, 0, len(prices)/(n+1)))
		}
		rounds[n] = append(rounds[n], p)
	}
	return rounds
}

// operatingSystem is p's operating system, linux when it names none.
func operatingSystem(p tally.InstancePrice) string {
	if p.OperatingSystem == "" {
		return "linux"
	}
	return p.OperatingSystem
}

// insertPrices stores prices, of distinct keys, into an empty catalog:
// each is new, and reprices the hours it is in effect for.
func insertPrices(ctx context.Context, tx pgx.Tx, prices []tally.InstancePrice) error {
	if err := copyPrices(ctx, tx, "prices", prices); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO repriced_prices SELECT `+priceKey+`, effective_from FROM prices`)
	return err
}

// copyPrices copies prices into table, prices or staged_prices.
func copyPrices(ctx context.Context, tx pgx.Tx, table string, prices []tally.InstancePrice) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, priceColumns, pgx.CopyFromSlice(len(prices), func(i int) ([]any, error) {
		p := &prices[i]
		return []any{p.Provider, p.Region, p.InstanceType, p.PurchaseOption, operatingSystem(*p), p.Zone, string(p.HourlyPrice.Currency()),
			money(p.HourlyPrice), p.VCPUs, p.MemoryBytes, p.GPUs, p.EffectiveFrom, p.Source}, nil
	}))
	return err
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
// estimates the prices of repriced_prices (key and effective date) change,
// and returns them clipped to the attributed hours. A price is in effect from
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
		FROM repriced_prices r
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
