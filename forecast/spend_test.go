package forecast

import (
	"context"
	"math"
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
