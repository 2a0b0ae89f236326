package forecast

import (
	"math"
	"slices"
	"testing"
)

// TestCombinationLeavesOutWorseModels: on a daily series growing 10% a week
// with a multiplicative weekly season, MSTL on logs describes it and the
// other models do not. The forecast is then that model's, not the median of
// the best three, which was the second best's: 6.4% off over 30 days.
func TestCombinationLeavesOutWorseModels(t *testing.T) {
	y := growingDaily(330)
	r, err := ForecastValues(y[:300], Options{Horizon: 30, Seasons: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	var mape float64
	for h, v := range y[300:] {
		mape += math.Abs(r.Mean[h]-v) / v / 30
	}
	if mape > 0.02 {
		t.Errorf("forecast %s is %.1f%% off over 30 days, want ≤ 2%% (validation MASE %v)", r.Model, 100*mape, r.Backtest.Candidates)
	}
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		maes []float64
		want int
	}{
		{[]float64{1, 1.1, 1.2, 1.3}, 3},
		{[]float64{1.2, 1, 2}, 2},
		{[]float64{1, 1.3, 1.2}, 2},
		{[]float64{1, 5, 6}, 1},
		{[]float64{0, 0, 1}, 2},
		{[]float64{2}, 1},
	} {
		var cs []*candidate
		for _, m := range tc.maes {
			cs = append(cs, &candidate{mae: m})
		}
		got := choose(cs, combineWithin)
		if len(got) != tc.want || got[0].mae != slices.Min(tc.maes) {
			t.Errorf("choose(%v): %d members, first %v; want %d, first the best", tc.maes, len(got), got[0].mae, tc.want)
		}
		if all := choose(cs, math.Inf(1)); len(all) != min(3, len(tc.maes)) {
			t.Errorf("choose(%v, +Inf): %d members, want the best three", tc.maes, len(all))
		}
	}
}
