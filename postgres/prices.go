package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
)

// priceBatch is how many prices UpsertPrices sends in one round trip.
const priceBatch = 2000

// UpsertPrices stores prices in one transaction: all of them or, when one
// fails, none (a sync that fails part-way leaves the catalog as it was). A
// price with the same key and effective date is replaced.
func (db *DB) UpsertPrices(ctx context.Context, prices []tally.InstancePrice) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for i := 0; i < len(prices); i += priceBatch {
			b := &pgx.Batch{}
			for _, p := range prices[i:min(i+priceBatch, len(prices))] {
				os := p.OperatingSystem
				if os == "" {
					os = "linux"
				}
				b.Queue(`
					INSERT INTO prices (provider, region, instance_type, purchase_option, operating_system, currency, hourly_price,
						vcpus, memory_bytes, gpus, effective_from, source)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
					ON CONFLICT (provider, region, instance_type, purchase_option, operating_system, effective_from) DO UPDATE SET
						currency = excluded.currency, hourly_price = excluded.hourly_price, vcpus = excluded.vcpus,
						memory_bytes = excluded.memory_bytes, gpus = excluded.gpus, source = excluded.source`,
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
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (tally.InstancePrice, error) {
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
	})
}
