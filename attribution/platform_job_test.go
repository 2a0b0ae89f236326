package attribution_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestInstancePlatformReestimatesUnbilledHours: storing the platform EC2
// bills a node's instance as (tally pricing platforms aws) makes stale the
// estimates of the node's unbilled hours, and only those; attributing them
// again prices them at the platform's price (Red Hat's, not Linux's).
// Storing the same platform again re-estimates nothing, and an instance
// whose platform is stored is no longer to be read.
func TestInstancePlatformReestimatesUnbilledHours(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // node n1 (i-1), billed through day1 24:00; m5.large at $0.096 on Linux
	if err := db.UpsertPrices(ctx, []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large",
		PurchaseOption: tally.PurchaseOnDemand, OperatingSystem: "rhel", HourlyPrice: tally.MustParseMoney("0.125", "USD"), VCPUs: 2,
		MemoryBytes: 8 << 30, EffectiveFrom: day1.AddDate(0, -1, 0), Source: "test"}}); err != nil {
		t.Fatal(err)
	}
	end := day1.Add(48 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	w := tally.Window{Start: day1, End: end}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	billed, unbilled := tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}, tally.Window{Start: day1.Add(24 * time.Hour), End: end}
	cost := func(w tally.Window) string {
		t.Helper()
		return allocatedCost(t, db, w, "")
	}
	billedBefore := cost(billed)
	if got := cost(unbilled); got != "2.304" { // 24 h × 0.096
		t.Fatalf("unbilled day before the platform is known: %s, want 2.304", got)
	}
	toRead, err := db.InstancesWithoutPlatform(ctx, day1)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string][]string{"us-east-1": {"i-1"}}; !maps.EqualFunc(toRead, want, slices.Equal) {
		t.Fatalf("instances to read %v, want %v", toRead, want)
	}
	rhel := tally.InstancePlatform{Provider: "aws", InstanceID: "i-1", Region: "us-east-1", UsageOperation: "RunInstances:0010",
		PlatformDetails: "Red Hat Enterprise Linux", ReadAt: end}
	for i, want := range []struct {
		stored int
		spans  []tally.Window
	}{{1, []tally.Window{unbilled}}, {0, nil}} {
		got, err := db.SaveInstancePlatforms(ctx, []tally.InstancePlatform{rhel})
		if err != nil {
			t.Fatal(err)
		}
		if got.Stored != want.stored || !slices.Equal(got.Reestimate, want.spans) {
			t.Errorf("save %d: stored %d, re-estimate %v; want %d, %v", i+1, got.Stored, got.Reestimate, want.stored, want.spans)
		}
		if _, err := job.Attribute(ctx, w, false); err != nil {
			t.Fatal(err)
		}
		if got := cost(unbilled); got != "3" { // 24 h × 0.125
			t.Errorf("save %d: unbilled day %s, want 3 (Red Hat's price)", i+1, got)
		}
		if got := cost(billed); got != billedBefore {
			t.Errorf("save %d: billed day %s, want %s as before", i+1, got, billedBefore)
		}
	}
	if toRead, err = db.InstancesWithoutPlatform(ctx, day1); err != nil || len(toRead) != 0 {
		t.Errorf("instances to read after the save: %v, %v; want none", toRead, err)
	}
}
