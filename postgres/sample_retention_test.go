package postgres_test

import (
	"fmt"
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

// TestPruneSamples drops the function samples of attributed days and
// checks that a day is kept while an hour of it was not attributed since
// its samples were stored, that samples of dropped days are refused, and
// that a bill landing afterwards is attributed down to the stacks: each
// container's new CPU cost split as its saved stack costs split the old.
func TestPruneSamples(t *testing.T) {
	db := pgtest.New(t)
	key, _ := fixture.OneNode(t, db, 24) // day 1 billed at $0.09/h, day 2 estimated
	day1, day2, day3 := fixture.Day1, fixture.Day1.Add(24*time.Hour), fixture.Day1.Add(48*time.Hour)
	w := tally.Window{Start: day1, End: day3}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return day3.Add(time.Hour) }}

	// Nothing is attributed yet: nothing is dropped.
	plan, err := db.PruneSamples(ctx, day3)
	if err != nil || len(plan.Partitions) != 0 || !plan.HasUnread || plan.Unread != tally.HourOf(day1) {
		t.Fatalf("PruneSamples before attribution = %+v, %v; want nothing dropped, day 1's first hour unread", plan, err)
	}
	if p, err := db.SamplesPrunedBefore(ctx); err != nil || !p.IsZero() {
		t.Fatalf("SamplesPrunedBefore when nothing was dropped = %v, %v; want the zero time", p, err)
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	before := stackShares(t, db, w)
	if len(before) != 96 {
		t.Fatalf("%d stack costs by hour after attribution, want 96 (2 stacks × 48 hours)", len(before))
	}

	// New samples of a day-2 hour: day 2 is kept until it is attributed
	// again, day 1 is dropped.
	late := tally.HourOf(day2.Add(5 * time.Hour))
	if err := db.AddFunctionSamples(ctx, []tally.FunctionSample{{Cluster: "prod", Hour: late, PodUID: "p1", Container: "api",
		StackID: fixture.StackHot, Samples: 4, CPUNanos: 4e9}}); err != nil {
		t.Fatal(err)
	}
	pruned, err := db.PruneSamples(ctx, day3)
	if err != nil {
		t.Fatal(err)
	}
	if names := partitionNames(pruned.Partitions); !slices.Equal(names, []string{"function_samples_p2026_10_05"}) || pruned.Unread != late {
		t.Fatalf("PruneSamples with new samples of %v: dropped %v, first unread hour %v; want day 1's only, unread %v", late, names, pruned.Unread, late)
	}
	if p, err := db.SamplesPrunedBefore(ctx); err != nil || !p.Equal(day2) {
		t.Fatalf("SamplesPrunedBefore = %v, %v; want %v", p, err, day2)
	}
	if s, err := db.DataStatus(ctx); err != nil || !s.HourlySince.IsZero() || !s.SamplesSince.Equal(day2) {
		t.Errorf("DataStatus after pruning samples: hourly data since %v, samples since %v, %v; want the hourly data kept, samples since %v",
			s.HourlySince, s.SamplesSince, err, day2)
	}
	err = db.AddFunctionSamples(ctx, []tally.FunctionSample{{Cluster: "prod", Hour: tally.HourOf(day1.Add(3 * time.Hour)), PodUID: "p1",
		Container: "api", StackID: fixture.StackHot, Samples: 1, CPUNanos: 1e9}})
	if tally.ErrorCode(err) != tally.EConflict || !strings.Contains(err.Error(), "--keep-samples") {
		t.Errorf("samples of day 1 after its samples were pruned: %v, want EConflict", err)
	}

	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if pruned, err = db.PruneSamples(ctx, day3); err != nil || !slices.Equal(partitionNames(pruned.Partitions), []string{"function_samples_p2026_10_06"}) || pruned.HasUnread {
		t.Fatalf("PruneSamples once day 2 is attributed: %+v, %v; want day 2's dropped", pruned, err)
	}
	if samples, err := db.FunctionSamples(ctx, "", w); err != nil || len(samples) != 0 {
		t.Fatalf("samples left after the prune: %d, %v", len(samples), err)
	}
	before = stackShares(t, db, w)

	// The whole bill lands, at $0.12/h: every hour is attributed again,
	// with no samples left, and every stack keeps its share of its
	// container's CPU cost, which is now higher.
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, fixture.OneNodeLines(48, "0.12")); err != nil {
		t.Fatal(err)
	}
	if sum, err := job.Attribute(ctx, w, false); err != nil || sum.Hours != 48 || !slices.ContainsFunc(sum.Warnings, func(w string) bool {
		return strings.Contains(w, "function samples before 2026-10-07 were pruned")
	}) {
		t.Fatalf("attribution after the bill: %d hours, %v, warnings %q; want 48, and a warning that their samples were pruned", sum.Hours, err, sum.Warnings)
	}
	after := stackShares(t, db, w)
	if len(after) != len(before) {
		t.Fatalf("%d stack costs by hour after the bill, %d before", len(after), len(before))
	}
	for k, b := range before {
		a := after[k]
		if a.samples != b.samples || a.share != b.share || a.cost.Sign() <= 0 {
			t.Errorf("%s: after the bill %v (%d samples, %s of the CPU cost), before %v (%d, %s); want the same samples and share",
				k, a.cost, a.samples, a.share, b.cost, b.samples, b.share)
		}
		if c, _ := a.cost.Cmp(b.cost); k == "2026-10-05T03 hot" && c <= 0 {
			t.Errorf("%s: %v after the bill at $0.12/h, %v at $0.09/h; want it higher", k, a.cost, b.cost)
		}
	}
	if got := after[fmt.Sprintf("%s hot", late.Start().Format("2006-01-02T15"))].samples; got != 7 {
		t.Errorf("hot stack of %v after the bill: %d samples, want 7 (3 + the 4 added)", late, got)
	}

	// Attributed again, unchanged, the stack costs stay as they are.
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	for k, v := range stackShares(t, db, w) {
		if !v.cost.Equal(after[k].cost) {
			t.Errorf("%s after attributing again: %v, want %v", k, v.cost, after[k].cost)
		}
	}
}

// stackShare is an hour's stack cost, and its share of its container's CPU
// cost in the hour.
type stackShare struct {
	cost    tally.Money
	samples int64
	share   string // to 6 places
}

// stackShares returns the stack costs by hour of w, keyed by hour
// (2006-01-02T15) and stack (hot or handle).
func stackShares(t *testing.T, db *postgres.DB, w tally.Window) map[string]stackShare {
	t.Helper()
	stacks, cpu, err := db.SavedStackCosts(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	cpuOf := map[tally.Hour]tally.Money{}
	for _, c := range cpu {
		cpuOf[c.Hour] = c.Cost
	}
	out := map[string]stackShare{}
	for _, s := range stacks {
		name := map[int64]string{fixture.StackHot: "hot", fixture.StackHandle: "handle"}[s.StackID]
		total := cpuOf[s.Hour]
		if total.Sign() <= 0 {
			t.Fatalf("hour %v: stack costs with no CPU cost (%v)", s.Hour, total)
		}
		out[s.Hour.Start().Format("2006-01-02T15")+" "+name] = stackShare{cost: s.Cost, samples: s.Samples,
			share: fmt.Sprintf("%.6f", s.Cost.Float64()/total.Float64())}
	}
	return out
}

func partitionNames(parts []postgres.Partition) []string {
	var names []string
	for _, p := range parts {
		names = append(names, p.Name)
	}
	return names
}
