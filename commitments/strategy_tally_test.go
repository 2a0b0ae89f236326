package commitments

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// hourlyOf returns days days of hourly usage at level(day), with a daily
// cycle, quieter weekends and autocorrelated noise (as Generate's fleets).
func hourlyOf(days int, level func(day int) float64) []float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]float64, days*24)
	var noise float64
	for h := range out {
		cycle := 1 + 0.15*math.Sin(2*math.Pi*float64(h%24-9)/24)
		if d := h / 24 % 7; d >= 5 {
			cycle *= 0.9
		}
		noise = 0.9*noise + math.Sqrt(1-0.81)*0.04*rng.NormFloat64()
		out[h] = level(h/24) * cycle * (1 + noise)
	}
	return out
}

// TestLastYearReplaysSeasonsNotFinishedDeclines: the stress year repeats
// last year's dips usage came back from, at today's level, but not a
// decline usage never came back from once it has finished (a migration
// done): that would replay the decline from today's level, as if the
// remaining usage were to leave too.
func TestLastYearReplaysSeasonsNotFinishedDeclines(t *testing.T) {
	const days = 420 // a year and eight weeks
	ramp := func(day, from, to int, a, b float64) float64 {
		f := min(max(float64(day-from)/float64(to-from), 0), 1)
		return a + (b-a)*f
	}
	for _, c := range []struct {
		name     string
		level    func(day int) float64
		min, max float64 // the stress year's lowest week, relative to the last four weeks
	}{
		// 90% of the usage migrated away between days 180 and 360; the
		// rest has held since.
		{"finished migration", func(d int) float64 { return ramp(d, 180, 360, 100, 10) }, 0.9, 1.1},
		// A yearly cycle: a summer trough 30% below today's level.
		{"yearly trough", func(d int) float64 { return 85 + 15*math.Cos(2*math.Pi*float64(d-days)/365) }, 0.65, 0.75},
		// Usage halved over days 60–150, then dipped 30% for a month
		// (days 250–280) and came back.
		{"dip after a finished decline", func(d int) float64 {
			if d >= 250 && d < 280 {
				return 35
			}
			return ramp(d, 60, 150, 100, 50)
		}, 0.65, 0.75},
	} {
		hourly := hourlyOf(days, c.level)
		y := lastYear(hourly, 365)
		if y == nil {
			t.Fatalf("%s: no stress year", c.name)
		}
		now := mean(hourly[len(hourly)-28*24:])
		var weeks []float64
		for w := 0; w+7 <= len(y); w += 7 {
			weeks = append(weeks, mean(y[w:w+7])/now)
		}
		if low := slices.Min(weeks); low < c.min || low > c.max {
			t.Errorf("%s: the stress year's lowest week is %.2f of today's level, want %.2f–%.2f", c.name, low, c.min, c.max)
		}
	}
}
