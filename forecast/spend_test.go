package forecast

import (
	"context"
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
