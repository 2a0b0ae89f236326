package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestAllocationsKeepWhenTheyRan: an allocation's Ran (part of its hour) is
// stored and read back, and the hourly rows of a query ran from the first
// one's start to the last one's end, a row without Ran its whole hour; the
// daily rollups, which keep no pods, answer whole days.
func TestAllocationsKeepWhenTheyRan(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-05T00:00:00Z")
	at := func(d time.Duration) time.Time { return day.Add(d) }
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	alloc := func(h time.Duration, pod string, ran tally.Window) tally.Allocation {
		return tally.Allocation{BillingAccountID: "111", Hour: tally.HourOf(at(h)), Cluster: "prod", Node: "n1", Namespace: "shop",
			WorkloadKind: tally.KindJob, Workload: "batch", PodUID: pod, Pod: pod, Container: "work", CostKind: tally.CostCPU,
			EffectiveCost: usd("0.01"), BilledCost: usd("0.01"), ListCost: usd("0.01"), CPUCoreHours: 0.1, Ran: ran}
	}
	allocs := []tally.Allocation{
		alloc(10*time.Hour, "a", tally.Window{Start: at(10*time.Hour + 20*time.Minute), End: at(10*time.Hour + 40*time.Minute)}),
		alloc(12*time.Hour, "b", tally.Window{Start: at(12*time.Hour + 5*time.Minute), End: at(12*time.Hour + 30*time.Minute)}),
		alloc(13*time.Hour, "c", tally.Window{}), // the whole hour
	}
	if err := db.ReplaceAllocations(ctx, tally.Window{Start: day, End: day.Add(24 * time.Hour)}, allocs); err != nil {
		t.Fatal(err)
	}
	got, err := db.Allocations(ctx, "111", tally.Window{Start: day, End: day.Add(24 * time.Hour)})
	if err != nil || len(got) != len(allocs) {
		t.Fatalf("Allocations = %d, %v; want %d", len(got), err, len(allocs))
	}
	for i := range got {
		if got[i].Ran != allocs[i].Ran {
			t.Errorf("%s: ran %v, want %v", got[i].Pod, got[i].Ran, allocs[i].Ran)
		}
	}
	for _, tt := range []struct {
		aggregate string
		step      time.Duration
		want      []tally.Window // per row, by start
	}{
		{"pod", 0, []tally.Window{allocs[0].Ran, allocs[1].Ran, {Start: at(13 * time.Hour), End: at(14 * time.Hour)}}},
		{"namespace", 0, []tally.Window{{Start: day, End: day.Add(24 * time.Hour)}}},                                                 // the daily rollups
		{"namespace", time.Hour, []tally.Window{allocs[0].Ran, allocs[1].Ran, {Start: at(13 * time.Hour), End: at(14 * time.Hour)}}}, // hourly steps
	} {
		q := attribution.Query{Window: tally.Window{Start: day, End: day.Add(24 * time.Hour)}, Step: tt.step,
			Aggregate: []attribution.Dimension{{Field: tt.aggregate}}}
		rows, err := db.AllocationRows(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(tt.want) {
			t.Fatalf("by %s, step %v: %d rows, want %d", tt.aggregate, tt.step, len(rows), len(tt.want))
		}
		slices.SortFunc(rows, func(a, b attribution.Row) int { return a.Ran.Start.Compare(b.Ran.Start) })
		for i, r := range rows {
			if r.Ran != tt.want[i] {
				t.Errorf("by %s, step %v, row %d: ran %v, want %v", tt.aggregate, tt.step, i, r.Ran, tt.want[i])
			}
		}
	}
}
