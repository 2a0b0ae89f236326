package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestStackCostsOfDaysSavedWhole: before 035, a day's stack costs were
// saved only as daily sums. Attributing one hour of such a day must neither
// add that hour to the old sums nor leave the day with that hour only: the
// job computes the day's other attributed hours too, once, and a day not
// attributed keeps its sums.
func TestStackCostsOfDaysSavedWhole(t *testing.T) {
	db, conn := openSQL(t)
	fixture.OneNode(t, db, 48)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	days := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}
	if _, err := job.Attribute(ctx, days, true); err != nil {
		t.Fatal(err)
	}
	daySums := func() (sums [2]string, hours [2]int) {
		t.Helper()
		for i := range 2 {
			err := conn.QueryRow(ctx, `SELECT coalesce(sum(effective_cost), 0)::text, coalesce(sum(hours), 0) FROM stack_costs
				WHERE day = ($1::timestamptz AT TIME ZONE 'UTC')::date`, fixture.Day1.AddDate(0, 0, i)).Scan(&sums[i], &hours[i])
			if err != nil {
				t.Fatal(err)
			}
		}
		return sums, hours
	}
	whole, hours := daySums()
	if whole[0] == "0" || hours != [2]int{48, 48} { // two stacks an hour
		t.Fatalf("stack costs of the two days: %v over %v hour rows; want some, over 48 each", whole, hours)
	}
	// What a job before 035 left: daily sums only.
	if _, err := conn.Exec(ctx, `UPDATE attribution_hours SET stacks_by_hour = false; UPDATE stack_costs SET hours = 0;
		DELETE FROM stack_cost_hours`); err != nil {
		t.Fatal(err)
	}
	if _, err := job.Attribute(ctx, tally.HourOf(fixture.Day1.Add(12*time.Hour)).Window(), true); err != nil {
		t.Fatal(err)
	}
	got, hours := daySums()
	if got != whole || hours != [2]int{48, 0} {
		t.Errorf("after attributing an hour of day 1: stack costs %v over %v hour rows, want %v over [48 0]", got, hours, whole)
	}
	for i, want := range []int{0, 24} {
		day := tally.Window{Start: fixture.Day1.AddDate(0, 0, i), End: fixture.Day1.AddDate(0, 0, i+1)}
		if daily, err := db.DailyStackHours(ctx, day); err != nil || len(daily) != want {
			t.Errorf("day %d: %d hours with daily stack costs only (%v), want %d", i+1, len(daily), err, want)
		}
	}
}

// TestSaveHoursMovesDailyStackCosts: saving an hour again replaces its stack
// costs in its day's sums, a stack gone from every hour of its day leaves no
// row, and another hour adds to the day.
func TestSaveHoursMovesDailyStackCosts(t *testing.T) {
	db, conn := openSQL(t)
	day := fixture.Day1
	h := tally.HourOf(day.Add(10 * time.Hour))
	stack := func(h tally.Hour, id int64, cost string, samples int64) attribution.StackCost {
		return attribution.StackCost{Cluster: "prod", Hour: h, Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: "api",
			Container: "api", Image: "shop/api:1", StackID: id, Cost: tally.MustParseMoney(cost, "USD"), Samples: samples}
	}
	save := func(h tally.Hour, stacks ...attribution.StackCost) {
		t.Helper()
		mark, err := db.ReadMark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveHours(ctx, []attribution.HourState{{Hour: h, Read: mark}}, nil, stacks); err != nil {
			t.Fatal(err)
		}
	}
	daily := func() string {
		t.Helper()
		var s string
		err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(stack_id || ':' || round(effective_cost, 2)::text || '/' || samples || '/' || hours, ' ' ORDER BY stack_id), '')
			FROM stack_costs WHERE day = $1::date`, day).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, step := range []struct {
		name   string
		hour   tally.Hour
		stacks []attribution.StackCost
		want   string // stack:cost/samples/hours of the day
	}{
		{"first", h, []attribution.StackCost{stack(h, 1, "1.00", 2), stack(h, 2, "0.50", 1)}, "1:1.00/2/1 2:0.50/1/1"},
		{"again, stack 2 gone", h, []attribution.StackCost{stack(h, 1, "0.70", 3)}, "1:0.70/3/1"},
		{"again, the same", h, []attribution.StackCost{stack(h, 1, "0.70", 3)}, "1:0.70/3/1"},
		{"the next hour", h + 1, []attribution.StackCost{stack(h+1, 1, "0.30", 1)}, "1:1.00/4/2"},
		{"unprofiled", h, nil, "1:0.30/1/1"},
	} {
		save(step.hour, step.stacks...)
		if got := daily(); got != step.want {
			t.Errorf("%s: the day's stack costs %q, want %q", step.name, got, step.want)
		}
	}
}
