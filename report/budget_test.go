package report_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/report"
)

// TestBudgetInAnotherCurrency: the fixture organization is billed in USD and
// its audience's budget is configured in EUR. A forecast in dollars cannot
// be compared with it, so the report leaves the budget out and says why.
// It printed the budget in euros and the forecast "0.00 (0%) under the
// October budget": change() dropped the currency-mismatch error of
// Money.Sub and kept a zero difference.
func TestBudgetInAnotherCurrency(t *testing.T) {
	cfg, err := report.ParseConfig("weekly.yaml", []byte(`
dashboard_url: https://tally.example.com
audiences:
  - name: org
    title: Example Corp
    recipients: [finops@example.com]
    budget: 6500 EUR
`))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	db := weeklyDB(t)
	r := build(t, db, cfg, "org")
	out, err := report.Render(r)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	if r.Month.Forecast == nil {
		t.Fatal("the fixture has no forecast: the budget is not compared in any currency")
	}
	if c, ok := r.Month.VsBudget(); ok {
		t.Errorf("a forecast in %s compared with a budget in EUR: %v (%.4f)", r.Currency, c.Delta, c.Ratio)
	}
	note := "Budget of €6,500 is left out: it is in EUR and the bill in USD (give the budget in USD)."
	if !strings.Contains(out.Text, note) || !strings.Contains(out.HTML, note) {
		t.Errorf("the report does not say the budget is left out (%q):\n%s", note, out.Text)
	}
	for _, bad := range []string{"under the October budget", "over the October budget", "of the budget spent"} {
		if strings.Contains(out.Text, bad) || strings.Contains(out.HTML, bad) {
			t.Errorf("the report compares the USD bill with the EUR budget: %q", bad)
		}
	}

	// A budget in another currency than the forecast is never compared.
	m := report.MonthOutlook{Forecast: &report.MonthForecast{Total: tally.MustParseMoney("6645", "USD")},
		Budget: tally.MustParseMoney("6500", "EUR")}
	if c, ok := m.VsBudget(); ok {
		t.Errorf("VsBudget of a USD forecast against a EUR budget: %v, ok", c.Delta)
	}
}
