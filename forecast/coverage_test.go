package forecast

import (
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
	type cov struct{ in80, in95, pts int }
	results := make([]cov, series)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rng := rand.New(rand.NewPCG(2026, uint64(i)))
				y := simulate(rng, n+H, m)
				r, err := ForecastValues(y[:n], Options{Horizon: H, Seasons: []int{m}})
				if err != nil {
					t.Error(err)
					continue
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
				}
				results[i] = c
			}
		}()
	}
	for i := range series {
		next <- i
	}
	close(next)
	wg.Wait()
	var total cov
	for _, c := range results {
		total.in80 += c.in80
		total.in95 += c.in95
		total.pts += c.pts
	}
	c80 := 100 * float64(total.in80) / float64(total.pts)
	c95 := 100 * float64(total.in95) / float64(total.pts)
	t.Logf("coverage over %d series × %d steps: 80%% → %.1f%%, 95%% → %.1f%%", series, H, c80, c95)
	if math.Abs(c80-80) > 3 {
		t.Errorf("80%% interval covers %.1f%%, want 77–83%%", c80)
	}
	if math.Abs(c95-95) > 3 {
		t.Errorf("95%% interval covers %.1f%%, want 92–98%%", c95)
	}
}
