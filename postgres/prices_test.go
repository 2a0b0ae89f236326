package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestUpsertPricesStoresChangesOnly: a catalog synced every day stores a
// price again only when it changed: the table grows with price changes, not
// with syncs (30,000 rows a day for four AWS regions, which every hourly
// attribution reads), and a price's effective date stays the day it took
// effect.
func TestUpsertPricesStoresChangesOnly(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	sync := func(d time.Time, m5 string) {
		t.Helper()
		var ps []tally.InstancePrice
		for itype, price := range map[string]string{"m5.large": m5, "c5.xlarge": "0.17"} {
			ps = append(ps, tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: itype, PurchaseOption: tally.PurchaseOnDemand,
				OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(price, "USD"), VCPUs: 2, MemoryBytes: 8 << 30, EffectiveFrom: d,
				Source: "aws-price-list"})
		}
		if err := db.UpsertPrices(ctx, ps); err != nil {
			t.Fatal(err)
		}
	}
	rows := func() int {
		t.Helper()
		n, err := db.PriceRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	sync(day, "0.096")
	sync(day, "0.096") // twice the same day
	sync(day.AddDate(0, 0, 1), "0.096")
	if n := rows(); n != 2 {
		t.Errorf("%d rows after three syncs of the same 2 prices, want 2", n)
	}
	sync(day.AddDate(0, 0, 2), "0.090") // m5.large changes
	if n := rows(); n != 3 {
		t.Errorf("%d rows after one price changed, want 3", n)
	}
	sync(day.AddDate(0, 0, 3), "0.085")
	sync(day.AddDate(0, 0, 3), "0.090") // a second sync the same day, back to the earlier price
	got, err := db.Prices(ctx, postgres.PriceFilter{Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"c5.xlarge": "0.17 2026-11-01", "m5.large": "0.09 2026-11-04"}
	for _, p := range got {
		if s := p.HourlyPrice.Decimal() + " " + tally.FormatDay(p.EffectiveFrom); s != want[p.InstanceType] {
			t.Errorf("%s: %s, want %s", p.InstanceType, s, want[p.InstanceType])
		}
	}
}

// TestPricesInReadsWhatAttributionEstimatesWith: the prices an
// attribution day reads are the on-demand and spot ones, which it
// estimates unbilled node-hours with; the commitment options (Reserved
// Instances of each payment option, Savings Plans, CUDs), four in five of
// the offline snapshot's 227,189 rows, were read and scanned for every day
// attributed, and never used.
func TestPricesInReadsWhatAttributionEstimatesWith(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var ps []tally.InstancePrice
	for option, price := range map[string]string{tally.PurchaseOnDemand: "0.192", tally.PurchaseSpot: "0.07",
		"reserved-1y-no-upfront": "0.121", "reserved-1y-all-upfront": "0.1129", "savings-plan-compute-1y-no-upfront": "0.13"} {
		ps = append(ps, tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.xlarge", PurchaseOption: option,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(price, "USD"), VCPUs: 4, MemoryBytes: 16 << 30, EffectiveFrom: day,
			Source: "test"})
	}
	if err := db.UpsertPrices(ctx, ps); err != nil {
		t.Fatal(err)
	}
	got, err := db.PricesIn(ctx, tally.Window{Start: day.AddDate(0, 0, 3), End: day.AddDate(0, 0, 4)})
	if err != nil {
		t.Fatal(err)
	}
	var options []string
	for _, p := range got {
		options = append(options, p.PurchaseOption)
	}
	slices.Sort(options)
	if want := []string{tally.PurchaseOnDemand, tally.PurchaseSpot}; !slices.Equal(options, want) {
		t.Errorf("PricesIn read %v, want %v", options, want)
	}
}

// TestSyncPricesStoresAKeyPricedTwiceInOrder: a sync that prices a key
// twice stores the prices one after the other, as two syncs would: the
// same day, the second replaces the first; on a later day, it is stored
// when it differs from the first.
func TestSyncPricesStoresAKeyPricedTwiceInOrder(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	price := func(d time.Time, amount string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
			HourlyPrice: tally.MustParseMoney(amount, "USD"), VCPUs: 2, MemoryBytes: 8 << 30, EffectiveFrom: d, Source: "aws-price-list"}
	}
	synced, err := db.SyncPrices(ctx, []tally.InstancePrice{price(day, "0.1"), price(day, "0.096"),
		price(day.AddDate(0, 0, 1), "0.096"), price(day.AddDate(0, 0, 2), "0.09")})
	if err != nil {
		t.Fatal(err)
	}
	if synced.Stored != 3 || synced.Repriced != 3 {
		t.Errorf("stored %d, repriced %d; want 3 and 3", synced.Stored, synced.Repriced)
	}
	if n, err := db.PriceRows(ctx); err != nil || n != 2 {
		t.Errorf("%d rows (%v), want 2: 0.096 from 11-01 and 0.09 from 11-03", n, err)
	}
	got, err := db.Prices(ctx, postgres.PriceFilter{Provider: "aws"})
	if err != nil || len(got) != 1 || got[0].HourlyPrice.Decimal() != "0.09" || !got[0].EffectiveFrom.Equal(day.AddDate(0, 0, 2)) {
		t.Errorf("latest price %+v (%v), want 0.09 from 2026-11-03", got, err)
	}
}
