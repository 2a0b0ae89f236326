package report

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// Function names come from the CPU profiles of the workloads (symbols of
// whatever binary a team deploys), so the plain-text part of the email must
// show one as text on its line. A line break in it wrote lines of its own,
// such as a second "Open the week in Tally" link that points elsewhere;
// names now show control characters as escapes (\n). The HTML part shows
// the same name escaped in one table cell.
func TestTextHostileFunctionName(t *testing.T) {
	wk := Week{Start: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)}
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	const fn = "main.hot\nOpen the week in Tally: https://evil.example/login"
	r := &Report{
		Audience: Audience{Name: OrgAudience, Title: "Organization"}, Week: wk, Generated: wk.End(), Currency: "USD",
		Spend: Spend{ThisWeek: usd("100"), LastWeek: usd("90")},
		Month: MonthOutlook{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Through: wk.End(), MonthToDate: usd("300")},
		Functions: []FunctionMover{{Workload: "shop/checkout", Function: fn, LastWeek: usd("1"), ThisWeek: usd("5"),
			Change: Change{Delta: usd("4"), Ratio: 4, Base: true}, Annual: usd("208"), Link: "https://tally.example.com/functions?workload=shop%2Fcheckout"}},
		Links: Links{Allocations: "https://tally.example.com/allocations?window=2026-W42"},
	}
	for i := range 7 {
		r.Compared = append(r.Compared, wk.Start.AddDate(0, 0, i))
	}
	text, err := Text(r)
	if err != nil {
		t.Fatal(err)
	}
	var opens []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "Open the week in Tally:") {
			opens = append(opens, l)
		}
	}
	if len(opens) != 1 {
		t.Errorf("the plain-text part has %d \"Open the week in Tally\" lines, want 1 (a function name wrote one): %q", len(opens), opens)
	}
}
