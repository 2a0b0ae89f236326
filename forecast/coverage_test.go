package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// simulate draws a series from a seasonal local-level process with
// autocorrelated noise: the kind of series intervals must cover.
func simulate(rng *rand.Rand, n, m int) []float64 {
	level := 50 + 100*rng.Float64()
	amp := level * (0.05 + 0.3*rng.Float64())
	drift := level * 0.002 * rng.NormFloat64()
	sigmaL := level * 0.01 * rng.Float64()
	sigma := level * (0.02 + 0.08*rng.Float64())
	phi := 0.6 * rng.Float64()
	phase := rng.Float64() * 2 * math.Pi
	y := make([]float64, n)
	var ar float64
	for t := range y {
		level += drift + sigmaL*rng.NormFloat64()
		ar = phi*ar + math.Sqrt(1-phi*phi)*sigma*rng.NormFloat64()
		y[t] = level + amp*math.Sin(2*math.Pi*float64(t)/float64(m)+phase) + ar
	}
	return y
}

// TestIntervalCoverage checks that 80% and 95% intervals cover within ±3
// points of nominal over 1,000 simulated series.
func TestIntervalCoverage(t *testing.T) {
	const series, n, m, H = 1000, 156, 12, 12
	c80, c95, _ := coverage(t, series, H, []int{m}, func(rng *rand.Rand) []float64 { return simulate(rng, n+H, m) })
	wantCoverage(t, series, H, c80, c95, 3)
}

// TestIntervalsGrowWithTheLevel checks the intervals of growing daily
// series whose noise grows with them, as a bill's does: validated on
// windows where the series was lower, intervals in absolute terms are too
// narrow for the level it has reached.
func TestIntervalsGrowWithTheLevel(t *testing.T) {
	const series, n, H = 300, 180, 30
	week := []float64{1, 1.05, 1.05, 1.05, 1, 0.8, 0.75}
	c80, c95, _ := coverage(t, series, H, []int{7}, func(rng *rand.Rand) []float64 {
		growth := 0.003 + 0.007*rng.Float64() // 0.3–1% a day
		sigma := 0.03 + 0.05*rng.Float64()
		y := make([]float64, n+H)
		var ar float64
		for i := range y {
			ar = 0.5*ar + math.Sqrt(1-0.25)*sigma*rng.NormFloat64()
			y[i] = 100 * math.Exp(growth*float64(i)) * week[i%7] * (1 + ar)
		}
		return y
	})
	wantCoverage(t, series, H, c80, c95, 4)
}

// TestIntervalsOfARampFromNearZero: a series that rose from near zero to
// its level (a new service ramping up) and has held it since does not get
// intervals scaled by how small it was when it began to rise. Flat for 30
// days, its 80% band 30 days ahead was 1.17 times the forecast wide while it
// was calibrated on the ramp's validation windows, and is 0.54 times on the
// windows after it (see afterRamp).
func TestIntervalsOfARampFromNearZero(t *testing.T) {
	r, err := ForecastValues(rampFromNearZero(30), Options{Horizon: 30, Seasons: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	w := (r.Hi80[29] - r.Lo80[29]) / r.Mean[29]
	t.Logf("80%% band 30 days ahead: [%.1f, %.1f] around %.1f, %.2f times it wide", r.Lo80[29], r.Hi80[29], r.Mean[29], w)
	if w > 0.8 {
		t.Errorf("80%% band 30 days ahead: [%.1f, %.1f] around %.1f, %.2f times it wide; want at most 0.8", r.Lo80[29], r.Hi80[29], r.Mean[29], w)
	}
}

// TestIntervalsAfterARamp checks the intervals of new services' daily
// spend, ramped up from near zero and flat since: for two to four months,
// and for two to seven weeks (too soon for four validation windows a week
// apart over the whole horizon after the ramp).
//
// Calibrated on the ramp's validation windows too, the first group's 80%
// bands covered as much (79.8%) but were 0.39 times the forecast wide on
// average, against 0.23 now; the second group's covered 59.8% of the next
// 30 days (95%: 74.7%) and were 0.64 times wide, against 77.0% (92.5%) and
// 0.35 times now.
func TestIntervalsAfterARamp(t *testing.T) {
	const series, H = 200, 30
	for _, tc := range []struct {
		flatMin, flatMax int
		maxWidth         float64
	}{
		{60, 120, 0.3},
		{14, 49, 0.45},
	} {
		t.Run(fmt.Sprintf("flat %d-%d days", tc.flatMin, tc.flatMax), func(t *testing.T) {
			c80, c95, width := coverage(t, series, H, []int{7}, newService(tc.flatMin, tc.flatMax, H))
			wantCoverage(t, series, H, c80, c95, 4)
			t.Logf("80%% bands %.2f times the forecast wide on average", width)
			if width > tc.maxWidth {
				t.Errorf("80%% bands %.2f times the forecast wide on average, want at most %g", width, tc.maxWidth)
			}
		})
	}
}

// newService returns a generator of a new service's daily spend: near zero
// (0.2 to 5) for 60 days, a ramp to 100 over 30 to 90 days, then flat for
// flatMin to flatMax days and the H to forecast, with weekly seasonality and
// AR(1) noise of 3% to 8%.
func newService(flatMin, flatMax, H int) func(*rand.Rand) []float64 {
	week := []float64{1, 1.05, 1.05, 1.05, 1, 0.8, 0.75}
	return func(rng *rand.Rand) []float64 {
		ramp, flat := 30+rng.IntN(61), flatMin+rng.IntN(flatMax-flatMin+1)
		start := 0.2 + 4.8*rng.Float64()
		sigma := 0.03 + 0.05*rng.Float64()
		var y []float64
		var ar float64
		for i := range 60 + ramp + flat + H {
			level := 100.0
			switch {
			case i < 60:
				level = start
			case i < 60+ramp:
				level = start + (100-start)*float64(i-60)/float64(ramp)
			}
			ar = 0.5*ar + math.Sqrt(1-0.25)*sigma*rng.NormFloat64()
			y = append(y, level*week[i%7]*(1+ar))
		}
		return y
	}
}

// rampFromNearZero returns a new service's daily spend: 0.5 a day for 60
// days, a ramp to 100 over the next 60, then flat for flat days, all with 5%
// noise.
func rampFromNearZero(flat int) []float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	var y []float64
	for i := range 120 + flat {
		level := 100.0
		switch {
		case i < 60:
			level = 0.5
		case i < 120:
			level = 0.5 + 99.5*float64(i-60)/60
		}
		y = append(y, level*(1+0.05*rng.NormFloat64()))
	}
	return y
}

// wantCoverage logs the coverage of series series × H steps and checks
// that the 80% intervals cover within ±tol80 points of nominal and the 95%
// ones within ±3.
func wantCoverage(t *testing.T, series, H int, c80, c95, tol80 float64) {
	t.Helper()
	t.Logf("coverage over %d series × %d steps: 80%% → %.1f%%, 95%% → %.1f%%", series, H, c80, c95)
	if math.Abs(c80-80) > tol80 {
		t.Errorf("80%% interval covers %.1f%%, want %g–%g%%", c80, 80-tol80, 80+tol80)
	}
	if math.Abs(c95-95) > 3 {
		t.Errorf("95%% interval covers %.1f%%, want 92–98%%", c95)
	}
}

// coverage forecasts the last H values of series series drawn by gen (each
// from its own seeded generator), having seen the ones before, and returns
// the percentage of the steps inside the 80% and 95% intervals and the 80%
// band's mean width relative to the forecast.
func coverage(t *testing.T, series, H int, seasons []int, gen func(*rand.Rand) []float64) (c80, c95, width80 float64) {
	t.Helper()
	type cov struct {
		in80, in95, pts int
		width           float64
	}
	results := make([]cov, series)
	inParallel(series, func(i int) {
		y := gen(rand.New(rand.NewPCG(2026, uint64(i))))
		n := len(y) - H
		r, err := ForecastValues(y[:n], Options{Horizon: H, Seasons: seasons})
		if err != nil {
			t.Error(err)
			return
		}
		var c cov
		for h := range H {
			v := y[n+h]
			c.pts++
			if v >= r.Lo80[h] && v <= r.Hi80[h] {
				c.in80++
			}
			if v >= r.Lo95[h] && v <= r.Hi95[h] {
				c.in95++
			}
			c.width += (r.Hi80[h] - r.Lo80[h]) / math.Abs(r.Mean[h])
		}
		results[i] = c
	})
	var total cov
	for _, c := range results {
		total.in80 += c.in80
		total.in95 += c.in95
		total.pts += c.pts
		total.width += c.width
	}
	pts := float64(total.pts)
	return 100 * float64(total.in80) / pts, 100 * float64(total.in95) / pts, total.width / pts
}

// inParallel calls f(0) to f(n-1), as many at once as there are
// processors.
func inParallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
