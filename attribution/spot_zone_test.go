package attribution_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestJobEstimatesAWSSpotNodesAtTheirZonesPrice: AWS prices spot per zone,
// and the catalog holds each zone's spot price with their mean over the
// region's zones (as pricing.SyncAWS returns them). An unbilled spot node
// is estimated at its zone's price; one whose zone has no price, or whose
// zone is unknown, at the regional mean, and the run says which. A zone's
// price change re-estimates the nodes of that zone only, and syncing the
// same catalog again stores nothing.
func TestJobEstimatesAWSSpotNodesAtTheirZonesPrice(t *testing.T) {
	db := pgtest.New(t)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "eks", Name: "eks", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	node := func(name, zone, lifecycle string) tally.Node {
		return tally.Node{Cluster: "eks", UID: name, Name: name, InstanceID: "i-" + name, InstanceType: "m5.large", Region: "us-east-1",
			Zone: zone, Lifecycle: lifecycle, CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
			ValidFrom: day1.Add(-time.Hour)}
	}
	if err := db.UpsertNodes(ctx, []tally.Node{
		node("in-b", "us-east-1b", tally.LifecycleSpot),
		node("in-c", "us-east-1c", tally.LifecycleSpot), // a zone without a spot price of its own
		node("nowhere", "", tally.LifecycleSpot),        // zone unknown
		node("od-b", "us-east-1b", tally.LifecycleOnDemand),
	}); err != nil {
		t.Fatal(err)
	}
	month := day1.AddDate(0, -1, 0)
	price := func(option, zone, amount string, from time.Time) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", Zone: zone, InstanceType: "m5.large", PurchaseOption: option,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(amount, "USD"), VCPUs: 2, MemoryBytes: 8 << 30,
			EffectiveFrom: from, Source: "aws-spot-price-history"}
	}
	catalog := []tally.InstancePrice{
		price(tally.PurchaseOnDemand, "", "0.096", month),
		price(tally.PurchaseSpot, "", "0.038", month), // the mean of 1a's and 1b's
		price(tally.PurchaseSpot, "us-east-1a", "0.035", month),
		price(tally.PurchaseSpot, "us-east-1b", "0.041", month),
	}
	synced, err := db.SyncCatalog(ctx, catalog, nil)
	if err != nil {
		t.Fatal(err)
	}
	if synced.Stored != 4 {
		t.Errorf("first sync stored %d prices, want 4", synced.Stored)
	}
	if again, err := db.SyncCatalog(ctx, catalog, nil); err != nil || again.Stored != 0 || len(again.Reestimate) != 0 {
		t.Errorf("the same catalog again: %+v, %v; want nothing stored or re-estimated", again, err)
	}
	regional, err := db.Prices(ctx, postgres.PriceFilter{Provider: "aws", PurchaseOption: tally.PurchaseSpot})
	if err != nil || len(regional) != 1 || regional[0].Zone != "" || regional[0].HourlyPrice.Decimal() != "0.038" {
		t.Errorf("regional spot prices %+v, %v: want the mean only", regional, err)
	}
	if all, err := db.Prices(ctx, postgres.PriceFilter{Provider: "aws", PurchaseOption: tally.PurchaseSpot, Zones: true}); err != nil || len(all) != 3 {
		t.Errorf("spot prices with zones %+v, %v: want 3", all, err)
	}

	end := day1.Add(24 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	w := tally.Window{Start: day1, End: end}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	cost := func(w tally.Window) map[string]string { return estimatedNodeCosts(t, db, "111", w) }
	hour := tally.Window{Start: day1, End: day1.Add(time.Hour)}
	want := map[string]string{
		"in-b":    "0.041", // us-east-1b's spot price
		"in-c":    "0.038", // no us-east-1c price: the regional mean
		"nowhere": "0.038", // zone unknown: the regional mean
		"od-b":    "0.096", // on-demand
	}
	got := cost(hour)
	for n, v := range want {
		if got[n] != v {
			t.Errorf("node %s estimated at %s an hour, want %s", n, got[n], v)
		}
	}
	warned := strings.Join(sum.Warnings, "\n")
	for _, w := range []string{
		"no spot price for aws m5.large in zone us-east-1c: unbilled hours of its spot nodes there are estimated at the mean spot price over the zones of us-east-1",
		"spot node nowhere has no zone (topology.kubernetes.io/zone): its unbilled hours are estimated at the mean spot price of aws m5.large over the zones of us-east-1",
	} {
		if !strings.Contains(warned, w) {
			t.Errorf("warnings %q: want %q", warned, w)
		}
	}
	if strings.Contains(warned, "us-east-1b") || strings.Contains(warned, "in-b") {
		t.Errorf("warnings %q name zone us-east-1b or its node, priced at their zone's price", warned)
	}

	// A price change of a zone without nodes re-estimates nothing; one of
	// us-east-1b re-estimates its hours from then, and only in-b changes.
	noon := day1.Add(12 * time.Hour)
	if s, err := db.SyncCatalog(ctx, []tally.InstancePrice{price(tally.PurchaseSpot, "us-east-1a", "0.03", noon)}, nil); err != nil ||
		s.Stored != 1 || len(s.Reestimate) != 0 {
		t.Errorf("us-east-1a change: %+v, %v; want 1 stored, nothing re-estimated (no node there)", s, err)
	}
	s, err := db.SyncCatalog(ctx, []tally.InstancePrice{price(tally.PurchaseSpot, "us-east-1b", "0.05", noon)}, nil)
	if err != nil || s.Stored != 1 || s.Repriced != 1 || len(s.Reestimate) != 1 || s.Reestimate[0] != (tally.Window{Start: noon, End: end}) {
		t.Errorf("us-east-1b change: %+v, %v; want 1 stored and repriced, re-estimate %v", s, err, tally.Window{Start: noon, End: end})
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	after := cost(tally.Window{Start: noon, End: noon.Add(time.Hour)})
	want["in-b"] = "0.05"
	for n, v := range want {
		if after[n] != v {
			t.Errorf("after the change, node %s estimated at %s an hour, want %s", n, after[n], v)
		}
	}
	if g := cost(hour)["in-b"]; g != "0.041" {
		t.Errorf("in-b estimated at %s an hour before the change, want 0.041", g)
	}
}
