package synth

import "math"

// Daily generates a suite of daily series: the hourly series of a suite
// with day-long lengths (cfg's Horizon, MinLen and MaxLen in days; lengths
// default to 200–360 days), summed per day, as a daily bill sums its hourly
// usage. The training series starts on a day boundary of the hourly one, so
// the test days continue its days; Shift is the day of the level shift.
func Daily(cfg Config) []Series {
	if cfg.MinLen == 0 {
		cfg.MinLen, cfg.MaxLen = 200, 360
	}
	hourly := Hourly(Config{Series: cfg.Series, Horizon: 24 * cfg.Horizon, Seed: cfg.Seed, MinLen: 24 * cfg.MinLen, MaxLen: 24 * cfg.MaxLen})
	for i, s := range hourly {
		skip := len(s.Train) % 24
		s.Train, s.Test = sumDays(s.Train[skip:]), sumDays(s.Test)
		if s.Shift >= 0 {
			s.Shift = max(0, s.Shift-skip) / 24
		}
		hourly[i] = s
	}
	return hourly
}

// sumDays sums x (hourly, a whole number of days, in cents) per day, to
// the cent: the float sum's error (7012.740000000001) is not the bill's.
func sumDays(x []float64) []float64 {
	out := make([]float64, len(x)/24)
	for i := range out {
		for _, v := range x[24*i : 24*i+24] {
			out[i] += v
		}
		out[i] = math.Round(out[i]*100) / 100
	}
	return out
}
