package forecast

import (
	"math"
	"testing"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) != math.IsNaN(want) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f", name, got, want)
	}
}

// The expected values are computed by hand from M4's definitions.
func TestMetricsByHand(t *testing.T) {
	insample := []float64{1, 2, 3, 4, 5, 7}
	y := []float64{10, 20, 30}
	f := []float64{12, 18, 33}
	// 200·(2/22 + 2/38 + 3/63)/3
	near(t, "sMAPE", SMAPE(y, f), (200*2.0/22+200*2.0/38+200*3.0/63)/3, 1e-9)
	// lag-2 in-sample MAE: |3−1|, |4−2|, |5−3|, |7−4| → 9/4
	near(t, "MASE scale", MASEScale(insample, 2), 2.25, 1e-12)
	near(t, "MASE", MASE(insample, y, f, 2), (7.0/3)/2.25, 1e-12)
	// Widths 2, 6, 4; y=30 above 29 costs (2/0.05)·1 = 40 → (2+6+44)/3 / 2.25
	lo, hi := []float64{9, 19, 25}, []float64{11, 25, 29}
	near(t, "MSIS", MSIS(insample, y, lo, hi, 2, 0.05), 52.0/3/2.25, 1e-12)
	near(t, "coverage", Coverage(y, lo, hi), 2.0/3, 1e-12)
	near(t, "OWA", OWA(10, 0.8, 20, 1.0), 0.65, 1e-12)
	// Below the lower bound: (U−L) + 40·(L−y).
	near(t, "interval score below", IntervalScore([]float64{5}, []float64{6}, []float64{8}, 0.05), 2+40, 1e-12)
	// Both zero is a perfect forecast; NaN actuals are skipped.
	near(t, "sMAPE zeros", SMAPE([]float64{0, math.NaN(), 1}, []float64{0, 5, 1}), 0, 1e-12)
	// A series not longer than m is scaled with lag 1.
	near(t, "MASE scale short", MASEScale([]float64{1, 4}, 24), 3, 1e-12)
	// A constant history has no scale: MASE is undefined.
	near(t, "MASE constant", MASE([]float64{5, 5, 5}, []float64{5}, []float64{6}, 1), math.NaN(), 0)
}

func TestSeasonalityTestByHand(t *testing.T) {
	alt := func(n int) []float64 {
		y := make([]float64, n)
		for i := range y {
			y[i] = 1 + 2*float64(i%2)
		}
		return y
	}
	// n=6, m=2: r1 = −5/6, r2 = 4/6; limit = 1.645·√((1 + 2·25/36)/6) = 1.038 > 0.667.
	if SeasonalityTest(alt(6), 2) {
		t.Error("n=6 alternating series passed the 90% test; |r2| = 0.667 < 1.038")
	}
	// n=24: r2 = 22/24 = 0.917 > 1.645·√((1 + 2·(23/24)²)/24) = 0.566.
	if !SeasonalityTest(alt(24), 2) {
		t.Error("n=24 alternating series failed the 90% test")
	}
	if SeasonalityTest(alt(5), 2) {
		t.Error("series shorter than 3m must not count as seasonal")
	}
}

func TestNaive2ByHand(t *testing.T) {
	y := make([]float64, 24)
	for i := range y {
		y[i] = 2 + 2*float64(i%2) // 2, 4, 2, 4, …
	}
	// Centred 2×2 MA is 3 everywhere inside; ratios 2/3 and 4/3; figure mean 1.
	fig := classicalSeasonal(y, 2, true)
	near(t, "index 0", fig[0], 2.0/3, 1e-12)
	near(t, "index 1", fig[1], 4.0/3, 1e-12)
	mod, _ := naive2{m: 2}.fit(y)
	// Last value 4 at phase 1 → deseasonalized 3 → 3·(2/3), 3·(4/3), …
	f := mod.forecastFrom(y, len(y), 3)
	for i, want := range []float64{2, 4, 2} {
		near(t, "naive2 forecast", f[i], want, 1e-12)
	}
	sn := snaive{m: 2}.forecastFrom([]float64{1, 2, 3, 4, 5}, 5, 5)
	for i, want := range []float64{4, 5, 4, 5, 4} {
		near(t, "snaive forecast", sn[i], want, 0)
	}
}
