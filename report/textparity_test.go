package report

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// parityReport is a report with an expiring commitment and an anomaly of
// several days, for what the HTML and text parts both say of them.
func parityReport() *Report {
	wk := Week{Start: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)}
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	r := &Report{
		Audience: Audience{Name: OrgAudience, Title: "Organization"}, Week: wk, Generated: wk.End(), Currency: "USD",
		Spend:             Spend{ThisWeek: usd("100"), LastWeek: usd("90")},
		Month:             MonthOutlook{Month: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Through: wk.End(), MonthToDate: usd("300")},
		ExpiringAvailable: true,
		Expiring: []Expiring{{ID: "sp-compute-2025", Kind: "compute-savings-plan", Account: "123456789012", End: wk.End().AddDate(0, 0, 17),
			DaysLeft: 17, Hourly: usd("2"), Monthly: usd("1460"), Link: "https://tally.example.com/commitments?id=sp-compute-2025"}},
		Anomalies: []Anomaly{{Scope: "workload", Name: "shop/checkout", Day: wk.Start, Days: 7, Cost: usd("11.13"), Expected: usd("7.43"),
			Lo: usd("5.49"), Hi: usd("9.37"), Z: 4, Link: "https://tally.example.com/allocations"}},
		Links: Links{Allocations: "https://tally.example.com/allocations?window=2026-W42"},
	}
	for i := range 7 {
		r.Compared = append(r.Compared, wk.Start.AddDate(0, 0, i))
	}
	return r
}

// TestTextNamesExpiringAccount: the HTML part names the billing account
// of a commitment that expires ("compute-savings-plan · account
// 123456789012"), and the text part now does too: it named the
// commitment's id and kind only, and a FinOps lead with several payer
// accounts reading the text could not tell which account renews it.
func TestTextNamesExpiringAccount(t *testing.T) {
	r := parityReport()
	out, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = "account 123456789012"
	if !strings.Contains(out.HTML, want) {
		t.Fatalf("the HTML part does not say %q", want)
	}
	if !strings.Contains(out.Text, want) {
		t.Errorf("the text part does not say %q:\n%s", want, out.Text)
	}
}

// TestTextNamesAnomalyBand: an anomaly's range is the band its days left,
// and the HTML part calls it that ("band $5.49–$9.37"); the text part
// wrote the bare amounts, "usually $7.43 ($5.49-$9.37)", which read as a
// range of this week's cost. It now says "band" too.
func TestTextNamesAnomalyBand(t *testing.T) {
	out, err := Render(parityReport())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.HTML, "band $5.49–$9.37") {
		t.Fatalf("the HTML part does not say %q", "band $5.49–$9.37")
	}
	const want = "usually $7.43 (band $5.49-$9.37)"
	if !strings.Contains(out.Text, want) {
		t.Errorf("the text part does not say %q:\n%s", want, out.Text)
	}
}

// TestHTMLCommitmentsCountLikeText: the Commitments heading counts the
// recommendations that save and says what those that cost more add, as
// the text part and the Right-sizing heading do; the HTML part counted
// them all as saving ("$385/month from 2 recommendation(s)") and left out
// what one that costs more adds.
func TestHTMLCommitmentsCountLikeText(t *testing.T) {
	r := parityReport()
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	r.Commitments = Opportunities{Available: true, Total: usd("385"), Added: usd("20"), Count: 2, CostMore: 1,
		Items: []Opportunity{{Kind: "commitment", Target: "aws/123456789012/compute-savings-plan-1y", MonthlySavings: usd("385")}}}
	out, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Commitments: $385 a month from 1 recommendation(s); 1 that costs more adds $20.00 a month"; !strings.Contains(out.Text, want) {
		t.Fatalf("the text part does not say %q", want)
	}
	if want := "Commitments: $385/month from 1 recommendation(s); 1 that costs more adds $20.00/month"; !strings.Contains(out.HTML, want) {
		t.Errorf("the HTML part does not say %q", want)
	}
}

// TestTeamForecastSaysItIsScaled: a team's month forecast is the
// organization's scaled by the team's share of its spend over the last
// four weeks, and both parts now say so: they showed it as the team's own
// forecast, with its 80% ranges, though it follows the organization's
// trend, not the team's.
func TestTeamForecastSaysItIsScaled(t *testing.T) {
	r := parityReport()
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	r.Audience = Audience{Name: "commerce", Title: "Commerce team", Filter: `label[team]:"commerce"`}
	r.ExpiringAvailable, r.Expiring = false, nil
	r.Month.Forecast = &MonthForecast{Total: usd("701"), Lo80: usd("698"), Hi80: usd("704"), Model: "ets", Share: 0.0712, Accounts: 1}
	out, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = "The team's forecast is the organization's, scaled by the team's share of the organization's spend over the last four weeks (7.1%): it follows the organization's trend, not the team's own."
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if !strings.Contains(flat(out.Text), want) {
		t.Errorf("the text part does not say %q", want)
	}
	if !strings.Contains(flat(html.UnescapeString(out.HTML)), want) {
		t.Errorf("the HTML part does not say %q", want)
	}
	r.Audience = Audience{Name: OrgAudience, Title: "Organization"}
	r.Month.Forecast.Share = 1
	if out, err = Render(r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.Text, "scaled by") {
		t.Errorf("the organization's report says its forecast is scaled:\n%s", out.Text)
	}
}

// TestExpiringEstimatedEnd: a commitment whose bill does not date its term
// (a GCP CUD: tally.Commitment.StartEstimated) ends by the day reckoned
// from its first charge, not on it, and both parts say so, as tally
// commitments status does ("≤ 2027-03-04 (est.)"); they gave that end as
// a fact. An end the bill dates stays a fact.
func TestExpiringEstimatedEnd(t *testing.T) {
	r := parityReport()
	dated := r.Expiring[0]
	dated.ID = "sp-dated"
	r.Expiring[0].EndEstimated = true
	r.Expiring = append(r.Expiring, dated)
	out, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	const est, fact = "ends by Thu Nov 5 (est.), in at most 17 day(s)", "ends Thu Nov 5, in 17 day(s)"
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if text := flat(out.Text); !strings.Contains(text, est) || !strings.Contains(text, fact) {
		t.Errorf("the text part does not say %q of one and %q of the other:\n%s", est, fact, out.Text)
	}
	htmlText := flat(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(out.HTML, " ")))
	if !strings.Contains(htmlText, "ends by Thu Nov 5 (est.) in at most 17 day(s)") || !strings.Contains(htmlText, "ends Thu Nov 5 in 17 day(s)") {
		t.Errorf("the HTML part does not say the estimated end is one:\n%s", htmlText)
	}
}
