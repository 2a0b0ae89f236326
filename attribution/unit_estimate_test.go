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

// TestJobEstimatesGCPNodesFromUnitPrices: a GKE node whose machine type has
// no catalog price (c4, whose shapes Tally does not list; a custom machine
// type; a custom one with extended memory) is estimated from its family's
// unit prices, stored by a pricing sync, times its own shape: the custom
// types' and c4-standard-8's from their names (the VM's exact vCPUs and
// memory, not the smaller capacity the node reports); a spot node
// at the spot unit prices. A machine type with a price keeps it. The run
// says which nodes were estimated so. A later unit price change re-estimates
// the unbilled hours it prices.
func TestJobEstimatesGCPNodesFromUnitPrices(t *testing.T) {
	db := pgtest.New(t)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "gke", Name: "gke", Provider: "gcp", Region: "us-central1", BillingAccountID: "0A1B2C"}); err != nil {
		t.Fatal(err)
	}
	node := func(name, itype string, cpu float64, mem int64, lifecycle string) tally.Node {
		return tally.Node{Cluster: "gke", UID: name, Name: name, InstanceID: "gce-" + name, InstanceType: itype, Region: "us-central1",
			Lifecycle: lifecycle, CPUCores: cpu, MemoryBytes: mem, AllocatableCPU: cpu, AllocatableMemory: mem, ValidFrom: day1.Add(-time.Hour)}
	}
	const gib = 1 << 30
	if err := db.UpsertNodes(ctx, []tally.Node{
		node("c4", "c4-standard-8", 8, 30*gib-700<<20, tally.LifecycleOnDemand),
		node("custom", "n2-custom-6-24576", 6, 24*gib-600<<20, tally.LifecycleOnDemand),
		node("ext", "n2-custom-2-20480-ext", 2, 20*gib-500<<20, tally.LifecycleSpot),
		node("n2", "n2-standard-4", 4, 16*gib, tally.LifecycleOnDemand),
	}); err != nil {
		t.Fatal(err)
	}
	month := day1.AddDate(0, -1, 0)
	unit := func(family, unit, option, amount string, from time.Time) tally.UnitPrice {
		return tally.UnitPrice{Provider: "gcp", Region: "us-central1", Family: family, Unit: unit, PurchaseOption: option,
			Price: tally.MustParseMoney(amount, "USD"), EffectiveFrom: from, Source: "gcp-catalog"}
	}
	od, spot := tally.PurchaseOnDemand, tally.PurchaseSpot
	if _, err := db.SyncCatalog(ctx, []tally.InstancePrice{{Provider: "gcp", Region: "us-central1", InstanceType: "n2-standard-4",
		PurchaseOption: od, HourlyPrice: tally.MustParseMoney("0.2", "USD"), VCPUs: 4, MemoryBytes: 16 * gib, EffectiveFrom: month, Source: "gcp-catalog"}},
		[]tally.UnitPrice{
			unit("c4", tally.UnitVCPU, od, "0.03465", month), unit("c4", tally.UnitMemoryGiB, od, "0.003938", month),
			unit("n2-custom", tally.UnitVCPU, od, "0.033191", month), unit("n2-custom", tally.UnitMemoryGiB, od, "0.004449", month),
			unit("n2-custom", tally.UnitExtendedMemoryGiB, od, "0.00955", month),
			unit("n2-custom", tally.UnitVCPU, spot, "0.008", month), unit("n2-custom", tally.UnitMemoryGiB, spot, "0.001", month),
			unit("n2-custom", tally.UnitExtendedMemoryGiB, spot, "0.002", month),
			unit("n2", tally.UnitVCPU, od, "1", month), unit("n2", tally.UnitMemoryGiB, od, "1", month),
		}); err != nil {
		t.Fatal(err)
	}
	end := day1.Add(24 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	w := tally.Window{Start: day1, End: end}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	cost := func(w tally.Window) map[string]string { return estimatedNodeCosts(t, db, "0A1B2C", w) }
	hour := tally.Window{Start: day1, End: day1.Add(time.Hour)}
	want := map[string]string{
		"c4":     "0.39534",  // 8 × 0.03465 + 30 × 0.003938 (8 × 3.75 GiB, from its name, not the node's capacity)
		"custom": "0.305922", // 6 × 0.033191 + 24 × 0.004449 (24,576 MiB, from its name)
		"ext":    "0.04",     // spot: 2 × 0.008 + 16 × 0.001 + 4 × 0.002 (above 8 GiB a vCPU: extended)
		"n2":     "0.2",      // its machine type's price
	}
	got := cost(hour)
	for n, v := range want {
		if g := got[n]; strings.TrimRight(g, "0") != strings.TrimRight(v, "0") {
			t.Errorf("node %s estimated at %s an hour, want %s", n, g, v)
		}
	}
	if sum.EstimatedNodeHrs != 4*24 || sum.UnpricedNodeHours != 0 {
		t.Errorf("summary %+v: want 96 estimated node-hours, none unpriced", sum)
	}
	warned := strings.Join(sum.Warnings, "\n")
	for _, w := range []string{
		"no catalog price for gcp c4-standard-8 in us-central1: unbilled hours of node c4 are estimated from the on-demand c4 unit prices by its shape (8 vCPUs, 30.00 GiB)",
		"unbilled hours of node custom are estimated from the on-demand n2-custom unit prices by its shape (6 vCPUs, 24.00 GiB)",
		"unbilled hours of node ext are estimated from the spot n2-custom unit prices by its shape (2 vCPUs, 16.00 GiB + 4.00 GiB extended)",
	} {
		if !strings.Contains(warned, w) {
			t.Errorf("warnings %q: want %q", warned, w)
		}
	}
	if strings.Contains(warned, "node n2 ") {
		t.Errorf("warnings %q name node n2, which has a price", warned)
	}

	// A c4 per-vCPU price change at noon re-estimates c4's hours from then.
	noon := day1.Add(12 * time.Hour)
	synced, err := db.SyncCatalog(ctx, nil, []tally.UnitPrice{unit("c4", tally.UnitVCPU, od, "0.04", noon)})
	if err != nil {
		t.Fatal(err)
	}
	if synced.Stored != 1 || synced.Repriced != 1 || len(synced.Reestimate) != 1 || synced.Reestimate[0] != (tally.Window{Start: noon, End: end}) {
		t.Errorf("sync %+v: want 1 stored, 1 repriced, re-estimate %v", synced, tally.Window{Start: noon, End: end})
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if g := cost(tally.Window{Start: noon, End: noon.Add(time.Hour)})["c4"]; strings.TrimRight(g, "0") != "0.43814" { // 8 × 0.04 + 30 × 0.003938
		t.Errorf("c4 estimated at %s an hour after the change, want 0.43814", g)
	}
	if g := cost(hour)["c4"]; strings.TrimRight(g, "0") != "0.39534" {
		t.Errorf("c4 estimated at %s an hour before the change, want 0.39534", g)
	}
}

// estimatedNodeCosts returns the cost of each node's allocations of
// account in w (its decimal), all of which must be estimated.
func estimatedNodeCosts(t *testing.T, db *postgres.DB, account string, w tally.Window) map[string]string {
	t.Helper()
	allocs, err := db.Allocations(ctx, account, w)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]tally.Money{}
	for _, a := range allocs {
		if !a.Estimated {
			t.Errorf("allocation not estimated: %+v", a)
		}
		sums[a.Node], _ = sums[a.Node].Add(a.EffectiveCost)
	}
	out := map[string]string{}
	for n, m := range sums {
		out[n] = m.Decimal()
	}
	return out
}
