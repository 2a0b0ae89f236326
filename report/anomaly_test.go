package report

import (
	"math"
	"testing"
)

func TestAnomalyRule(t *testing.T) {
	r := DefaultAnomalyRule
	// Baseline 100 ± small wobble: median 100, deviations {0,1,1,2,…}.
	base := []float64{100, 101, 99, 102, 98, 100, 101, 99, 100, 100, 103, 97, 100, 101, 99, 100, 100, 102, 98, 100, 101, 99, 100, 100, 100, 101, 99, 100}
	b, ok := r.Baseline(base)
	if !ok {
		t.Fatal("baseline not judged")
	}
	// Sorted deviations: 13 zeros, 10 ones, 4 twos, 2 threes (28 values) → MAD = 1 (hand count: the 14th and 15th are 1).
	if b.Median != 100 {
		t.Fatalf("median %v, want 100", b.Median)
	}
	// σ = max(1.4826 × 1, 0.05 × 100) = 5; band 100 ± 17.5.
	if math.Abs(b.Scale-5) > 1e-9 || math.Abs(b.Lo-82.5) > 1e-9 || math.Abs(b.Hi-117.5) > 1e-9 {
		t.Fatalf("band %+v, want scale 5, 82.5–117.5", b)
	}
	for _, c := range []struct {
		x    float64
		want bool
	}{{117, false}, {118, true}, {83, false}, {82, true}, {300, true}, {100, false}} {
		if got, z := r.Anomalous(b, c.x); got != c.want {
			t.Errorf("x=%v: anomalous %v (z %.2f), want %v", c.x, got, z, c.want)
		}
	}
	// Robust: one huge outlier in the baseline does not widen the band.
	withSpike := append([]float64(nil), base...)
	withSpike[3] = 10000
	b2, _ := r.Baseline(withSpike)
	if b2.Hi > 118 {
		t.Errorf("an outlier widened the band to %v", b2.Hi)
	}
	// A young series is not judged.
	if _, ok := r.Baseline([]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}); ok {
		t.Error("12 days of cost: want no judgement")
	}
	// MinDelta: a flat $2 series does not flag a $2.50 day (Δ 0.5 < $1).
	small, _ := r.Baseline(repeat(2, 28))
	if bad, _ := r.Anomalous(small, 2.5); bad {
		t.Error("a $0.50 change was flagged")
	}
	if bad, _ := r.Anomalous(small, 3.5); !bad {
		t.Error("a 75% jump of $1.50 was not flagged")
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
