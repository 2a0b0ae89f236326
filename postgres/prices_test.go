package postgres_test

import (
	"context"
	"fmt"
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

// TestSyncPricesOfASnapshot pins what a sync of a snapshot of 2,450 keys
// (and a few keys priced twice) stores into a catalog that has some of
// them already, in each way a key's earlier prices can differ from the
// snapshot's: the rows stored, to the numeric's scale, and the counts of
// stored and repriced prices. A second sync of the same snapshot stores
// again only the 49 keys it prices twice the same day, both times (the
// second price replaces the first), and leaves the catalog as it was.
func TestSyncPricesOfASnapshot(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	before, snapshot := snapshotSync()
	if err := db.UpsertPrices(ctx, before); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		stored, repriced, rows int
		checksum               string
	}{
		{2044, 1309, 3955, "272da57dd96f04541daa974ef4318ff6"},
		{98, 98, 3955, "272da57dd96f04541daa974ef4318ff6"},
	} {
		got, err := db.SyncPrices(ctx, snapshot)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.PriceRows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := db.PriceChecksum(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stored != want.stored || got.Repriced != want.repriced || rows != want.rows || sum != want.checksum {
			t.Errorf("stored %d, repriced %d, %d rows of checksum %s; want %d, %d, %d, %s",
				got.Stored, got.Repriced, rows, sum, want.stored, want.repriced, want.rows, want.checksum)
		}
	}
}

// snapshotSync returns a snapshot of prices effective 2026-11-10 and the
// catalog before it: for each key, by its number modulo 10, no price (0),
// the same price that day (1), another amount (2) or source (3) that day,
// the same (4) or another (5) price, or another shape (6), earlier, the
// same (7) or another (8) price only later, or another price earlier and
// the same later (9). Some keys are priced twice by the snapshot: again the
// same day at another amount, a day later at the same, or earlier than any
// other price.
func snapshotSync() (before, snapshot []tally.InstancePrice) {
	day := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	earlier, later := day.AddDate(0, -1, 0), day.AddDate(0, 0, 7)
	amount := func(i int) tally.Money { return tally.MustParseMoney(fmt.Sprintf("0.%04d", (i*37)%9973+1), "USD") }
	i := 0
	for _, region := range []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"} {
		for _, family := range []string{"m5", "c5", "r5", "m6i", "c6i", "r6i", "t3"} {
			for size, name := range []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge"} {
				for _, option := range []string{tally.PurchaseOnDemand, "reserved-1y-no-upfront", "reserved-3y-all-upfront", "savings-plan-compute-1y-no-upfront", tally.PurchaseSpot} {
					zones := []string{""}
					if option == tally.PurchaseSpot {
						zones = []string{"", region + "a", region + "b"}
					}
					for _, zone := range zones {
						for _, os := range []string{"linux", "windows"} {
							p := tally.InstancePrice{Provider: "aws", Region: region, Zone: zone, InstanceType: family + "." + name, PurchaseOption: option,
								OperatingSystem: os, HourlyPrice: amount(i), VCPUs: float64(int(2) << size), MemoryBytes: 8 << 30 << size,
								EffectiveFrom: day, Source: "snapshot:2026-11-10"}
							if os == "linux" && i%7 == 0 {
								p.OperatingSystem = ""
							}
							snapshot = append(snapshot, p)
							before = append(before, catalogBefore(p, i, earlier, later)...)
							switch {
							case i%50 == 0:
								q := p
								q.HourlyPrice = amount(i + 1)
								snapshot = append(snapshot, q)
							case i%50 == 25:
								q := p
								q.EffectiveFrom = day.AddDate(0, 0, 1)
								snapshot = append(snapshot, q)
							case i%70 == 3:
								q := p
								q.EffectiveFrom, q.HourlyPrice = earlier.AddDate(0, 0, -1), amount(i+2)
								snapshot = append(snapshot, q)
							}
							i++
						}
					}
				}
			}
		}
	}
	return before, snapshot
}

// catalogBefore returns the prices the catalog holds of snapshot price p,
// the key numbered i, before the sync (see snapshotSync).
func catalogBefore(p tally.InstancePrice, i int, earlier, later time.Time) []tally.InstancePrice {
	at := func(d time.Time, change func(*tally.InstancePrice)) tally.InstancePrice {
		q := p
		q.EffectiveFrom = d
		if change != nil {
			change(&q)
		}
		return q
	}
	amount := func(q *tally.InstancePrice) {
		q.HourlyPrice, _ = q.HourlyPrice.Add(tally.MustParseMoney("0.01", "USD"))
	}
	switch i % 10 {
	case 1:
		return []tally.InstancePrice{at(p.EffectiveFrom, nil)}
	case 2:
		return []tally.InstancePrice{at(p.EffectiveFrom, amount)}
	case 3:
		return []tally.InstancePrice{at(p.EffectiveFrom, func(q *tally.InstancePrice) { q.Source = "aws-price-list" })}
	case 4:
		return []tally.InstancePrice{at(earlier, nil)}
	case 5:
		return []tally.InstancePrice{at(earlier, amount)}
	case 6:
		return []tally.InstancePrice{at(earlier, func(q *tally.InstancePrice) { q.VCPUs++ })}
	case 7:
		return []tally.InstancePrice{at(later, nil)}
	case 8:
		return []tally.InstancePrice{at(later, amount)}
	case 9:
		return []tally.InstancePrice{at(earlier, amount), at(later, nil)}
	}
	return nil
}
