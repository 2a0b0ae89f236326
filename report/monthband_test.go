package report

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// twoUSDAccounts is an organization of two billing accounts billed in USD,
// each forecast at 100 a day. Only the methods month reads are set.
type twoUSDAccounts struct{ Store }

func (twoUSDAccounts) BillingAccounts(context.Context) ([]tally.BillingAccount, error) {
	return []tally.BillingAccount{{ID: "a", Provider: "aws"}, {ID: "b", Provider: "aws"}}, nil
}

func (twoUSDAccounts) LatestForecast(_ context.Context, scope string) (tally.Forecast, error) {
	var pts []tally.ForecastPoint
	for d := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)); d = d.Add(day) {
		pts = append(pts, tally.ForecastPoint{T: d, Mean: 100, Lo80: 90, Hi80: 110, Lo95: 80, Hi95: 120})
	}
	return tally.Forecast{Scope: scope, Model: "ets", Granularity: "day", Params: json.RawMessage(`{"currency":"USD"}`), Points: pts}, nil
}

// TestTrendBandOfAccounts: the trend chart's band is one account's daily
// 80% range, or with several accounts their ranges added, which is no 80%
// range of their total; its legend and text say which, as the Overview's
// chart does ("Accounts' 80% ranges, added"). It was "forecast (80% band)"
// either way.
func TestTrendBandOfAccounts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store Store
		band  string
	}{
		{"one account", twoCurrencies{}, "with the forecast to month end and its 80% band"},
		{"two accounts", twoUSDAccounts{}, "with the forecast to month end and its accounts' 80% ranges added"},
	} {
		wk := WeekOf(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
		r := &Report{Week: wk, Currency: "USD"}
		for d := wk.End().Add(-56 * day); d.Before(wk.End()); d = d.Add(day) {
			r.Daily = append(r.Daily, DailyCost{Day: d, Cost: tally.MustParseMoney("100", "USD")})
		}
		if err := (&Builder{Store: tc.store}).month(context.Background(), r, Audience{Name: OrgAudience}, nil); err != nil {
			t.Fatal(err)
		}
		if r.Month.Forecast == nil {
			t.Fatalf("%s: no forecast: %s", tc.name, r.Month.Unavailable)
		}
		img, err := TrendChart(r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(img.Alt, tc.band) {
			t.Errorf("%s: chart %q, want it to end %q", tc.name, img.Alt, tc.band)
		}
	}
}

// TestMonthRangeOfAccounts: the month's forecast row and the trend chart
// name the same ranges: with several accounts the row adds the days' and
// the accounts' 80% ranges, and the chart's daily band the accounts'. The
// row said "days' 80% ranges added" while the chart said "accounts' 80%
// ranges added", of the same forecast.
func TestMonthRangeOfAccounts(t *testing.T) {
	for _, tc := range []struct {
		name         string
		store        Store
		row, chartIs string
	}{
		{"one account", twoCurrencies{}, "days' 80% ranges added", "its 80% band"},
		{"two accounts", twoUSDAccounts{}, "days' and accounts' 80% ranges added", "its accounts' 80% ranges added"},
	} {
		wk := WeekOf(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
		r := &Report{Week: wk, Currency: "USD", Audience: Audience{Name: OrgAudience}}
		for d := wk.End().Add(-56 * day); d.Before(wk.End()); d = d.Add(day) {
			r.Daily = append(r.Daily, DailyCost{Day: d, Cost: tally.MustParseMoney("100", "USD")})
		}
		if err := (&Builder{Store: tc.store}).month(context.Background(), r, Audience{Name: OrgAudience}, nil); err != nil {
			t.Fatal(err)
		}
		out, err := Render(r)
		if err != nil {
			t.Fatal(err)
		}
		for part, s := range map[string]string{"text": out.Text, "HTML": html.UnescapeString(out.HTML)} {
			if !strings.Contains(s, tc.row) || tc.row == "days' 80% ranges added" && strings.Contains(s, "accounts' 80% ranges added") {
				t.Errorf("%s, %s: the month's row does not say %q:\n%s", tc.name, part, tc.row, monthRow(s))
			}
		}
		img, err := TrendChart(r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(img.Alt, tc.chartIs) {
			t.Errorf("%s: chart %q, want it to end %q", tc.name, img.Alt, tc.chartIs)
		}
	}
}

func monthRow(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "Forecast for the month") {
			return strings.TrimSpace(l)
		}
	}
	return "(no row)"
}
