package attribution_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
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

// TestPricingSyncReestimatesUnbilledHours: a sync that changes a price, or
// prices an instance type that had none, makes stale the estimates of the
// unbilled hours that price is in effect for, and only those: each hour
// keeps the price in effect in it, billed hours are not touched, a price
// stored again unchanged (or with only another source) re-estimates
// nothing. Attributing the stale hours again (the job tally serve runs
// hourly, or pricing sync itself) re-estimates them at the new price.
func TestPricingSyncReestimatesUnbilledHours(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // billed through day1 24:00; m5.large at $0.096 from a month before
	// n2, an instance type without a price: its unbilled hours cost 0.
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n2", Name: "n2", InstanceID: "i-2", InstanceType: "c6i.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 4 << 30, AllocatableCPU: 2, AllocatableMemory: 4 << 30, ValidFrom: day1.Add(-time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	end := day1.Add(48 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	w := tally.Window{Start: day1, End: end}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	billed := tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}
	cost := func(w tally.Window, node string) string {
		t.Helper()
		return allocatedCost(t, db, w, node)
	}
	billedBefore := cost(billed, "")
	price := func(itype, amount string, from time.Time, source string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: itype, PurchaseOption: tally.PurchaseOnDemand,
			HourlyPrice: tally.MustParseMoney(amount, "USD"), VCPUs: 2, MemoryBytes: 8 << 30, EffectiveFrom: from, Source: source}
	}
	change := day1.Add(36 * time.Hour)
	for _, step := range []struct {
		name              string
		prices            []tally.InstancePrice
		stored, repriced  int
		spans             []tally.Window
		saved             int
		n1Before, n1After string // n1's estimates before and after change
		n2                string // n2's estimates of day 2
	}{
		{"a price change at noon of day 2 re-estimates the hours from then", []tally.InstancePrice{price("m5.large", "0.2", change, "test")},
			1, 1, []tally.Window{{Start: change, End: end}}, 12, "1.152", "2.4", "0"},
		{"the same price again re-estimates nothing", []tally.InstancePrice{price("m5.large", "0.2", change, "test")},
			0, 0, nil, 0, "1.152", "2.4", "0"},
		{"a correction of the price of the same date re-estimates its hours", []tally.InstancePrice{price("m5.large", "0.3", change, "test")},
			1, 1, []tally.Window{{Start: change, End: end}}, 12, "1.152", "3.6", "0"},
		{"the same amount from another source is stored, re-estimates nothing", []tally.InstancePrice{price("m5.large", "0.3", change.Add(4*time.Hour), "other")},
			1, 0, nil, 0, "1.152", "3.6", "0"},
		// A first price is in effect from the start: every unbilled hour of
		// n2 (day 2), not its billed day 1, whose bill has no line of it.
		{"a first price for an unpriced type re-estimates all its unbilled hours", []tally.InstancePrice{price("c6i.large", "0.1", change.Add(6*time.Hour), "test")},
			1, 1, []tally.Window{{Start: day1.Add(24 * time.Hour), End: end}}, 24, "1.152", "3.6", "2.4"},
	} {
		got, err := db.SyncPrices(ctx, step.prices)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stored != step.stored || got.Repriced != step.repriced || !slices.Equal(got.Reestimate, step.spans) {
			t.Errorf("%s: stored %d, repriced %d, re-estimate %v; want %d, %d, %v", step.name, got.Stored, got.Repriced, got.Reestimate,
				step.stored, step.repriced, step.spans)
		}
		// What tally serve's scheduler runs every hour: only stale hours.
		sum, err := job.Attribute(ctx, w, false)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Saved != step.saved {
			t.Errorf("%s: the job saved %d hours, want %d", step.name, sum.Saved, step.saved)
		}
		day2 := tally.Window{Start: day1.Add(24 * time.Hour), End: change}
		if a, b, c := cost(day2, "n1"), cost(tally.Window{Start: change, End: end}, "n1"), cost(tally.Window{Start: day1.Add(24 * time.Hour), End: end}, "n2"); a != step.n1Before || b != step.n1After || c != step.n2 {
			t.Errorf("%s: n1 estimated %s before the change and %s after, n2 %s; want %s, %s, %s", step.name, a, b, c, step.n1Before, step.n1After, step.n2)
		}
		if c := cost(billed, ""); c != billedBefore {
			t.Errorf("%s: the billed day's allocations sum to %s, were %s", step.name, c, billedBefore)
		}
	}
}

// allocatedCost is the cost allocated in billing account 111 in w, of node
// only when it is not "".
func allocatedCost(t *testing.T, db *postgres.DB, w tally.Window, node string) string {
	t.Helper()
	allocs, err := db.Allocations(ctx, "111", w)
	if err != nil {
		t.Fatal(err)
	}
	var total tally.Money
	for _, a := range allocs {
		if node == "" || a.Node == node {
			total, _ = total.Add(a.EffectiveCost)
		}
	}
	return total.Decimal()
}
