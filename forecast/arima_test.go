package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestARIMADeviationsDecay checks that ARIMA on a level with AR(1)
// deviations forecasts the deviations away over the horizon: its 24-step
// errors are well below those of carrying the last value forward (what
// simple exponential smoothing does with a high α).
func TestARIMADeviationsDecay(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, phi = 1200, 0.9
	y := make([]float64, n)
	var a float64
	for i := range y {
		a = phi*a + rng.NormFloat64()
		y[i] = 100 + a
	}
	mod, err := arima{}.fit(y[:800])
	if err != nil {
		t.Fatal(err)
	}
	am := mod.(*arimaModel)
	t.Logf("%v", am.params())
	if len(am.phi) == 0 {
		t.Fatalf("fitted %v: want AR terms", am.params()["model"])
	}
	var errARIMA, errNaive float64
	for o := 800; o+24 <= n; o += 12 {
		f := mod.forecastFrom(y, o, 24)
		errARIMA += math.Abs(y[o+23] - f[23])
		errNaive += math.Abs(y[o+23] - y[o-1])
	}
	if errARIMA > 0.8*errNaive {
		t.Errorf("24-step error: ARIMA %.1f, last value %.1f; want ARIMA ≤ 80%%", errARIMA, errNaive)
	}
	// Refitting with the validated order keeps it.
	again, err := arima{}.refit(mod).fit(y)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := again.(*arimaModel).order(), am.order(); got != want {
		t.Errorf("refit order %+v, want %+v", got, want)
	}
}
