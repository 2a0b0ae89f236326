package attribution_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestJobEstimatesAtThePriceOfTheHour: the job reads the catalog's price
// changes, not only the latest prices, so an unbilled hour before a change
// is estimated at the price then in effect.
func TestJobEstimatesAtThePriceOfTheHour(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // billed through day1 24:00; m5.large at $0.096 from a month before
	change := day1.Add(36 * time.Hour)
	if err := db.UpsertPrices(ctx, []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large",
		PurchaseOption: tally.PurchaseOnDemand, HourlyPrice: tally.MustParseMoney("0.2", "USD"), VCPUs: 2, MemoryBytes: 8 << 30,
		EffectiveFrom: change, Source: "test"}}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		w    tally.Window
		want string
	}{
		{tally.Window{Start: day1.Add(24 * time.Hour), End: change}, "1.152"}, // 12 h × 0.096
		{tally.Window{Start: change, End: w.End}, "2.4"},                      // 12 h × 0.2
	} {
		allocs, err := db.Allocations(ctx, "111", tt.w)
		if err != nil {
			t.Fatal(err)
		}
		var total tally.Money
		for _, a := range allocs {
			if !a.Estimated {
				t.Fatalf("allocation not estimated: %+v", a)
			}
			total, _ = total.Add(a.EffectiveCost)
		}
		if total.Decimal() != tt.want {
			t.Errorf("%v: estimated %s, want %s", tt.w, total.Decimal(), tt.want)
		}
	}
}
