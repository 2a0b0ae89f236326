package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// upsertPriceSQL stores a price unless the key's latest earlier price is
// the same (amount, currency, shape and source): a catalog synced every day
// adds rows when prices change, not every day, and a price's effective date
// stays the day it took effect. A price with the same key and effective
// date is replaced (a second sync the same day wins, even when it goes
// back to the earlier price).
const upsertPriceSQL = `
	INSERT INTO prices (provider, region, instance_type, purchase_option, operating_system, currency, hourly_price,
		vcpus, memory_bytes, gpus, effective_from, source)
	SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::numeric, $8::numeric, $9::bigint, $10::integer,
		$11::timestamptz, $12::text
	WHERE EXISTS (
		SELECT 1 FROM prices WHERE provider = $1 AND region = $2 AND instance_type = $3 AND purchase_option = $4
			AND operating_system = $5 AND effective_from = $11)
	OR NOT EXISTS (
		SELECT 1 FROM (
			SELECT currency, hourly_price, vcpus, memory_bytes, gpus, source FROM prices
			WHERE provider = $1 AND region = $2 AND instance_type = $3 AND purchase_option = $4 AND operating_system = $5
				AND effective_from < $11
			ORDER BY effective_from DESC LIMIT 1
		) latest
		WHERE latest.currency = $6 AND latest.hourly_price = $7::numeric AND latest.vcpus = $8::numeric
			AND latest.memory_bytes = $9 AND latest.gpus = $10 AND latest.source = $12)
	ON CONFLICT (provider, region, instance_type, purchase_option, operating_system, effective_from) DO UPDATE SET
		currency = excluded.currency, hourly_price = excluded.hourly_price, vcpus = excluded.vcpus,
		memory_bytes = excluded.memory_bytes, gpus = excluded.gpus, source = excluded.source`

// priceBatch is how many prices UpsertPrices sends in one round trip.
const priceBatch = 2000

// UpsertPrices stores prices in one transaction: all of them or, when one
// fails, none (a sync that fails part-way leaves the catalog as it was).
// Prices that did not change since the key's latest earlier price are not
// stored again (upsertPriceSQL).
func (db *DB) UpsertPrices(ctx context.Context, prices []tally.InstancePrice) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for i := 0; i < len(prices); i += priceBatch {
			b := &pgx.Batch{}
			for _, p := range prices[i:min(i+priceBatch, len(prices))] {
				os := p.OperatingSystem
				if os == "" {
					os = "linux"
				}
				b.Queue(upsertPriceSQL,
					p.Provider, p.Region, p.InstanceType, p.PurchaseOption, os, string(p.HourlyPrice.Currency()),
					money(p.HourlyPrice), p.VCPUs, p.MemoryBytes, p.GPUs, p.EffectiveFrom, p.Source)
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("upsert %d prices: %w", len(prices), err)
	}
	return nil
}

// PriceFilter selects prices; empty fields match everything.
type PriceFilter struct {
	Provider, Region, InstanceType, PurchaseOption string
}

// Prices returns the latest price of each matching key.
func (db *DB) Prices(ctx context.Context, f PriceFilter) ([]tally.InstancePrice, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT DISTINCT ON (provider, region, instance_type, purchase_option, operating_system)
			provider, region, instance_type, purchase_option, operating_system, currency, hourly_price::text,
			vcpus::float8, memory_bytes, gpus, effective_from, source
		FROM prices
		WHERE ($1 = '' OR provider = $1) AND ($2 = '' OR region = $2) AND ($3 = '' OR instance_type = $3)
			AND ($4 = '' OR purchase_option = $4)
		ORDER BY provider, region, instance_type, purchase_option, operating_system, effective_from DESC`,
		f.Provider, f.Region, f.InstanceType, f.PurchaseOption)
	if err != nil {
		return nil, fmt.Errorf("query prices: %w", err)
	}
	return pgx.CollectRows(rows, scanPrice)
}

// scanPrice reads a price row: provider, region, instance_type,
// purchase_option, operating_system, currency, hourly_price::text,
// vcpus::float8, memory_bytes, gpus, effective_from, source.
func scanPrice(r pgx.CollectableRow) (tally.InstancePrice, error) {
	var p tally.InstancePrice
	var cur, price string
	if err := r.Scan(&p.Provider, &p.Region, &p.InstanceType, &p.PurchaseOption, &p.OperatingSystem, &cur, &price,
		&p.VCPUs, &p.MemoryBytes, &p.GPUs, &p.EffectiveFrom, &p.Source); err != nil {
		return p, err
	}
	p.EffectiveFrom = p.EffectiveFrom.UTC()
	var err error
	p.HourlyPrice, err = parseMoney(price, cur)
	return p, err
}
