package postgres_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestPrune drops the hourly and raw data of an attributed organization
// before a day, and checks what is left: the newer data, the bill and the
// daily rollups; that the dropped hours can no longer be attributed or
// queried by the hour; and that how far data was dropped never moves back.
func TestPrune(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1, day2 := fixture.Day1, fixture.Day1.Add(24*time.Hour)
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	var usage []tally.ContainerUsage
	for _, d := range []time.Time{day1, day2} {
		usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: d.Add(5 * time.Hour), End: d.Add(5*time.Hour + time.Minute)},
			PodUID: "p1", Container: "api", NodeName: "n1", CPUCoreSeconds: 1, MemoryWorkingSetAvg: 1 << 20, MemoryWorkingSetMax: 1 << 20})
	}
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return w.End.Add(time.Hour) }}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if p, err := db.PrunedBefore(ctx); err != nil || !p.IsZero() {
		t.Fatalf("PrunedBefore before any prune = %v, %v; want the zero time", p, err)
	}
	dailyBefore := namespaceCosts(t, db, w)

	// Dry run: day 1's partitions of the day-grain tables, nothing else.
	listed, err := db.PrunablePartitions(ctx, day2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range listed {
		names = append(names, p.Name)
		if p.Window != (tally.Window{Start: day1, End: day2}) || p.Bytes <= 0 {
			t.Errorf("partition %s: window %v, %d bytes; want day 1's, with a size", p.Name, p.Window, p.Bytes)
		}
	}
	if want := "container_usage_p2026_10_05"; !slices.Contains(names, want) || slices.ContainsFunc(names, func(n string) bool {
		return n == "allocations_p2026_10" || n == "cost_lines_p2026_10" || n == "container_usage_p2026_10_06"
	}) {
		t.Errorf("PrunablePartitions(%s) = %v: want %s, and no month partition, no bill and no later day", tally.FormatDay(day2), names, want)
	}

	dropped, err := db.Prune(ctx, day2)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != len(listed) {
		t.Errorf("Prune dropped %d partitions, the dry run listed %d", len(dropped), len(listed))
	}
	if p, err := db.PrunedBefore(ctx); err != nil || !p.Equal(day2) {
		t.Fatalf("PrunedBefore = %v, %v; want %v", p, err, day2)
	}
	if s, err := db.DataStatus(ctx); err != nil || !s.HourlySince.Equal(day2) {
		t.Errorf("DataStatus after the prune: hourly data since %v, %v; want %v", s.HourlySince, err, day2)
	}
	if u, err := db.Usage(ctx, "", tally.Window{Start: day1, End: day2}); err != nil || len(u) != 0 {
		t.Errorf("usage of day 1 after the prune: %d rows, %v; want none", len(u), err)
	}
	if u, err := db.Usage(ctx, "", tally.Window{Start: day2, End: w.End}); err != nil || len(u) == 0 {
		t.Errorf("usage of day 2 after the prune: %d rows, %v; want it kept", len(u), err)
	}
	if got := namespaceCosts(t, db, w); !slices.Equal(got, dailyBefore) {
		t.Errorf("daily namespace costs after the prune = %v, before %v: the rollups must be kept", got, dailyBefore)
	}

	// Reading day 1 by the hour is refused; from day 2 on it is not.
	pods := func(start time.Time) error {
		_, err := db.AllocationRows(ctx, attribution.Query{Window: tally.Window{Start: start, End: w.End}, Aggregate: []attribution.Dimension{{Field: "pod"}}})
		return err
	}
	if err := pods(day1); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("pods from day 1 after the prune: %v, want EInvalid", err)
	}
	if err := pods(day2); err != nil {
		t.Errorf("pods from day 2 after the prune: %v", err)
	}
	if _, err := db.AssetCosts(ctx, attribution.AssetQuery{Window: w}); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("assets from day 1 after the prune: %v, want EInvalid", err)
	}

	// Day 1 can no longer be attributed: forced, it is an error; otherwise
	// it is left as it was; written directly, it is refused.
	if _, err := job.Attribute(ctx, w, true); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("forced attribution over day 1 after the prune: %v, want EInvalid", err)
	}
	// With another share basis every hour is stale: day 2's are computed
	// again, day 1's are left alone.
	byRequest := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{Share: attribution.ShareRequest}), Store: db, Now: job.Now}
	if sum, err := byRequest.Attribute(ctx, w, false); err != nil || sum.Hours != 24 || !slices.ContainsFunc(sum.Warnings, func(w string) bool {
		return strings.Contains(w, "before 2026-10-06 were pruned")
	}) {
		t.Errorf("attribution over both days after the prune: %d hours, %v, warnings %q; want day 2's 24, day 1 skipped with a warning", sum.Hours, err, sum.Warnings)
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if got := namespaceCosts(t, db, w); !slices.Equal(got, dailyBefore) {
		t.Errorf("daily namespace costs after attributing again = %v, before %v", got, dailyBefore)
	}
	h := tally.HourOf(day1.Add(5 * time.Hour))
	if err := db.ReplaceAllocations(ctx, h.Window(), nil); tally.ErrorCode(err) != tally.EConflict {
		t.Errorf("writing hour %v after the prune: %v, want EConflict", h, err)
	}
	// A late agent batch for day 1 is refused, and makes no partition:
	// stored, it would never be attributed, only pruned again.
	late := tally.Window{Start: day1.Add(7 * time.Hour), End: day1.Add(7*time.Hour + time.Minute)}
	if err := db.StoreAgentData(ctx, agentBatch(2, []tally.Window{late}, agentPod{uid: "p9", started: late.Start, cpu: 1})); tally.ErrorCode(err) != tally.EConflict ||
		!strings.Contains(err.Error(), "pruned") {
		t.Errorf("agent batch for day 1 after the prune: %v, want EConflict saying the day was pruned", err)
	}
	if listed, err := db.PrunablePartitions(ctx, day2); err != nil || len(listed) != 0 {
		t.Errorf("partitions before day 2 after the refused batch: %v, %v; want none", listed, err)
	}

	// Older partitions made later (say, by a late agent batch) are dropped
	// too, and PrunedBefore stays where it was: they end before it.
	old := day1.AddDate(0, 0, -30)
	if _, err := db.EnsurePartitions(ctx, old, old.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if dropped, err := db.Prune(ctx, day2); err != nil || len(dropped) != 5 {
		t.Fatalf("prune of the older partitions: %d dropped, %v; want 5 (September's of the two month-grain tables, its 5th's of the three day-grain ones)", len(dropped), err)
	}
	if p, err := db.PrunedBefore(ctx); err != nil || !p.Equal(day2) {
		t.Errorf("PrunedBefore after pruning older partitions = %v, %v; want it kept at %v", p, err, day2)
	}
	if dropped, err := db.Prune(ctx, day2); err != nil || len(dropped) != 0 {
		t.Errorf("prune again: %d dropped, %v; want nothing to do", len(dropped), err)
	}
}

// namespaceCosts returns the costs of w by namespace and day, from the
// daily rollups, as strings.
func namespaceCosts(t *testing.T, db *postgres.DB, w tally.Window) []string {
	t.Helper()
	rows, err := db.AllocationRows(ctx, attribution.Query{Window: w, Step: 24 * time.Hour, Aggregate: []attribution.Dimension{{Field: "namespace"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("no allocations in %v", w)
	}
	var out []string
	for _, r := range rows {
		out = append(out, tally.FormatDay(r.Start)+" "+r.Keys[0]+" "+r.CostKind+" "+r.Cost.String())
	}
	slices.Sort(out)
	return out
}
