package forecast

import (
	"encoding/json"
	"math"
	"testing"
)

// TestBacktestFinite: on a history that repeats exactly with its season the
// seasonal naive in-sample error MASE is scaled by is zero; the backtest's
// figures must still be finite, scaled by the one-step naive error, so that
// the Result encodes as JSON.
func TestBacktestFinite(t *testing.T) {
	periodic := make([]float64, 24*14)
	for i := range periodic {
		periodic[i] = 10 + float64(i%24)
	}
	gappy := make([]float64, 200)
	for i := range gappy {
		gappy[i] = 5 + float64(i%24)
		if i%24 >= 5 && i%24 < 15 && i < 150 {
			gappy[i] = math.NaN()
		}
	}
	step := make([]float64, 24*10)
	for i := range step {
		step[i] = 5
		if i >= 24*6 {
			step[i] = 9
		}
	}
	tests := []struct {
		name  string
		y     []float64
		model string
	}{
		{"periodic", periodic, ""},
		{"periodic, ets", periodic, "ets"},
		{"periodic with gaps", gappy, ""},
		{"a level shift between flat stretches", step, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ForecastValues(tt.y, Options{Horizon: 48, Seasons: []int{24}, Model: tt.model})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("%s: %v; backtest %+v", r.Model, err, r.Backtest)
			}
			bt := r.Backtest
			for name, v := range bt.Candidates {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					t.Errorf("candidate %s: MASE %g", name, v)
				}
			}
			if math.IsNaN(bt.MASE) || math.IsInf(bt.MASE, 0) || bt.MASE < 0 {
				t.Errorf("MASE %g", bt.MASE)
			}
			t.Logf("%s: %+v %q", r.Model, bt, r.Notes)
		})
	}
}
