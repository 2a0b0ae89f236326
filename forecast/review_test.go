package forecast

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// Review reproductions (branch review-forecast-rs): each test fails on the
// code it was written against.

// The 80% interval must lie inside the 95% one. On this series (one spike,
// then zeros) MSTL's upper 80% bound comes out one ulp above the upper 95%
// bound: both conformal quantiles land on the largest standardized error,
// and stat.Quantile's linear interpolation at level 1 overshoots it.
func TestReviewIntervalsNested(t *testing.T) {
	y := make([]float64, 49)
	y[0] = 100
	for _, model := range []string{"mstl", "mstl-log"} {
		r, err := ForecastValues(y, Options{Horizon: 30, Model: model})
		if err != nil {
			t.Fatal(err)
		}
		for h := range r.Mean {
			if !(r.Lo95[h] <= r.Lo80[h] && r.Lo80[h] <= r.Mean[h] && r.Mean[h] <= r.Hi80[h] && r.Hi80[h] <= r.Hi95[h]) {
				t.Errorf("%s step %d: lo95 %v lo80 %v mean %v hi80 %v hi95 %v: intervals not nested (hi80 > hi95)",
					model, h, r.Lo95[h], r.Lo80[h], r.Mean[h], r.Hi80[h], r.Hi95[h])
				break
			}
		}
	}
}

// Evaluate's report must encode as JSON (tally forecast eval --format json).
// When Naive2 is exact on every series (sMAPE 0) OWA is 0/0, and when every
// training history is constant MASE and MSIS average an empty set: NaN,
// which encoding/json refuses.
func TestReviewEvaluateReportEncodes(t *testing.T) {
	tests := []struct {
		name        string
		train, test []float64
	}{
		{"naive2 exact", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []float64{10, 10, 10}},
		{"constant history", []float64{5, 5, 5, 5, 5, 5, 5, 5, 5}, []float64{5, 6, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Evaluate([]WideSeries{{ID: "H1", Values: tt.train}}, []WideSeries{{ID: "H1", Values: tt.test}},
				EvalOptions{Horizon: 3, Seasons: []int{1}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Errorf("encode report: %v (naive2 %+v)", err, rep.Models[0])
			}
		})
	}
}

// lagStore serves one account's daily cost up to the day before now and
// records the window it was asked for.
type lagStore struct {
	now    time.Time
	window tally.Window
}

func (s *lagStore) DailyCosts(_ context.Context, g tally.CostGroup, _ tally.CostBasis, w tally.Window) ([]tally.DailyCost, error) {
	s.window = w
	var out []tally.DailyCost
	if g != tally.GroupBillingAccount {
		return nil, nil
	}
	for d := w.Start; d.Before(w.End); d = d.AddDate(0, 0, 1) {
		out = append(out, tally.DailyCost{Key: "111", Day: d, Cost: tally.MustParseMoney("100", "USD")})
	}
	return out, nil
}

func (s *lagStore) SaveForecast(context.Context, tally.Forecast) error { return nil }

// tally forecast --lag 0 (accepted: "--lag at least 0") must read the bill
// up to today. ForecastSpend treats Lag 0 as "unset" and uses 2, so the
// two most recent days are silently left out and the forecast starts two
// days in the past.
func TestReviewForecastSpendLagZero(t *testing.T) {
	now := time.Date(2026, 10, 8, 12, 0, 0, 0, time.UTC)
	st := &lagStore{now: now}
	fs, err := ForecastSpend(context.Background(), st, SpendOptions{Scopes: []string{KindSpendAccount}, Lag: 0, History: 60, Horizon: 7, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	if !st.window.End.Equal(today) || len(fs) != 1 || !fs[0].HistoryEnd.Equal(today) {
		t.Errorf("Lag 0: read %s, history ends %s; want the bill up to %s", st.window, fs[0].HistoryEnd.Format(time.DateOnly), today.Format(time.DateOnly))
	}
}
