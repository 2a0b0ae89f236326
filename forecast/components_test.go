package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// synthetic returns trend + daily + weekly + noise with known components.
// The weekly truth is constant within a day and sums to zero over the week
// at every hour of the day, so it is not confounded with the daily season.
func synthetic(n int, sigma float64, seed uint64) (y, trend, daily, weekly []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	y, trend, daily, weekly = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for t := range y {
		trend[t] = 100 + 0.02*float64(t)
		daily[t] = 10 * math.Sin(2*math.Pi*float64(t)/24)
		if day := (t / 24) % 7; day >= 5 {
			weekly[t] = 6
		} else {
			weekly[t] = -2.4
		}
		y[t] = trend[t] + daily[t] + weekly[t] + sigma*rng.NormFloat64()
	}
	return
}

func rmse(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return math.Sqrt(s / float64(len(a)))
}

func TestMSTLRecoversComponents(t *testing.T) {
	y, trend, daily, weekly := synthetic(1008, 1, 3)
	d := Decompose(y, []int{24, 168})
	if len(d.Periods) != 2 || d.Periods[0] != 24 || d.Periods[1] != 168 {
		t.Fatalf("periods %v", d.Periods)
	}
	if e := rmse(d.Seasonal[0], daily); e > 0.6 {
		t.Errorf("daily component RMSE %.3f, want ≤ 0.6 (amplitude 10, noise 1)", e)
	}
	if e := rmse(d.Seasonal[1], weekly); e > 0.8 {
		t.Errorf("weekly component RMSE %.3f, want ≤ 0.8 (±6, noise 1)", e)
	}
	if e := rmse(d.Trend[168:len(y)-168], trend[168:len(y)-168]); e > 0.8 {
		t.Errorf("trend RMSE %.3f, want ≤ 0.8", e)
	}
	for i := range y {
		if math.Abs(d.Trend[i]+d.Seasonal[0][i]+d.Seasonal[1][i]+d.Remainder[i]-y[i]) > 1e-9 {
			t.Fatalf("components do not add up at %d", i)
		}
	}
}

func TestMSTLRobustToSpikes(t *testing.T) {
	y, trend, _, _ := synthetic(1008, 1, 4)
	for _, at := range []int{300, 301, 302, 700} {
		y[at] += 200 // an incident
	}
	d := Decompose(y, []int{24, 168})
	for _, at := range []int{300, 700} {
		if dev := math.Abs(d.Trend[at] - trend[at]); dev > 2 {
			t.Errorf("trend at spike %d off by %.2f; the robust fit should leave spikes in the remainder", at, dev)
		}
		if d.Remainder[at] < 150 {
			t.Errorf("remainder at spike %d = %.1f, want the spike (~200)", at, d.Remainder[at])
		}
	}
}

func TestETSRecoversSmoothingParameter(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, alpha := range []float64{0.2, 0.7} {
		y := make([]float64, 2000)
		l := 50.0
		for i := range y {
			e := rng.NormFloat64()
			y[i] = l + e
			l += alpha * e
		}
		mod, err := fitETS(y, 1, etsSpec{'A', 'N', 'N'})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(mod.alpha-alpha) > 0.06 {
			t.Errorf("ETS(A,N,N) α = %.3f, want %.2f ± 0.06", mod.alpha, alpha)
		}
	}
}

func TestETSSelectsSeasonalModel(t *testing.T) {
	y, _, _, _ := synthetic(600, 1, 6)
	mod, err := ets{m: 24, seasonal: true}.fit(y)
	if err != nil {
		t.Fatal(err)
	}
	if spec := mod.(*etsModel).spec; spec.season == 'N' {
		t.Errorf("AICc chose %v for a strongly seasonal series", spec)
	}
}

func TestLevelShiftDetectedAndNotAveraged(t *testing.T) {
	y, _, _, _ := synthetic(1000, 1, 7)
	for i := 940; i < len(y); i++ {
		y[i] *= 0.5 // a migration halves usage, 60 hours before the end
	}
	shifts := DetectLevelShifts(y, []int{24, 168})
	if len(shifts) != 1 || shifts[0].Index < 937 || shifts[0].Index > 943 || math.Abs(shifts[0].Ratio-0.5) > 0.05 {
		t.Fatalf("shifts %+v, want one at 940 with ratio 0.5", shifts)
	}
	r, err := ForecastValues(y, Options{Horizon: 48, Seasons: []int{24, 168}})
	if err != nil {
		t.Fatal(err)
	}
	// The truth after the shift is half of trend + seasons.
	_, trend, daily, weekly := synthetic(1048, 0, 7)
	var mape float64
	for h := range 48 {
		want := 0.5 * (trend[1000+h] + daily[1000+h] + weekly[1000+h])
		mape += math.Abs(r.Mean[h]-want) / want / 48
	}
	if mape > 0.05 {
		t.Errorf("forecast after the shift is %.1f%% off the new level (model %s)", 100*mape, r.Model)
	}
	clean, _, _, _ := synthetic(1000, 1, 8)
	if s := DetectLevelShifts(clean, []int{24, 168}); len(s) != 0 {
		t.Errorf("false level shifts on a series without one: %+v", s)
	}
}
