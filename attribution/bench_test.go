package attribution_test

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestBenchAttribution is `make bench-attribution`: 1,000 nodes and 20,000
// containers, the app containers profiled on the first day (8 stacks each);
// one hour of that day attributed, a 30-day backfill, and the 30-day
// namespace breakdown, each with a baseline measured in the same run; then
// what its hourly and raw data take on disk, a prune of its first day's
// function samples and one of its hours attributed again without them, and
// a prune of its first day.
func TestBenchAttribution(t *testing.T) {
	if os.Getenv("TALLY_BENCH") != "attribution" {
		t.Skip("set TALLY_BENCH=attribution (make bench-attribution)")
	}
	days := 30
	if v := os.Getenv("TALLY_BENCH_DAYS"); v != "" {
		fmt.Sscan(v, &days)
	}
	db := pgtest.New(t)
	fleet := fixture.Fleet{Nodes: 1000, Workloads: 2000, Replicas: 5, Namespaces: 50, Start: fixture.Day1, Days: days, OtherPerHour: 200,
		Stacks: 8, ProfiledDays: 1}
	start := time.Now()
	if err := fleet.Store(ctx, db, func(s string) { t.Log(s) }); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("generated %d nodes, %d containers, %d days (%d of them profiled, %d stacks a container) in %s\n", fleet.Nodes, fleet.Containers(), days,
		fleet.ProfiledDays, fleet.Stacks, time.Since(start).Round(time.Second))

	store := &timedStore{Store: db}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: store}
	hour := tally.Window{Start: fixture.Day1.Add(12 * time.Hour), End: fixture.Day1.Add(13 * time.Hour)}
	var loads, hours []time.Duration
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		if _, err := db.Pods(ctx, "", hour); err != nil {
			t.Fatal(err)
		}
		if _, err := db.HourlyUsage(ctx, hour); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CostLinesOverlapping(ctx, hour); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AllFunctionSamples(ctx, hour); err != nil {
			t.Fatal(err)
		}
		loads = append(loads, time.Since(t0))
		t1 := time.Now()
		sum, err := job.Attribute(ctx, hour, true)
		if err != nil {
			t.Fatal(err)
		}
		hours = append(hours, time.Since(t1))
		fmt.Printf("one hour: %d allocations in %s (%s)\n", sum.Allocations, hours[i], store.report())
	}
	fmt.Printf("one hour attributed:  median %s (baseline: reading its inputs, median %s; ratio %.1f×)   target ≤ 2s\n",
		median(hours), median(loads), float64(median(hours))/float64(median(loads)))

	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.AddDate(0, 0, days)}
	clock := newCPUClock(t)
	self0, server0 := clock.read()
	t2 := time.Now()
	sum, err := job.Attribute(ctx, w, true)
	if err != nil {
		t.Fatal(err)
	}
	backfill := time.Since(t2)
	self1, server1 := clock.read()
	fmt.Printf("backfill store calls: %s\n", store.report())
	fmt.Printf("backfill CPU:         tally %s, PostgreSQL %s (%.1f CPU-seconds a day of attribution)\n",
		(self1 - self0).Round(time.Second), (server1 - server0).Round(time.Second),
		(self1-self0+server1-server0).Seconds()/float64(days))
	fmt.Printf("%d-day backfill:       %s, %d hours, %d allocations (%.0f allocations/s)   target ≤ 10m for 30 days\n",
		days, backfill.Round(time.Second), sum.Hours, sum.Allocations, float64(sum.Allocations)/backfill.Seconds())

	// The hourly job re-attributes hours when their bill lands: the old
	// rows are then found among the whole backfilled month.
	again := timeAttribute(t, job, hour, 3)
	fmt.Printf("one hour re-attributed after the backfill: median %s (the first attribution above: %s; ratio %.1f×)\n",
		median(again), median(hours), float64(median(again))/float64(median(hours)))

	recon, err := db.Reconciliation(ctx, w, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recon {
		if r.Status() != "ok" {
			t.Fatalf("reconciliation %s: %+v", r.Status(), r)
		}
	}
	fmt.Printf("reconciliation:       %d days, all within $%s\n", len(recon), attribution.Tolerance)
	profiled, err := db.ProfiledWorkloads(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(24 * time.Hour)})
	if err != nil || len(profiled) != fleet.Workloads {
		t.Fatalf("profiled workloads of day 1: %d, %v; want %d", len(profiled), err, fleet.Workloads)
	}
	fmt.Printf("function costs:       day 1, %d workloads profiled\n", len(profiled))

	// The baseline reads 30 million hourly rows, past the 30 s a viewer's
	// query may take.
	db.SetQueryTimeout(0)
	q := attribution.Query{Window: w, Aggregate: []attribution.Dimension{{Field: "namespace"}}, Idle: attribution.IdleSeparate, Shared: attribution.SharedWeighted}
	var api, naive []time.Duration
	for i := 0; i < 20; i++ {
		t3 := time.Now()
		rows, err := db.AllocationRows(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := attribution.Aggregate(rows, q); err != nil {
			t.Fatal(err)
		}
		api = append(api, time.Since(t3))
	}
	for i := 0; i < 3; i++ {
		t4 := time.Now()
		if _, err := db.AllocationRows(ctx, attribution.Query{Window: w, Step: time.Hour * 24 * time.Duration(days),
			Aggregate: q.Aggregate, Filters: []attribution.Filter{{Dim: attribution.Dimension{Field: "pod"}, Values: []string{"x"}}}}); err != nil {
			t.Fatal(err)
		}
		naive = append(naive, time.Since(t4))
	}
	fmt.Printf("%d-day namespace view: p50 %s, p95 %s (baseline: the same from hourly rows, median %s; %.0f× faster)   target p95 ≤ 150ms (30 days)\n",
		days, pct(api, 50), pct(api, 95), median(naive), float64(median(naive))/float64(pct(api, 50)))

	reportSizes(t, db, days, fleet.ProfiledDays)
	reportSamplePrune(t, db, job, hour, median(again), fleet.Workloads)
	reportPrune(t, db)
}

// timeAttribute times n forced attributions of w.
func timeAttribute(t *testing.T, job *attribution.Job, w tally.Window, n int) []time.Duration {
	t.Helper()
	var took []time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if _, err := job.Attribute(ctx, w, true); err != nil {
			t.Fatal(err)
		}
		took = append(took, time.Since(t0))
	}
	return took
}

func median(ds []time.Duration) time.Duration { return pct(ds, 50) }

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i].Round(time.Millisecond)
}
