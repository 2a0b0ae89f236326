package report_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tallyhq/tally/report"
)

// A function's change in the email is of its self cost; the Functions
// page its link opened showed "Change / year" of total cost beside it
// ($195/yr in the email, +$191.12 on the page). The email says self, and
// its link marks the function (fn) on the page sorted by Self.
func TestFunctionFiguresSaySelf(t *testing.T) {
	r := build(t, weeklyDB(t), weeklyConfig(t), "org")
	if len(r.Functions) == 0 {
		t.Fatal("no functions")
	}
	for _, f := range r.Functions {
		u, err := url.Parse(f.Link)
		if err != nil {
			t.Fatal(err)
		}
		if q := u.Query(); q.Get("fn") != f.Function || q.Get("sort") != "self" || q.Get("workload") != f.Workload {
			t.Errorf("%s: link %s; want fn=%s, sort=self and workload=%s", f.Function, f.Link, f.Function, f.Workload)
		}
	}
	text, html := rendered(t, r)
	f := r.Functions[0]
	for _, want := range []string{
		report.FormatMoney(f.LastWeek) + " -> " + report.FormatMoney(f.ThisWeek) + " self",
		report.FormatMoney(f.Annual) + "/yr self",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q", want)
		}
		if !strings.Contains(html, strings.ReplaceAll(want, "->", "→")) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
}
