package forecast

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRobustness(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	hourly := func(n int) []float64 {
		y := make([]float64, n)
		for i := range y {
			y[i] = 50 + 20*math.Sin(2*math.Pi*float64(i)/24) + rng.NormFloat64()
		}
		return y
	}
	intermittent := make([]float64, 500)
	for i := range intermittent {
		if rng.Float64() < 0.1 {
			intermittent[i] = 1 + 10*rng.Float64()
		}
	}
	missing := hourly(600)
	for i := range missing {
		if rng.Float64() < 0.1 || i > 590 || (i >= 200 && i < 230) {
			missing[i] = math.NaN()
		}
	}
	leading := append([]float64{math.NaN(), math.NaN()}, hourly(100)...)
	credits := hourly(400)
	for i := range credits {
		credits[i] -= 60 // mostly negative: a credit line
	}
	tests := []struct {
		name     string
		y        []float64
		note     string // a note the result must carry
		nonNeg   bool
		constant float64 // when not NaN: every forecast and bound equals it
	}{
		{"short", hourly(30), "short history", true, math.NaN()},
		{"one value", []float64{42}, "too short to validate", true, math.NaN()},
		{"two values", []float64{3, 5}, "", true, math.NaN()},
		{"intermittent", intermittent, "", true, math.NaN()},
		{"zeros", make([]float64, 300), "constant series", true, 0},
		{"constant", []float64{7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, "constant series", true, 7},
		{"missing hours", missing, "missing values filled", true, math.NaN()},
		{"leading missing", leading, "leading missing values dropped", true, math.NaN()},
		{"credits", credits, "", false, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ForecastValues(tt.y, Options{Horizon: 48, Seasons: []int{24, 168}})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Mean) != 48 {
				t.Fatalf("%d forecasts", len(r.Mean))
			}
			if tt.note != "" && !strings.Contains(strings.Join(r.Notes, "; "), tt.note) {
				t.Errorf("notes %q lack %q", r.Notes, tt.note)
			}
			for h := range r.Mean {
				vals := []float64{r.Lo95[h], r.Lo80[h], r.Mean[h], r.Hi80[h], r.Hi95[h]}
				for _, v := range vals {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("step %d: non-finite %v", h, vals)
					}
					if tt.nonNeg && v < 0 {
						t.Fatalf("step %d: negative forecast of a non-negative series: %v", h, vals)
					}
					if !math.IsNaN(tt.constant) && v != tt.constant {
						t.Fatalf("step %d: %v, want all %v", h, vals, tt.constant)
					}
				}
				if !(r.Lo95[h] <= r.Lo80[h] && r.Lo80[h] <= r.Hi80[h] && r.Hi80[h] <= r.Hi95[h]) {
					t.Fatalf("step %d: intervals not nested: %v", h, vals)
				}
			}
		})
	}
	if _, err := ForecastValues([]float64{math.NaN()}, Options{Horizon: 3}); !errors.Is(err, ErrNoData) {
		t.Errorf("all missing: %v, want ErrNoData", err)
	}
	if _, err := ForecastValues([]float64{1}, Options{Horizon: 3, Model: "prophet"}); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("unknown model: %v, want ErrUnknownModel", err)
	}
}

func TestShortHistoryWidensIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]float64, 40)
	for i := range y {
		y[i] = 100 + rng.NormFloat64()
	}
	short, err := ForecastValues(y, Options{Horizon: 6, Seasons: []int{24}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ForecastValues(y, Options{Horizon: 6})
	if err != nil {
		t.Fatal(err)
	}
	ws, wp := short.Hi95[0]-short.Lo95[0], plain.Hi95[0]-plain.Lo95[0]
	if math.Abs(ws/wp-1.5) > 0.01 {
		t.Errorf("95%% width with a short history %.3f, without a season %.3f: want ×1.5", ws, wp)
	}
}
