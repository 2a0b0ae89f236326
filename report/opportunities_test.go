package report

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// A right-sizing recommendation may cost more: a node group grown to
// relieve pressure, a container given the memory it runs out of. What
// those add is not a saving: it was netted into the savings total, so
// "$110 a month" was said of recommendations that save 150. The total is
// of those that save; what the others add is said apart, in the email's
// text and HTML parts, and such an item is not shown as a saving.
func TestOpportunitiesAddedCostApart(t *testing.T) {
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	recs := []tally.Recommendation{
		{Kind: tally.RecommendContainer, Target: "a", MonthlySavings: usd("100")},
		{Kind: tally.RecommendNode, Target: "pool-b", MonthlySavings: usd("-40")},
		{Kind: tally.RecommendContainer, Target: "c", MonthlySavings: usd("50")},
	}
	o := opportunities(recs, 5, tally.Zero("USD"), func(r tally.Recommendation) string { return "https://tally.example.com/r/" + r.Target })
	if !o.Total.Equal(usd("150")) || !o.Added.Equal(usd("40")) || o.Count != 3 || o.CostMore != 1 {
		t.Fatalf("total %v, added %v, count %d, cost more %d; want 150, 40, 3, 1", o.Total, o.Added, o.Count, o.CostMore)
	}

	wk := Week{Start: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)}
	r := &Report{
		Audience: Audience{Name: OrgAudience, Title: "Organization"}, Week: wk, Generated: wk.End(), Currency: "USD",
		Spend:       Spend{ThisWeek: usd("100"), LastWeek: usd("90")},
		Month:       MonthOutlook{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Through: wk.End(), MonthToDate: usd("300")},
		Rightsizing: o,
		Links:       Links{Allocations: "https://tally.example.com/allocations?window=2026-W42"},
	}
	text, err := Text(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Right-sizing: $150 a month from 2 recommendation(s); 1 that costs more adds $40.00 a month",
		"$40.00/mo more  pool-b",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	out, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Right-sizing: $150/month from 2 recommendation(s); 1 that costs more adds $40.00/month",
		"$40.00/mo more",
	} {
		if !strings.Contains(out.HTML, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	if strings.Contains(out.HTML, "-$40.00") || strings.Contains(text, "-$40.00") {
		t.Errorf("an added cost is shown as a negative saving")
	}
}
