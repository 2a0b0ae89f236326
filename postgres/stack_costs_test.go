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
