package postgres_test

import (
	"math"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestDiskByteHoursOfADailyLine: a bill of daily granularity (a
// daily CUR, daily FOCUS lines) charges a volume once a day: 100 GiB for a
// day of October is 100 × 24 / 744 GB-Mo, charged from 00:00 to 24:00.
// The engine spreads the line's cost over its 24 hours, so /assets with
// step=1h (or accumulate=hour) has the disk in every hour. DiskByteHours
// bucketed the line by its charge_period_start alone: all 2,400 GiB-hours
// landed in the 00:00 step (bytes 2.4 TiB for a 100 GiB disk) and the other
// 23 hours get none (bytes 0). For the same reason a window that starts
// after 00:00 (window=today's 06:00..18:00) left the line out altogether.
// (A review's finding.)
func TestDiskByteHoursOfADailyLine(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-03T00:00:00Z")
	l := testLine(t, "2026-10-03T00:00:00Z", "vol-1", "0.26", "0.26")
	l.ChargePeriodEnd = day.Add(24 * time.Hour)
	l.PricingUnit, l.PricingQuantity = "GB-Mo", 100*24.0/744
	l.Extras = map[string]string{"x_UsageType": "EBS:VolumeUsage.gp3"}
	l.CommitmentDiscountStatus = ""
	key := tally.BillingPeriodKey{BillingAccountID: l.BillingAccountID, Start: l.BillingPeriodStart, Source: "aws-cur"}
	run, err := db.StartIngestRun(ctx, "aws-cur", []tally.IngestFile{{Path: "a.parquet", SHA256: "ab", Bytes: 10, Rows: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq([]tally.CostLine{l})); err != nil {
		t.Fatal(err)
	}
	got, err := db.DiskByteHours(ctx, tally.Window{Start: day, End: day.Add(24 * time.Hour)}, time.Hour, []string{"vol-1"})
	if err != nil {
		t.Fatal(err)
	}
	for h := 0; h < 24; h += 6 {
		at := day.Add(time.Duration(h) * time.Hour)
		if v := got["vol-1"][at]; math.Abs(v/(100<<30)-1) > 1e-6 {
			t.Errorf("hour %02d: %.0f GiB-hours, want 100 (a 100 GiB disk for an hour)", h, v/(1<<30))
		}
	}
	// A window from 06:00 to 18:00 of that day: 12 hours of the disk.
	half, err := db.DiskByteHours(ctx, tally.Window{Start: day.Add(6 * time.Hour), End: day.Add(18 * time.Hour)}, 0, []string{"vol-1"})
	if err != nil {
		t.Fatal(err)
	}
	if v := half["vol-1"][day.Add(6*time.Hour)]; math.Abs(v/(1200<<30)-1) > 1e-6 {
		t.Errorf("06:00–18:00: %.0f GiB-hours, want 1200", v/(1<<30))
	}
}

// TestDiskByteHoursOfGCP: a GCP disk's storage is its usage in
// byte-seconds, exact; its gibibyte months (a fixed month of GCP's own,
// not the calendar's) are not read.
func TestDiskByteHoursOfGCP(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-02-03T00:00:00Z")
	l := testLine(t, "2026-02-03T00:00:00Z", "projects/p/zones/us-central1-a/disks/pvc-1", "0.13", "0.13")
	l.Provider, l.ChargePeriodEnd = tally.ProviderGCP, day.Add(24*time.Hour)
	l.ConsumedUnit, l.ConsumedQuantity = "byte-seconds", 100*(1<<30)*86400
	l.PricingUnit, l.PricingQuantity = "gibibyte month", 100*24.0/744
	l.CommitmentDiscountStatus = ""
	key := tally.BillingPeriodKey{BillingAccountID: l.BillingAccountID, Start: l.BillingPeriodStart, Source: "gcp-billing"}
	run, err := db.StartIngestRun(ctx, "gcp-billing", []tally.IngestFile{{Path: "a.jsonl", SHA256: "ab", Bytes: 10, Rows: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq([]tally.CostLine{l})); err != nil {
		t.Fatal(err)
	}
	got, err := db.DiskByteHours(ctx, tally.Window{Start: day, End: day.Add(24 * time.Hour)}, 0, []string{l.ResourceID})
	if err != nil {
		t.Fatal(err)
	}
	if v := got[l.ResourceID][day]; math.Abs(v/(2400<<30)-1) > 1e-9 {
		t.Errorf("%.3f GiB-hours, want 2400 (100 GiB for a day)", v/(1<<30))
	}
}
