package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// TestCalibrateStepsThatNeverErred: validated from one origin that erred only
// at its last step, the earlier steps get that step's variance scaled down
// as a random walk's, not a zero scale, and their zero errors do not enter
// Z.
func TestCalibrateStepsThatNeverErred(t *testing.T) {
	errs := [][]float64{{0, 0, 0, 4}}
	d, _ := calibrate(errs, 6, 1, GrowthLinear)
	for h, s := range d.scale {
		if !(s > 0) {
			t.Fatalf("step %d: scale %g, want > 0 (scales %v)", h, s, d.scale)
		}
	}
	// One standardized error, z = 1: normal with RMS 1, widened ×1.25.
	for h := range 4 {
		want := 1.25 * 4 * math.Sqrt(float64(h+1)/4)
		if math.Abs(d.scale[h]-want) > 1e-9 {
			t.Errorf("step %d: scale %g, want %g", h, d.scale[h], want)
		}
	}
	if d.z != nil {
		t.Errorf("empirical Z from one error: %v", d.z)
	}
}

// TestCalibrateScaleIsUnbiasedAtTheEnds: errors of the same spread at
// every step, from 12 origins, get a scale near that spread at the first
// and last steps too. The nondecreasing fit alone took the first step's mean
// square as the lowest running mean from it, of values each averaged over
// 12 origins only, and the last step's as the highest: biased low and high
// (0.87 and 1.10 of the spread on average here).
func TestCalibrateScaleIsUnbiasedAtTheEnds(t *testing.T) {
	const trials, origins, H = 400, 12, 30
	rng := rand.New(rand.NewPCG(7, 11))
	var first, last float64
	for range trials {
		errs := make([][]float64, origins)
		for k := range errs {
			errs[k] = make([]float64, H)
			for h := range errs[k] {
				errs[k][h] = rng.NormFloat64()
			}
		}
		d, _ := calibrate(errs, H, 1, GrowthLinear)
		first += d.scale[0] / trials
		last += d.scale[H-1] / trials
	}
	t.Logf("mean scale: first step %.3f, last step %.3f (spread 1)", first, last)
	if first < 0.93 || first > 1.07 {
		t.Errorf("first step's scale %.3f on average, want 0.93–1.07", first)
	}
	if last < 0.93 || last > 1.07 {
		t.Errorf("last step's scale %.3f on average, want 0.93–1.07", last)
	}
}

// TestCalibrateMostlyZeroErrors: when fewer than 5% of the standardized
// errors are non-zero, their empirical 2.5% and 97.5% quantiles are zero
// and the 95% band would be the point forecast; Z is normal instead.
func TestCalibrateMostlyZeroErrors(t *testing.T) {
	errs := make([][]float64, 10)
	for k := range errs {
		errs[k] = make([]float64, 24)
		for h := range errs[k] {
			errs[k][h] = 0.01 * float64(h+1) * float64(k%3-1) // a third of them zero
		}
	}
	if d, _ := calibrate(errs, 24, 1, GrowthLinear); d.z == nil {
		t.Fatal("ordinary errors: want empirical Z")
	}
	for k := range errs {
		clear(errs[k])
	}
	errs[9][0], errs[9][20], errs[9][23] = 1, 3, -5 // 3 of 240 non-zero
	d, _ := calibrate(errs, 24, 1, GrowthLinear)
	if d.z != nil {
		t.Fatal("3 non-zero errors of 240: want normal Z")
	}
	mean := make([]float64, 24)
	lo, hi := d.quantile(mean, 0.025), d.quantile(mean, 0.975)
	for h := range mean {
		if !(hi[h]-lo[h] > 0) {
			t.Fatalf("step %d: 95%% band [%g, %g] has no width", h, lo[h], hi[h])
		}
	}
}

// TestIntervalsNeverCollapse: series whose validation errors are mostly
// exactly zero — a periodic one with two missing values at its end, zeros
// then a spike — still get 95% bands of positive width at every step, and
// sample paths that vary.
func TestIntervalsNeverCollapse(t *testing.T) {
	periodic := make([]float64, 24*14)
	for i := range periodic {
		periodic[i] = 10 + float64(i%24)
	}
	tests := []struct {
		name string
		y    []float64
	}{
		{"periodic, two trailing missing", append(periodic, math.NaN(), math.NaN())},
		{"zeros then a spike", append(make([]float64, 60), 1e6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ForecastValues(tt.y, Options{Horizon: 24, Seasons: []int{24}})
			if err != nil {
				t.Fatal(err)
			}
			for h := range r.Mean {
				if !(r.Hi95[h]-r.Lo95[h] > 0) {
					t.Fatalf("%s: step %d: 95%% band [%g, %g] around %g has no width", r.Model, h, r.Lo95[h], r.Hi95[h], r.Mean[h])
				}
			}
			paths := r.SamplePaths(200, rand.New(rand.NewPCG(1, 1)))
			varies := false
			for _, p := range paths {
				varies = varies || p[0] != paths[0][0]
			}
			if !varies {
				t.Fatalf("%s: every sample path starts at %g", r.Model, paths[0][0])
			}
		})
	}
}

// TestIntervalsNested: the 80% band lies inside the 95% one and around the
// point forecast. On one spike then zeros, MSTL's upper 80% and 95% bounds
// both come from the largest standardized error; interpolating between two
// copies of it overshot by an ulp, and the 80% bound ended above the 95%
// one (taken exactly at level 1).
func TestIntervalsNested(t *testing.T) {
	spike := make([]float64, 49)
	spike[0] = 100
	rng := rand.New(rand.NewPCG(7, 7))
	steps := make([]float64, 24*10) // few distinct errors: ties in Z
	for i := range steps {
		steps[i] = float64(rng.IntN(3))
	}
	for _, tt := range []struct {
		y       []float64
		seasons []int
	}{{spike, nil}, {spike, []int{24}}, {steps, []int{24}}} {
		y := tt.y
		for _, model := range []string{"auto", "mstl", "mstl-log", "ets", "theta"} {
			r, err := ForecastValues(y, Options{Horizon: 30, Seasons: tt.seasons, Model: model})
			if err != nil {
				t.Fatal(err)
			}
			for h := range r.Mean {
				if !(r.Lo95[h] <= r.Lo80[h] && r.Lo80[h] <= r.Mean[h] && r.Mean[h] <= r.Hi80[h] && r.Hi80[h] <= r.Hi95[h]) {
					t.Errorf("%s on %d values, seasons %v, step %d: lo95 %v lo80 %v mean %v hi80 %v hi95 %v: not nested",
						model, len(y), tt.seasons, h, r.Lo95[h], r.Lo80[h], r.Mean[h], r.Hi80[h], r.Hi95[h])
					break
				}
			}
		}
	}
}

// TestSortedQuantile: the same interpolation as gonum's stat.LinInterp, kept
// between the two values it interpolates (so between equal values it is
// that value), nondecreasing in the level, and the extremes at levels ≤ 0
// and ≥ 1.
func TestSortedQuantile(t *testing.T) {
	x := []float64{-1, 0.534441016909061, 0.534441016909061, 0.534441016909061, 2, 2, 3.5}
	for q := 0.0; q <= 1; q += 1.0 / 128 {
		got, want := sortedQuantile(x, q), stat.Quantile(q, stat.LinInterp, x, nil)
		if math.Abs(got-want) > 1e-15 {
			t.Errorf("q %g: %v, gonum %v", q, got, want)
		}
	}
	// Here gonum's t·a + (1−t)·a rounds to a + ulp; the quantile between
	// copies of a is a.
	a := 0.8641378928622266
	if got := sortedQuantile([]float64{a, a, a}, 0.9); got != a {
		t.Errorf("between copies of %v: %v", a, got)
	}
	if got := sortedQuantile(x, -0.1); got != x[0] {
		t.Errorf("level -0.1: %v, want %v", got, x[0])
	}
	if got := sortedQuantile(x, 1.2); got != x[len(x)-1] {
		t.Errorf("level 1.2: %v, want %v", got, x[len(x)-1])
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for range 200 {
		v := make([]float64, 40+rng.IntN(40))
		for i := range v {
			v[i] = float64(rng.IntN(4)) * 0.1
		}
		slices.Sort(v)
		prev := math.Inf(-1)
		for q := 0.0; q <= 1; q += 1.0 / 1024 {
			got := sortedQuantile(v, q)
			if got < prev {
				t.Fatalf("%v: level %g gives %v, below %v at the level before", v, q, got, prev)
			}
			prev = got
		}
	}
}

// TestIntervalsKeepABiasTheModelKeeps: the naive forecast of a trending
// series falls short by the trend at every origin, validation and forecast
// alike. The band reaches as far above the forecast as the validation
// errors did, so the trend's continuation lies inside it; centered on the
// errors' median, it was a narrow band around the flat forecast, above
// which every step fell.
func TestIntervalsKeepABiasTheModelKeeps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := make([]float64, 130)
	for i := range y {
		y[i] = 100 + 2*float64(i) + rng.NormFloat64()
	}
	r, err := ForecastValues(y[:100], Options{Horizon: 30, Model: "naive"})
	if err != nil {
		t.Fatal(err)
	}
	in := 0
	for h, v := range y[100:] {
		if r.Lo80[h] > r.Mean[h] || r.Hi80[h] < r.Mean[h] {
			t.Fatalf("step %d: 80%% band %.1f – %.1f does not hold the forecast %.1f", h+1, r.Lo80[h], r.Hi80[h], r.Mean[h])
		}
		if v >= r.Lo80[h] && v <= r.Hi80[h] {
			in++
		}
	}
	if in < 24 {
		t.Errorf("%d of 30 steps inside the 80%% band, want ≥ 24 (forecast %.1f, band at step 30 %.1f – %.1f, value %.1f)", in, r.Mean[29], r.Lo80[29], r.Hi80[29], y[129])
	}
}

// TestShortHistoryValidatesEightOrigins: 88 days forecast 90 days ahead
// validated a single origin over 66 days. Now it validates 8 origins over a
// horizon short enough for them, and the band's width past it grows
// linearly with the step.
func TestShortHistoryValidatesEightOrigins(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	week := []float64{1, 1, 1, 1, 0.9, 0.6, 0.6}
	y := make([]float64, 88)
	level := 200.0
	for i := range y {
		level += rng.NormFloat64()
		y[i] = level * week[i%7] * (1 + 0.02*rng.NormFloat64())
	}
	r, err := ForecastValues(y, Options{Horizon: 90, Seasons: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Backtest.Origins != minOrigins || r.Backtest.Horizon != 88-22-7*7 {
		t.Fatalf("validated %d origins over %d steps, want %d over %d", r.Backtest.Origins, r.Backtest.Horizon, minOrigins, 88-22-7*7)
	}
	hv := r.Backtest.Horizon
	for _, g := range []struct {
		growth Growth
		want   float64
	}{{GrowthLinear, 90 / float64(hv)}, {GrowthSqrt, math.Sqrt(90 / float64(hv))}} {
		r, err := ForecastValues(y, Options{Horizon: 90, Seasons: []int{7}, Growth: g.growth})
		if err != nil {
			t.Fatal(err)
		}
		w := func(h int) float64 { return r.Hi95[h] - r.Lo95[h] }
		if got := w(89) / w(hv-1); math.Abs(got/g.want-1) > 0.01 {
			t.Errorf("growth %d: 95%% width at step 90 is %.2f× that at step %d, want %.2f×", g.growth, got, hv, g.want)
		}
	}
}
