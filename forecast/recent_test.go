package forecast

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestIntervalsReachARecentShift: a daily series halves on its last day,
// too recent to tell a level shift from an incident. The forecast keeps the
// old level, but its 80% intervals reach down to half of it, and its notes
// say why. Without the break, the band stays near the values.
func TestIntervalsReachARecentShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	week := []float64{1, 1, 1, 1, 0.95, 0.7, 0.7}
	clean := make([]float64, 230)
	for i := range clean {
		clean[i] = 500 * week[i%7] * (1 + 0.02*rng.NormFloat64())
	}
	y, future := clean[:200], clean[200:]
	halved := append([]float64(nil), y...)
	halved[199] *= 0.5

	r, err := ForecastValues(halved, Options{Horizon: 30, Seasons: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Notes, "; "), "a level shift may have begun") {
		t.Errorf("notes %q: want the recent shift", r.Notes)
	}
	for h := range future {
		if r.Lo80[h] > 0.55*r.Mean[h] || r.Hi80[h] < r.Mean[h] {
			t.Fatalf("day %d: 80%% band %.0f – %.0f does not reach half the forecast %.0f", h+1, r.Lo80[h], r.Hi80[h], r.Mean[h])
		}
	}

	r, err = ForecastValues(y, Options{Horizon: 30, Seasons: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range r.Notes {
		if strings.Contains(n, "level shift may have begun") {
			t.Errorf("a shift noted on a series without one: %q", n)
		}
	}
	for h, v := range future {
		if r.Lo80[h] < 0.8*v {
			t.Fatalf("day %d: 80%% band %.0f – %.0f reaches far below %.0f without a shift", h+1, r.Lo80[h], r.Hi80[h], v)
		}
	}
}

// TestSignedPercent: the recent shift's note says how far off the forecast
// the last values lie with the digits that tell it from zero: a shift of
// 0.3% read "+0%", as if the values were on the forecast.
func TestSignedPercent(t *testing.T) {
	for _, tt := range []struct {
		ratio float64
		want  string
	}{
		{0.5, "-50%"}, {1.12, "+12%"}, {1.0031, "+0.31%"}, {0.999958, "-0.0042%"}, {3, "+200%"},
	} {
		if got := signedPercent(tt.ratio); got != tt.want {
			t.Errorf("signedPercent(%v) = %q, want %q", tt.ratio, got, tt.want)
		}
	}
}
