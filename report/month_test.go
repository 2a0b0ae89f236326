package report

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"gonum.org/v1/plot/plotter"
)

// twoCurrencies is an organization with two USD clusters and one EUR
// cluster, billed through a USD account forecast at 100 a day and a EUR
// account forecast at 1000 a day. Only the methods month reads are set.
type twoCurrencies struct {
	Store
	legacy bool // the USD forecast does not record its currency
	// pending is the USD forecast's month with its fees not billed yet.
	pending string
}

func (twoCurrencies) BillingAccounts(context.Context) ([]tally.BillingAccount, error) {
	return []tally.BillingAccount{{ID: "aws-usd", Provider: "aws"}, {ID: "gcp-eur", Provider: "gcp"}}, nil
}

func (s twoCurrencies) LatestForecast(_ context.Context, scope string) (tally.Forecast, error) {
	v, params := 100.0, `{"currency":"USD","basis":"amortized"}`
	if s.legacy {
		params = `{}`
	}
	if s.pending != "" {
		params = `{"currency":"USD","periodCharges":{"perMonth":300,"month":"` + s.pending + `","billed":0,"pending":180}}`
	}
	if scope == ForecastScope("gcp-eur") {
		v, params = 1000, `{"currency":"EUR","basis":"amortized"}`
	}
	var pts []tally.ForecastPoint
	for d := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)); d = d.Add(day) {
		pts = append(pts, tally.ForecastPoint{T: d, Mean: v, Lo80: v * 0.9, Hi80: v * 1.1, Lo95: v * 0.8, Hi95: v * 1.2})
	}
	return tally.Forecast{Scope: scope, Model: "ets", Granularity: "day", Params: json.RawMessage(params), Points: pts}, nil
}

func (twoCurrencies) AllocationRows(_ context.Context, q attribution.Query) ([]attribution.Row, error) {
	rows := []attribution.Row{
		{Cluster: "aws", Keys: []string{"aws"}, Cost: tally.MustParseMoney("700", "USD")},
		{Cluster: "aws2", Keys: []string{"aws2"}, Cost: tally.MustParseMoney("700", "USD")},
		{Cluster: "gke", Keys: []string{"gke"}, Cost: tally.MustParseMoney("700", "EUR")},
	}
	for i := range rows {
		for _, f := range q.Filters {
			rows[i].Outside = rows[i].Outside || f.Dim.Field == "cluster" && !strings.Contains(strings.Join(f.Values, ","), rows[i].Cluster)
		}
	}
	return rows, nil
}

// TestMonthForecastKeepsToTheReportCurrency checks the month's forecast
// sums only the forecasts of accounts billed in the report's currency, and
// scales them by the audience's share of the spend in that currency.
func TestMonthForecastKeepsToTheReportCurrency(t *testing.T) {
	cluster := func(c string) []attribution.Filter {
		return []attribution.Filter{{Dim: attribution.Dimension{Field: "cluster"}, Values: []string{c}}}
	}
	// The week of 2 March ends on 9 March: 23 days of forecast remain.
	tests := []struct {
		name        string
		store       twoCurrencies
		aud         Audience
		currency    tally.Currency
		total       string
		share       float64
		note        string
		unavailable string
	}{
		{"USD team", twoCurrencies{}, Audience{Name: "aws", Filters: cluster("aws")}, "USD", "1150.00", 0.5, "gcp-eur (EUR)", ""},
		{"EUR team", twoCurrencies{}, Audience{Name: "gke", Filters: cluster("gke")}, "EUR", "23000.00", 1, "aws-usd (USD)", ""},
		{"USD organization", twoCurrencies{}, Audience{Name: OrgAudience}, "USD", "2300.00", 1, "gcp-eur (EUR)", ""},
		{"unrecorded currency is the report's", twoCurrencies{legacy: true}, Audience{Name: "aws", Filters: cluster("aws")}, "USD", "1150.00", 0.5, "gcp-eur (EUR)", ""},
		{"no forecast in the currency", twoCurrencies{}, Audience{Name: OrgAudience}, "JPY", "", 0, "", "aws-usd (USD), gcp-eur (EUR)"},
		// March's fees for its days before the forecast, 180, are not billed
		// yet: they count, in the team's share.
		{"fees not billed yet", twoCurrencies{pending: "2026-03"}, Audience{Name: OrgAudience}, "USD", "2480.00", 1, "gcp-eur (EUR)", ""},
		{"fees not billed yet, a team", twoCurrencies{pending: "2026-03"}, Audience{Name: "aws", Filters: cluster("aws")}, "USD", "1240.00", 0.5, "gcp-eur (EUR)", ""},
		{"another month's fees", twoCurrencies{pending: "2026-02"}, Audience{Name: OrgAudience}, "USD", "2300.00", 1, "gcp-eur (EUR)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Builder{Store: tt.store}
			r := &Report{Week: WeekOf(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)), Currency: tt.currency}
			if err := b.month(context.Background(), r, tt.aud, nil); err != nil {
				t.Fatal(err)
			}
			f := r.Month.Forecast
			if tt.unavailable != "" {
				if f != nil || !strings.Contains(r.Month.Unavailable, tt.unavailable) {
					t.Fatalf("forecast %+v, unavailable %q; want none, unavailable naming %s", f, r.Month.Unavailable, tt.unavailable)
				}
				return
			}
			if f == nil {
				t.Fatalf("no forecast: %s", r.Month.Unavailable)
			}
			if want := tally.MustParseMoney(tt.total, tt.currency); !f.Total.Equal(want) || f.Share != tt.share {
				t.Errorf("forecast total %v, share %v; want %v, %v", f.Total, f.Share, want, tt.share)
			}
			wantPending := tally.Money{}
			if tt.store.pending == "2026-03" {
				wantPending = tally.MustParseMoney(fmt.Sprint(180*tt.share), tt.currency)
			}
			if !f.Pending.Equal(wantPending) {
				t.Errorf("pending %v, want %v", f.Pending, wantPending)
			}
			if !strings.Contains(f.Note, tt.note) {
				t.Errorf("note %q, want it to name %s", f.Note, tt.note)
			}
		})
	}
}

// lateForecast is an organization spending 90 a day whose forecast (100 a
// day) was made after the report's week: it starts on 14 March.
type lateForecast struct{ Store }

func (lateForecast) BillingAccounts(context.Context) ([]tally.BillingAccount, error) {
	return []tally.BillingAccount{{ID: "aws-usd", Provider: "aws"}}, nil
}

func (lateForecast) LatestForecast(_ context.Context, scope string) (tally.Forecast, error) {
	var pts []tally.ForecastPoint
	for d := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)); d = d.Add(day) {
		pts = append(pts, tally.ForecastPoint{T: d, Mean: 100, Lo80: 90, Hi80: 110, Lo95: 80, Hi95: 120})
	}
	return tally.Forecast{Scope: scope, Model: "ets", Granularity: "day", Params: json.RawMessage(`{"currency":"USD"}`), Points: pts}, nil
}

func (lateForecast) AllocationRows(_ context.Context, q attribution.Query) ([]attribution.Row, error) {
	var rows []attribution.Row
	for d := q.Window.Start; d.Before(q.Window.End); d = d.Add(day) {
		rows = append(rows, attribution.Row{Start: d, End: d.Add(day), Keys: []string{"shop"}, Cost: tally.MustParseMoney("90", "USD")})
	}
	return rows, nil
}

// TestMonthForecastMadeAfterTheWeek: the days between the week's end and
// a forecast made later count at what they were billed, and the month to
// date says it runs through them. They counted as nothing: the month's
// total was short by those days (found in the demo: the dashboard's report
// of the last week forecast November at 7,811 after 4,517 in 15 days).
func TestMonthForecastMadeAfterTheWeek(t *testing.T) {
	b := &Builder{Store: lateForecast{}}
	// The week of 2 March ends on 9 March; 8 days are in the month before it.
	r := &Report{Week: WeekOf(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)), Currency: "USD"}
	for d := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); d.Before(r.Week.End()); d = d.Add(day) {
		r.Daily = append(r.Daily, DailyCost{Day: d, Cost: tally.MustParseMoney("90", "USD")})
	}
	if err := b.month(context.Background(), r, Audience{Name: OrgAudience}, nil); err != nil {
		t.Fatal(err)
	}
	m, f := r.Month, r.Month.Forecast
	if f == nil {
		t.Fatalf("no forecast: %s", m.Unavailable)
	}
	// 8 + 5 billed days at 90, then 18 forecast days (14–31 March) at 100.
	if want := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC); !m.Through.Equal(want) || m.MonthToDate.Decimal() != "1170" {
		t.Errorf("month to date %v through %v; want 1170 through %v", m.MonthToDate, m.Through, want)
	}
	if f.Total.Decimal() != "2970" || f.Lo80.Decimal() != "2790" || f.Hi80.Decimal() != "3150" || len(f.Points) != 18 {
		t.Errorf("forecast %v (80%% %v–%v) over %d days; want 2970 (2790–3150) over 18", f.Total, f.Lo80, f.Hi80, len(f.Points))
	}
	// The chart draws the 5 billed days after the week before the forecast
	// takes over: 9–13 March are days 8–12 of r.Daily's 1 March.
	actual, mean, _ := trendLines(r)
	if len(m.Later) != 5 || len(actual) != 13 || actual[12] != (plotter.XY{X: 12, Y: 90}) {
		t.Errorf("%d days after the week, chart's spend %v; want 5 days, spend through day 12 at 90", len(m.Later), actual)
	}
	if len(mean) != 19 || mean[0] != actual[12] || mean[1] != (plotter.XY{X: 13, Y: 100}) {
		t.Errorf("chart's forecast %v; want it from day 12's spend to 100 on day 13", mean)
	}
	if _, err := TrendChart(r); err != nil {
		t.Error(err)
	}
}
