package attribution_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestForceAttributeOfTheCurrentHour: forcing a window that starts at the
// current hour, which has not ended, attributes nothing. Its day then has
// no hour to save; with no hour of the day attributed before either, the
// job takes the span of no hours (hours[0] of an empty list) and panics,
// killing the process.
func TestForceAttributeOfTheCurrentHour(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	now := day1.Add(10*time.Hour + 30*time.Minute)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Workers: 1,
		Now: func() time.Time { return now }}
	w := tally.Window{Start: day1.Add(10 * time.Hour), End: day1.Add(12 * time.Hour)}
	sum, err := job.Attribute(ctx, w, true)
	if err != nil || sum.Hours != 0 {
		t.Errorf("attributing %v at %v: %d hours (%v), want none", w, now, sum.Hours, err)
	}
}
