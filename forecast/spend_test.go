package forecast

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// dailyStore serves one account's daily cost of 100 USD on every day asked
// for and records the window it was asked for.
type dailyStore struct {
	window tally.Window
}

func (s *dailyStore) DailyCosts(_ context.Context, g tally.CostGroup, _ tally.CostBasis, w tally.Window) ([]tally.DailyCost, error) {
	s.window = w
	if g != tally.GroupBillingAccount {
		return nil, nil
	}
	var out []tally.DailyCost
	for d := w.Start; d.Before(w.End); d = d.AddDate(0, 0, 1) {
		out = append(out, tally.DailyCost{Key: "111", Day: d, Cost: tally.MustParseMoney("100", "USD")})
	}
	return out, nil
}

func (s *dailyStore) SaveForecast(context.Context, tally.Forecast) error { return nil }

// TestForecastSpendLag: the history ends Lag days before today. Lag 0
// (tally forecast --lag 0) reads the bill up to today; it had been taken
// for "unset" and replaced by 2, leaving out the two most recent days.
func TestForecastSpendLag(t *testing.T) {
	now := time.Date(2026, 10, 8, 12, 0, 0, 0, time.UTC)
	today := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	for _, lag := range []int{0, 1, DefaultLag} {
		st := &dailyStore{}
		fs, err := ForecastSpend(context.Background(), st, SpendOptions{Scopes: []string{KindSpendAccount}, Lag: lag, History: 60, Horizon: 7, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		end := today.AddDate(0, 0, -lag)
		if !st.window.End.Equal(end) || len(fs) != 1 || !fs[0].HistoryEnd.Equal(end) {
			t.Errorf("Lag %d: read %s, %d forecasts; want the bill up to %s", lag, st.window, len(fs), end.Format(time.DateOnly))
		}
	}
	if _, err := ForecastSpend(context.Background(), &dailyStore{}, SpendOptions{Lag: -1, Now: now}); err == nil {
		t.Error("Lag -1: no error")
	}
}

// billedUntil serves two accounts' daily cost of 100 USD up to (not
// including) the day last: a bill last ingested then.
type billedUntil struct{ last time.Time }

func (s *billedUntil) DailyCosts(_ context.Context, g tally.CostGroup, _ tally.CostBasis, w tally.Window) ([]tally.DailyCost, error) {
	if g != tally.GroupBillingAccount {
		return nil, nil
	}
	var out []tally.DailyCost
	for d := w.Start; d.Before(w.End) && d.Before(s.last); d = d.AddDate(0, 0, 1) {
		for _, acct := range []string{"111", "222"} {
			out = append(out, tally.DailyCost{Key: acct, Day: d, Cost: tally.MustParseMoney("100", "USD")})
		}
	}
	return out, nil
}

func (s *billedUntil) SaveForecast(context.Context, tally.Forecast) error { return nil }

// TestForecastSpendStaleBill: days after the last day the bill has any line
// (an ingest that stopped running, a demo served days after it was loaded)
// are not billed yet, not days of zero spend. They had been read as zeros:
// twelve days after the bill's end the forecast of a steady 100 USD a day
// was a level shift to 0 USD.
func TestForecastSpendStaleBill(t *testing.T) {
	last := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	fs, err := ForecastSpend(context.Background(), &billedUntil{last}, SpendOptions{
		Scopes: []string{KindSpendAccount}, History: 90, Horizon: 7, Lag: DefaultLag, Now: last.AddDate(0, 0, 12).Add(9 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 {
		t.Fatalf("%d forecasts, want 2", len(fs))
	}
	for _, f := range fs {
		if !f.HistoryEnd.Equal(last) || math.Abs(f.Points[0].Mean-100) > 1 {
			t.Errorf("%s: history ends %s, first day %s forecast %.2f; want the history to end with the bill on %s and 100 a day",
				f.Scope, f.HistoryEnd.Format(time.DateOnly), f.Points[0].T.Format(time.DateOnly), f.Points[0].Mean, last.Format(time.DateOnly))
		}
		if !strings.Contains(string(f.Params), "the bill has no line after 2026-09-30") {
			t.Errorf("%s: no note says where the bill ends: %s", f.Scope, f.Params)
		}
	}
}

// monthlyFees serves account 111's bill: 100 USD a weekday and 80 a
// weekend day of daily charges, and 900 USD a month charged for the month
// at once (support and tax) on its first day, but for the month of stop,
// whose invoice has not come yet: 60 USD of reservation fees so far.
type monthlyFees struct{ stop time.Time }

func (s monthlyFees) DailyCosts(_ context.Context, g tally.CostGroup, _ tally.CostBasis, w tally.Window) ([]tally.DailyCost, error) {
	if g != tally.GroupBillingAccount {
		return nil, nil
	}
	var out []tally.DailyCost
	for d := w.Start; d.Before(w.End); d = d.AddDate(0, 0, 1) {
		daily := "100"
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			daily = "80"
		}
		out = append(out, tally.DailyCost{Key: "111", Day: d, Cost: tally.MustParseMoney(daily, "USD")})
		if d.Day() == 1 {
			fee := "900"
			if d.Equal(tally.MonthStart(s.stop)) {
				fee = "60"
			}
			out = append(out, tally.DailyCost{Key: "111", Day: d, Cost: tally.MustParseMoney(fee, "USD"), Period: true})
		}
	}
	return out, nil
}

func (monthlyFees) SaveForecast(context.Context, tally.Forecast) error { return nil }

// TestForecastSpendPeriodCharges: charges billed for a month at once are
// forecast apart, spread over each month's days. They had been a spike of
// 900 USD on the first of each month in the series the models fit: the
// seasonal naive model repeated it a week later, the 80% range reached far
// below the forecast, and no month of the forecast had its fees.
func TestForecastSpendPeriodCharges(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC) // the bill to 21 November
	fs, err := ForecastSpend(context.Background(), monthlyFees{now}, SpendOptions{
		Scopes: []string{KindSpendAccount}, History: 150, Horizon: 40, Lag: DefaultLag, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	f := fs[0]
	for _, p := range f.Points {
		want := 100.0
		if wd := p.T.Weekday(); wd == time.Saturday || wd == time.Sunday {
			want = 80
		}
		want += 900 / float64(monthLength(tally.MonthStart(p.T))/(24*time.Hour))
		if math.Abs(p.Mean-want) > 1 || p.Lo80 > p.Mean || p.Hi80 < p.Mean || p.Mean-p.Lo80 > 5 {
			t.Errorf("%s: forecast %.2f (80%%: %.2f – %.2f), want %.2f", p.T.Format(time.DateOnly), p.Mean, p.Lo80, p.Hi80, want)
		}
	}
	var params struct {
		PeriodCharges PeriodCharges `json:"periodCharges"`
		Notes         []string      `json:"notes"`
	}
	if err := json.Unmarshal(f.Params, &params); err != nil {
		t.Fatal(err)
	}
	// 21 of November's 30 days are history: 630 USD of its fees, of which
	// 60 are billed.
	pc := params.PeriodCharges
	want := PeriodCharges{PerMonth: 900, FromMonths: []string{"2026-08", "2026-09", "2026-10"}, Month: "2026-11", Billed: 60, Pending: 570}
	if !reflect.DeepEqual(pc, want) {
		t.Errorf("period charges %+v, want %+v", pc, want)
	}
	// The note writes its amounts with their currency ("900.00 a month" did not).
	if !slices.ContainsFunc(params.Notes, func(n string) bool {
		return strings.Contains(n, "$900.00 a month") && strings.Contains(n, "$570.00 of 2026-11's")
	}) {
		t.Errorf("no note on the period charges in USD ($900.00 a month, $570.00 of 2026-11's): %q", params.Notes)
	}

	// A history that ends with November, its invoice not come: 840 USD of
	// November's fees are pending, not none of December's.
	dec := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	fs, err = ForecastSpend(context.Background(), monthlyFees{now}, SpendOptions{
		Scopes: []string{KindSpendAccount}, History: 150, Horizon: 40, Lag: DefaultLag, Now: dec})
	if err != nil {
		t.Fatal(err)
	}
	params.PeriodCharges = PeriodCharges{}
	if err := json.Unmarshal(fs[0].Params, &params); err != nil {
		t.Fatal(err)
	}
	want = PeriodCharges{PerMonth: 900, FromMonths: []string{"2026-09", "2026-10", "2026-11"}, Month: "2026-11", Billed: 60, Pending: 840}
	if pc := params.PeriodCharges; !reflect.DeepEqual(pc, want) {
		t.Errorf("history to 1 December: period charges %+v, want %+v", pc, want)
	}
}
