package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCalibrateStepsThatNeverErred: validated from one origin that erred only
// at its last step, the earlier steps get that step's variance scaled down
// as a random walk's, not a zero scale, and their zero errors do not enter
// Z.
func TestCalibrateStepsThatNeverErred(t *testing.T) {
	errs := [][]float64{{0, 0, 0, 4}}
	d, _ := calibrate(errs, 6, 1)
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
	if d, _ := calibrate(errs, 24, 1); d.z == nil {
		t.Fatal("ordinary errors: want empirical Z")
	}
	for k := range errs {
		clear(errs[k])
	}
	errs[9][0], errs[9][20], errs[9][23] = 1, 3, -5 // 3 of 240 non-zero
	d, _ := calibrate(errs, 24, 1)
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
