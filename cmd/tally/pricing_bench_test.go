package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/pricing"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// BenchmarkPricingSyncOffline measures what `pricing sync aws --offline`
// (and tally demo) spends loading the snapshot into a fresh catalog:
// decoding it (decode-s), storing it (sync-s) and storing it again, when
// nothing changed (resync-s). The baseline, measured in the same run, is a
// plain COPY of the same rows into a table of the catalog's columns without
// its index (copy-s); sync/copy is the ratio. make bench-pricing prints the
// medians.
func BenchmarkPricingSyncOffline(b *testing.B) {
	ctx := context.Background()
	var decode, sync, resync, copied time.Duration
	for range b.N {
		b.StopTimer()
		url := pgtest.NewURL(b, true)
		db, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		prices, err := pricing.Snapshot()
		if err != nil {
			b.Fatal(err)
		}
		decode += time.Since(start)
		start = time.Now()
		if _, err := db.SyncCatalog(ctx, prices, nil); err != nil {
			b.Fatal(err)
		}
		sync += time.Since(start)
		start = time.Now()
		if _, err := db.SyncCatalog(ctx, prices, nil); err != nil {
			b.Fatal(err)
		}
		resync += time.Since(start)
		db.Close()
		copied += copyBaseline(b, url, prices)
	}
	n := float64(b.N)
	b.ReportMetric(decode.Seconds()/n, "decode-s")
	b.ReportMetric(sync.Seconds()/n, "sync-s")
	b.ReportMetric(resync.Seconds()/n, "resync-s")
	b.ReportMetric(copied.Seconds()/n, "copy-s")
	b.ReportMetric(sync.Seconds()/copied.Seconds(), "sync/copy")
}

// copyBaseline copies prices into an unindexed table of the catalog's
// columns in database url, in one transaction, and returns how long it took.
func copyBaseline(b *testing.B, url string, prices []tally.InstancePrice) time.Duration {
	ctx := context.Background()
	conn := fixture.Connect(b, url)
	if _, err := conn.Exec(ctx, `CREATE TABLE baseline_prices (LIKE prices INCLUDING DEFAULTS)`); err != nil {
		b.Fatal(err)
	}
	cols := []string{"provider", "region", "instance_type", "purchase_option", "operating_system", "zone", "currency",
		"hourly_price", "vcpus", "memory_bytes", "gpus", "effective_from", "source"}
	start := time.Now()
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"baseline_prices"}, cols, pgx.CopyFromSlice(len(prices), func(i int) ([]any, error) {
			p := prices[i]
			return []any{p.Provider, p.Region, p.InstanceType, p.PurchaseOption, p.OperatingSystem, p.Zone, string(p.HourlyPrice.Currency()),
				p.HourlyPrice.Decimal(), p.VCPUs, p.MemoryBytes, p.GPUs, p.EffectiveFrom, p.Source}, nil
		}))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
