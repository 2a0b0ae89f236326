package attribution_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/postgres"
)

// reportSizes prints what the hourly and raw data of the benchmark's fleet
// take on disk, table by table (what tally prune drops), and a day of it.
// Function samples cover only the profiled days.
func reportSizes(t *testing.T, db *postgres.DB, days, profiledDays int) {
	t.Helper()
	end := fixture.Day1.AddDate(0, 0, days+62) // past the month partitions of the last day
	parts, err := db.PrunablePartitions(ctx, end)
	if err != nil {
		t.Fatal(err)
	}
	bytes := map[string]int64{}
	count := map[string]int{}
	var total int64
	for _, p := range parts {
		bytes[p.Table] += p.Bytes
		count[p.Table]++
		total += p.Bytes
	}
	tables := make([]string, 0, len(bytes))
	for table := range bytes {
		tables = append(tables, table)
	}
	slices.SortFunc(tables, func(a, b string) int { return cmp.Compare(bytes[b], bytes[a]) })
	for _, table := range tables {
		perDay := days
		if table == "function_samples" {
			perDay = profiledDays
		}
		fmt.Printf("size: %-17s %8.0f MiB in %3d partitions, %6.1f MiB a day of data (%d days)\n",
			table, mib(bytes[table]), count[table], mib(bytes[table])/float64(perDay), perDay)
	}
	fmt.Printf("size: hourly and raw data %.1f GiB in all (what tally prune drops)\n", mib(total)/1024)
}

// reportSamplePrune drops day 1's function samples and times it against
// listing what it drops; then times attributing one of its hours again,
// which splits CPU cost by the saved stack costs, against attributing it
// again from its samples (fromSamples), and checks that every workload
// keeps its function costs.
func reportSamplePrune(t *testing.T, db *postgres.DB, job *attribution.Job, hour tally.Window, fromSamples time.Duration, workloads int) {
	t.Helper()
	day2 := fixture.Day1.Add(24 * time.Hour)
	t0 := time.Now()
	if _, err := db.PlanSamplesPrune(ctx, day2); err != nil {
		t.Fatal(err)
	}
	planned := time.Since(t0)
	t1 := time.Now()
	plan, err := db.PruneSamples(ctx, day2)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t1)
	if len(plan.Partitions) != 1 || plan.HasUnread {
		t.Fatalf("prune of day 1's samples: %+v; want its one partition dropped", plan)
	}
	fmt.Printf("samples prune, day 1: %.0f MiB, in %s (baseline: planning it, %s; ratio %.1f×)\n",
		mib(plan.Partitions[0].Bytes), took.Round(time.Millisecond), planned.Round(time.Millisecond), float64(took)/float64(planned))
	again := timeAttribute(t, job, hour, 3)
	profiled, err := db.ProfiledWorkloads(ctx, tally.Window{Start: fixture.Day1, End: day2})
	if err != nil || len(profiled) != workloads {
		t.Fatalf("profiled workloads of day 1 after its samples were pruned: %d, %v; want %d", len(profiled), err, workloads)
	}
	fmt.Printf("one hour re-attributed from saved stack costs: median %s (from its samples above: %s; ratio %.2f×), %d workloads keep their function costs\n",
		median(again), fromSamples, float64(median(again))/float64(fromSamples), len(profiled))
}

// reportPrune prunes the first day's hourly and raw data and times it
// against listing what it drops.
func reportPrune(t *testing.T, db *postgres.DB) {
	t.Helper()
	day2 := fixture.Day1.Add(24 * time.Hour)
	t0 := time.Now()
	dry, err := db.PrunablePartitions(ctx, day2)
	if err != nil {
		t.Fatal(err)
	}
	listed := time.Since(t0)
	t1 := time.Now()
	dropped, err := db.Prune(ctx, day2)
	if err != nil {
		t.Fatal(err)
	}
	pruned := time.Since(t1)
	var freed int64
	for _, p := range dropped {
		freed += p.Bytes
	}
	if len(dropped) != len(dry) {
		t.Fatalf("prune dropped %d partitions, the dry run listed %d", len(dropped), len(dry))
	}
	fmt.Printf("prune of day 1:       %d partitions, %.0f MiB, in %s (baseline: listing them, %s; ratio %.1f×)\n",
		len(dropped), mib(freed), pruned.Round(time.Millisecond), listed.Round(10*time.Microsecond), float64(pruned)/float64(listed))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
