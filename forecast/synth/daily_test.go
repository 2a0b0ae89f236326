package synth

import (
	"math"
	"strconv"
	"strings"
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

// TestDailyCents: a daily value is its hours' sum to the cent, as the hourly
// values are cents: summed in binary floating point it was written to the
// suite's files as 7012.740000000001.
func TestDailyCents(t *testing.T) {
	for _, d := range Daily(Config{Series: 20, Horizon: 14, Seed: 1}) {
		for i, v := range append(d.Train, d.Test...) {
			if s := strconv.FormatFloat(v, 'f', -1, 64); len(s) > strings.IndexByte(s+".", '.')+3 {
				t.Fatalf("%s: day %d is %s, want cents", d.ID, i, s)
			}
		}
	}
}
