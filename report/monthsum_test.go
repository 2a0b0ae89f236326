package report_test

import (
	"context"
	"encoding/json"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/report"
)

// TestMonthRangeCalibratedOnPastForecasts: with the rolling-origin
// validation ForecastSpend stores, the month's range is an 80% range of
// its total: the forecast rest of the month times the 10th and 90th
// percentiles of what the same days came to over what was forecast at 12
// past origins (here 0.95 to 1.06, mean 1.005), widened about their mean
// for the overlap of the origins' windows (13 days, a week apart:
// 1.0408 times, to 0.94775 and 1.06225, forecast.SumRange), not the days'
// 80% bounds (0.93 and 1.07 times each day) added up, and both parts name
// it so.
func TestMonthRangeCalibratedOnPastForecasts(t *testing.T) {
	db := weeklyDB(t)
	ctx := context.Background()
	f, err := db.LatestForecast(ctx, report.ForecastScope(fixture.WeeklyAccount))
	if err != nil {
		t.Fatal(err)
	}
	ratios := []float64{1.02, 0.97, 1.06, 0.99, 1.01, 0.95, 1.03, 1.00, 0.98, 1.04, 0.96, 1.05}
	v := forecast.SumValidation{}
	for k, r := range ratios {
		v.Origins = append(v.Origins, -7*(len(ratios)-k)-30)
		fc, act := make([]float64, 40), make([]float64, 40)
		for h := range fc {
			fc[h], act[h] = 100, 100*r
		}
		v.Forecast, v.Actual = append(v.Forecast, fc), append(v.Actual, act)
	}
	if f.Params, err = json.Marshal(map[string]any{"sumValidation": v}); err != nil {
		t.Fatal(err)
	}
	f.CreatedAt = f.CreatedAt.Add(time.Hour)
	if err := db.SaveForecast(ctx, f); err != nil {
		t.Fatal(err)
	}
	r := build(t, db, weeklyConfig(t), "org")
	m := r.Month
	next := m.Month.AddDate(0, 1, 0)
	var rest float64
	for _, p := range f.Points {
		if !p.T.Before(m.Through) && p.T.Before(next) {
			rest += p.Mean
		}
	}
	at := func(x float64) tally.Money {
		v, err := tally.FromFloat(x, "USD")
		if err != nil {
			t.Fatal(err)
		}
		s, _ := m.MonthToDate.Add(v.Round(2))
		return s
	}
	if m.Forecast == nil {
		t.Fatalf("no month forecast: %s", m.Unavailable)
	}
	if lo, hi := at(0.9477541850*rest), at(1.0622458150*rest); m.Forecast.Lo80.String() != lo.String() || m.Forecast.Hi80.String() != hi.String() {
		t.Errorf("month range %s-%s, want %s-%s (the rest of the month, %.2f, times 0.94775 and 1.06225)",
			m.Forecast.Lo80, m.Forecast.Hi80, lo, hi, rest)
	}
	out, err := report.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"text": out.Text, "HTML": html.UnescapeString(out.HTML)} {
		if !strings.Contains(s, "80% range of the month's total") || strings.Contains(s, "ranges added") {
			t.Errorf("%s: want the month's range named an 80%% range of the month's total:\n%s", name, monthLines(s))
		}
	}
}
