package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/postgres"
)

// interruptedSaves is a store whose SaveHours fails from its nth call on,
// as a job killed between two batches of a day.
type interruptedSaves struct {
	*postgres.DB
	n, calls int
}

func (s *interruptedSaves) SaveHours(ctx context.Context, hours []attribution.HourState, allocs []tally.Allocation, stacks []attribution.StackCost) error {
	s.calls++
	if s.calls >= s.n {
		return errors.New("interrupted")
	}
	return s.DB.SaveHours(ctx, hours, allocs, stacks)
}

// TestInterruptedRunKeepsLegacyStackCosts: a day whose stack costs are only
// daily sums (saved before 035) loses them at the first batch saved for one
// of its hours. If the run stops before its last batch (a day of a large
// fleet takes several), the day's other attributed hours are neither in the
// sums nor stale, so the next run (serve's, stale hours only) never rebuilds
// them: the day's stack costs stay short of what they were.
func TestInterruptedRunKeepsLegacyStackCosts(t *testing.T) {
	db, conn := openSQL(t)
	// 2,200 pods of two containers: over 4,400 allocations an hour, so a
	// day's hours are saved in two batches (saveBatchRows is 100,000).
	fleet := fixture.Fleet{Nodes: 20, Workloads: 2200, Replicas: 1, Namespaces: 10, Start: fixture.Day1, Days: 1,
		Stacks: 1, ProfiledDays: 1}
	if err := fleet.Store(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	day := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(24 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Workers: 1}
	if _, err := job.Attribute(ctx, day, true); err != nil {
		t.Fatal(err)
	}
	daySum := func() string {
		t.Helper()
		var s string
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(effective_cost), 0)::text FROM stack_costs WHERE day = $1::date`, day.Start).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	whole := daySum()
	if whole == "0" {
		t.Fatal("no stack costs after attributing the day")
	}
	// What a job before 035 left: daily sums only.
	if _, err := conn.Exec(ctx, `UPDATE attribution_hours SET stacks_by_hour = false; UPDATE stack_costs SET hours = 0;
		DELETE FROM stack_cost_hours`); err != nil {
		t.Fatal(err)
	}
	// One hour re-attributed; the run is killed after its first batch.
	killed := &interruptedSaves{DB: db, n: 2}
	stopped := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: killed, Workers: 1}
	if _, err := stopped.Attribute(ctx, tally.HourOf(day.Start.Add(12*time.Hour)).Window(), true); err == nil || killed.calls < 2 {
		t.Fatalf("the run saved %d batch(es) (%v); want it stopped at its second", killed.calls, err)
	}
	// The next run attributes what is stale.
	if _, err := job.Attribute(ctx, day, false); err != nil {
		t.Fatal(err)
	}
	if got := daySum(); got != whole {
		daily, _ := db.DailyStackHours(ctx, day)
		t.Errorf("after an interrupted run and the next: day's stack costs %s, want %s (%d hours still only in the dropped daily sums)", got, whole, len(daily))
	}
}
