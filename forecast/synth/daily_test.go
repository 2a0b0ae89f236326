package synth

import (
	"math"
	"testing"
)

// TestDaily: each daily series sums its hourly series' whole days, the
// training part ending where the test part starts.
func TestDaily(t *testing.T) {
	cfg := Config{Series: 5, Horizon: 30, Seed: 3, MinLen: 60, MaxLen: 90}
	hourly := Hourly(Config{Series: 5, Horizon: 24 * 30, Seed: 3, MinLen: 24 * 60, MaxLen: 24 * 90})
	for i, d := range Daily(cfg) {
		h := hourly[i]
		if len(d.Test) != 30 || len(d.Train) != len(h.Train)/24 || len(d.Train) < 60 || len(d.Train) > 90 {
			t.Fatalf("%s: %d training and %d test days from %d and %d hours", d.ID, len(d.Train), len(d.Test), len(h.Train), len(h.Test))
		}
		var last, first float64
		for _, v := range h.Train[len(h.Train)-24:] {
			last += v
		}
		for _, v := range h.Test[:24] {
			first += v
		}
		if math.Abs(d.Train[len(d.Train)-1]-last) > 1e-6 || math.Abs(d.Test[0]-first) > 1e-6 {
			t.Errorf("%s: last training day %.2f, first test day %.2f; want the hourly series' %.2f and %.2f",
				d.ID, d.Train[len(d.Train)-1], d.Test[0], last, first)
		}
	}
}
