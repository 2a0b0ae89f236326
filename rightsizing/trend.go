package rightsizing

import (
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// minTrendDays is how many days a trend needs.
const minTrendDays = 3

// dailyTrend summarizes each day of samples with summary, fits a
// least-squares line to the daily values and, when they grow steadily
// (positive slope, R² ≥ 0.6), returns the value extrapolated horizon past the
// last sample.
func dailyTrend(samples []Sample, summary func(day []Sample) float64, horizon time.Duration) (float64, bool) {
	if len(samples) == 0 || horizon <= 0 {
		return 0, false
	}
	origin := samples[0].Start
	var xs, ys []float64
	from := 0
	for i := 1; i <= len(samples); i++ {
		if i < len(samples) && samples[i].Start.Sub(origin)/(24*time.Hour) == samples[from].Start.Sub(origin)/(24*time.Hour) {
			continue
		}
		d := samples[from].Start.Sub(origin) / (24 * time.Hour)
		xs = append(xs, float64(d)+0.5)
		ys = append(ys, summary(samples[from:i]))
		from = i
	}
	if len(xs) < minTrendDays {
		return 0, false
	}
	alpha, beta := stat.LinearRegression(xs, ys, nil, false)
	if beta <= 0 {
		return 0, false
	}
	if r2 := stat.RSquared(xs, ys, nil, alpha, beta); r2 < 0.6 {
		return 0, false
	}
	end := samples[len(samples)-1].Start.Add(Step).Sub(origin) + horizon
	return alpha + beta*end.Hours()/24, true
}

// dayPeak is the highest memory peak of a day.
func dayPeak(day []Sample) float64 {
	var m int64
	for _, s := range day {
		m = max(m, s.MemoryPeak)
	}
	return float64(m)
}

// dayCPUPercentile returns a summary: the p-th percentile of a day's CPU windows.
func dayCPUPercentile(p float64) func(day []Sample) float64 {
	return func(day []Sample) float64 {
		v := make([]float64, len(day))
		for i, s := range day {
			v[i] = s.CPU
		}
		slices.Sort(v)
		return stat.Quantile(p, stat.Empirical, v, nil)
	}
}
