package report

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// A report is sent once the bill covers most of its week, not when any
// of its eight weeks has cost.
func TestHasCost(t *testing.T) {
	daily := func(costly int) []DailyCost { // 56 days, the first `costly` with cost
		out := make([]DailyCost, 56)
		for i := range out {
			out[i].Cost = tally.Zero("USD")
			if i < costly {
				out[i].Cost = tally.MustParseMoney("10", "USD")
			}
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		costDays int
		daily    []DailyCost
		want     bool
	}{
		{"bill through the week before", 0, daily(49), false},
		{"three days in", 3, daily(52), false},
		{"four days in", 4, daily(53), true},
		{"whole week", 7, daily(56), true},
		{"organization billed, audience without any cost", 7, daily(0), false},
		{"organization billed, audience idle this week", 7, daily(49), true},
	} {
		r := &Report{CostDays: tc.costDays, Daily: tc.daily}
		if got := r.HasCost(); got != tc.want {
			t.Errorf("%s: HasCost %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWeekCheckEnded(t *testing.T) {
	w := Week{Start: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)}
	if err := w.CheckEnded(w.End()); err != nil {
		t.Errorf("at its end: %v", err)
	}
	for _, now := range []time.Time{w.End().Add(-time.Second), w.Start, w.Start.AddDate(0, 0, -7)} {
		if err := w.CheckEnded(now); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("at %v: %v, want EInvalid", now, err)
		}
	}
}

// The compared days are named by weekday, runs as ranges; a report without
// any (a week the bill has not reached) does not read as part of a week.
func TestComparedWeekdays(t *testing.T) {
	wk := Week{Start: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		days []int
		want string
		part bool
	}{
		{[]int{0, 1, 2, 3, 4, 5, 6}, "Mon–Sun", false},
		{[]int{1, 2, 3, 4, 5, 6}, "Tue–Sun", true},
		{[]int{0, 1, 3, 4, 5, 6}, "Mon–Tue, Thu–Sun", true},
		{[]int{0, 2, 6}, "Mon, Wed, Sun", true},
		{nil, "no day", false},
	} {
		r := &Report{Week: wk}
		for _, i := range tc.days {
			r.Compared = append(r.Compared, wk.Start.AddDate(0, 0, i))
		}
		if got := r.ComparedWeekdays(); got != tc.want || r.PartWeek() != tc.part {
			t.Errorf("%v: %q, part of a week %v; want %q, %v", tc.days, got, r.PartWeek(), tc.want, tc.part)
		}
	}
}
