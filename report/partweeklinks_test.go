package report_test

import (
	"net/url"
	"testing"

	"github.com/tallyhq/tally/internal/fixture"
)

// TestPartWeekLinksOpenTheComparedDays: with the report week's Saturday
// and Sunday not billed yet, the report counts Monday to Friday of each
// week, and its links open those days: the dashboard then shows the
// figures the email gives. They opened the whole week, whose totals
// matched the email's only once the bill had caught up; and the functions
// were compared over whole weeks, the days not billed yet counting $0.
func TestPartWeekLinksOpenTheComparedDays(t *testing.T) {
	db, url := fixtureURL(t)
	cfg := weeklyConfig(t)
	fixture.Unbill(t, url, fixture.WeeklyReport.AddDate(0, 0, 5), fixture.WeeklyReport.AddDate(0, 0, 7))
	r := build(t, db, cfg, "org")
	if got := r.ComparedWeekdays(); got != "Mon–Fri" {
		t.Fatalf("compared %q, want Mon–Fri", got)
	}
	const monFri = "2026-10-12T00:00:00Z,2026-10-17T00:00:00Z"
	const lastMonFri = "2026-10-05T00:00:00Z,2026-10-10T00:00:00Z"
	check := func(what, link, param, want string) {
		t.Helper()
		u, err := parseLink(link)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := u.Query().Get(param); got != want {
			t.Errorf("%s: %s=%s, want %s (%s)", what, param, got, want, link)
		}
	}
	check("allocations link", r.Links.Allocations, "window", monFri)
	links := 0
	for _, set := range r.Movers {
		for _, m := range set.Movers {
			check(set.Dimension+" "+m.Name, m.Link, "window", monFri)
			links++
		}
	}
	for _, tm := range r.Teams {
		check("team "+tm.Team, tm.Link, "window", monFri)
		links++
	}
	for _, f := range r.Functions {
		check("function "+f.Function, f.Link, "window", monFri)
		check("function "+f.Function, f.Link, "baseWindow", lastMonFri)
		// Five days' change a year is 73 of them.
		if want, _ := f.Change.Delta.MulRatio(73, 1); !f.Annual.Equal(want.Round(2)) {
			t.Errorf("function %s: %s a year from a change of %s over Mon–Fri, want %s", f.Function, f.Annual, f.Change.Delta, want.Round(2))
		}
		links++
	}
	if links == 0 || len(r.Functions) == 0 || len(r.Teams) == 0 {
		t.Fatalf("%d links, %d functions, %d teams: the fixture should have all three", links, len(r.Functions), len(r.Teams))
	}
}

func parseLink(link string) (*url.URL, error) { return url.Parse(link) }
