// Package synth generates a reproducible suite of synthetic hourly series
// shaped like cloud usage and spend (daily and weekly seasonality, trend
// changes, level shifts, spikes, batch jobs, autocorrelated noise), in the
// layout of the M4 hourly set: ragged training lengths of 700–960 hours and
// a test continuation of Horizon hours. It stands in for the public M4
// hourly data, which no package registry reachable here ships. Daily sums
// them per day, as a daily bill does.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Config describes a suite.
type Config struct {
	Series  int    // number of series (M4 hourly: 414)
	Horizon int    // test length (M4 hourly: 48)
	Seed    uint64 // same seed, same suite
	MinLen  int    // training length range (default 700–960)
	MaxLen  int
}

// Series is one generated series with what went into it.
type Series struct {
	ID    string
	Kind  string // web, batch, steady, growth
	Train []float64
	Test  []float64
	Shift int     // index of the level shift in Train, −1 when none
	Ratio float64 // new level / old level at the shift
}

// Hourly generates the suite.
func Hourly(cfg Config) []Series {
	if cfg.MinLen == 0 {
		cfg.MinLen, cfg.MaxLen = 700, 960
	}
	out := make([]Series, cfg.Series)
	for i := range out {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)+1))
		out[i] = one(rng, fmt.Sprintf("S%d", i+1), cfg)
	}
	return out
}

func one(rng *rand.Rand, id string, cfg Config) Series {
	n := cfg.MinLen + rng.IntN(cfg.MaxLen-cfg.MinLen+1)
	total := n + cfg.Horizon
	s := Series{ID: id, Shift: -1}
	kinds := []string{"web", "web", "web", "batch", "steady", "growth"}
	s.Kind = kinds[rng.IntN(len(kinds))]
	base := math.Exp(math.Log(20) + rng.Float64()*(math.Log(20000)-math.Log(20)))
	phase := rng.IntN(168) // hour of week of the first value

	// Daily profile: a business-hours bump plus two random harmonics.
	peak := 9 + rng.Float64()*8
	width := 2.5 + rng.Float64()*4
	amp := 0.1 + rng.Float64()*0.6
	if s.Kind == "steady" {
		amp *= 0.3
	}
	h1a, h1p := rng.Float64()*0.15, rng.Float64()*2*math.Pi
	h2a, h2p := rng.Float64()*0.08, rng.Float64()*2*math.Pi
	daily := make([]float64, 24)
	var dmean float64
	for h := range daily {
		d := math.Min(math.Abs(float64(h)-peak), 24-math.Abs(float64(h)-peak))
		daily[h] = amp*math.Exp(-d*d/(2*width*width)) + h1a*math.Sin(2*math.Pi*float64(h)/24+h1p) + h2a*math.Sin(4*math.Pi*float64(h)/24+h2p)
		dmean += daily[h] / 24
	}
	for h := range daily {
		daily[h] -= dmean
	}
	// Weekly: weekends lower (and their daily swing smaller).
	weekend := 1.0
	switch s.Kind {
	case "web", "growth":
		weekend = 0.45 + rng.Float64()*0.5
	case "steady":
		weekend = 0.85 + rng.Float64()*0.15
	}
	friday := 1 - (1-weekend)*0.3*rng.Float64()
	additive := rng.Float64() < 0.25

	// Batch jobs: a few fixed hours each day (some only on weekdays).
	var jobs []int
	jobHeight := 0.0
	weekdayJobs := false
	if s.Kind == "batch" {
		start := rng.IntN(24)
		for k := range 1 + rng.IntN(4) {
			jobs = append(jobs, (start+k)%24)
		}
		jobHeight = 1 + rng.Float64()*4
		weekdayJobs = rng.Float64() < 0.5
	}

	// Trend: a weekly growth rate that may change once.
	g1 := rng.NormFloat64() * 0.03
	if s.Kind == "growth" {
		g1 = 0.03 + rng.Float64()*0.08
	}
	g2, change := g1, total
	if rng.Float64() < 0.5 {
		change = n/3 + rng.IntN(n/2)
		g2 = rng.NormFloat64() * 0.04
	}
	// Level shift: a migration or a new customer, sometimes in the last days.
	shiftAt, ratio := total, 1.0
	if rng.Float64() < 0.3 {
		if rng.Float64() < 0.3 {
			shiftAt = n - 12 - rng.IntN(60)
		} else {
			shiftAt = int(float64(n) * (0.3 + 0.6*rng.Float64()))
		}
		if rng.Float64() < 0.5 {
			ratio = 0.4 + rng.Float64()*0.3
		} else {
			ratio = 1.3 + rng.Float64()*0.7
		}
		s.Shift, s.Ratio = shiftAt, ratio
	}
	// Spikes: incidents and retries, a few hours each.
	spike := make([]float64, total)
	if rng.Float64() < 0.4 {
		for range 1 + rng.IntN(5) {
			at, dur, mag := rng.IntN(total), 1+rng.IntN(4), 0.5+rng.Float64()*2.5
			for k := at; k < min(total, at+dur); k++ {
				spike[k] = mag
			}
		}
	}
	phi := 0.3 + rng.Float64()*0.6
	sigma := 0.02 + rng.Float64()*0.1
	var ar float64

	y := make([]float64, total)
	logLevel := 0.0
	for t := range total {
		g := g1
		if t >= change {
			g = g2
		}
		logLevel += g / 168
		level := base * math.Exp(logLevel)
		if t >= shiftAt {
			level *= ratio
		}
		how := (phase + t) % 168
		day, hour := how/24, how%24 // day 5, 6: weekend; 4: Friday
		season := daily[hour]
		wk := 1.0
		switch day {
		case 5, 6:
			wk = weekend
			season *= 0.3 + 0.7*weekend
		case 4:
			wk = friday
		}
		for _, j := range jobs {
			if hour == j && !(weekdayJobs && day >= 5) {
				season += jobHeight
			}
		}
		ar = phi*ar + sigma*math.Sqrt(1-phi*phi)*rng.NormFloat64()
		var v float64
		if additive {
			v = (base*wk + base*season) * math.Exp(logLevel)
			if t >= shiftAt {
				v *= ratio
			}
			v += base * ar * 0.7
		} else {
			v = level * wk * (1 + season) * math.Exp(ar)
		}
		v *= 1 + spike[t]
		y[t] = math.Max(0.01*base, math.Round(v*100)/100)
	}
	s.Train, s.Test = y[:n], y[n:]
	return s
}
