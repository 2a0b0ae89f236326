package cicheck

import (
	"math"

	"github.com/tallyhq/tally"
)

// pricedBench is one priced benchmark with enough runs for a verdict: its
// time per operation on each side and how often it runs a year.
type pricedBench struct {
	base, head []float64 // seconds per op
	calls      float64
}

// addedCost is what a change's slowdowns add a year across the priced
// benchmarks, tested against the gate's MaxAnnualIncrease.
type addedCost struct {
	// Estimate is the sum of the point estimates of the significant
	// slowdowns, the figure the headline gives.
	Estimate tally.Money
	// Lo is a lower bound of Σ max(Δᵢ, 0), the true cost the slowdowns add,
	// that holds with probability at least Confidence.
	Lo         tally.Money
	Confidence float64
	// Over: Lo is over the gate, so the total is significantly over it.
	Over bool
	// LooksOver: Estimate is over the gate (significantly or not).
	LooksOver bool
}

// addedCostTest bounds the money a year the slowdowns of benchmarks add
// together and compares it with max, at the same error rate as a single
// benchmark's test against its gate: a total at the gate is found over it
// at most α/2 of the time.
//
// Summing point estimates and comparing the sum with the gate would not be
// a test: with one benchmark exactly at the gate that comparison fails half
// of the time. Instead each of the k priced benchmarks gets a lower bound
// loᵢ of the shift of its time per op (Stats.shiftLowerBound, the U test
// Gate.judge uses, inverted) that lies above the true shift Δᵢ with
// probability at most α/(2k). By Bonferroni's inequality all k bounds hold
// together with probability at least 1 − α/2, whatever the dependence
// between benchmarks. When they all hold, Σ max(loᵢ, 0) ≤ Σ max(Δᵢ, 0), so
// the sum of the positive bounds, priced, is a lower bound of the cost the
// slowdowns add at confidence 1 − α/2; as the bounds hold simultaneously,
// counting only the benchmarks that turned out slower is no selection
// bias. A total at or under the gate is therefore found over it at most α/2
// of the time. Each bound is at level α/(2k) rather than α/2, the price of
// testing a total: a total needs to be further over the gate, or the runs
// more numerous, before it fails.
func addedCostTest(p *Pricing, priced []pricedBench, estimate, max tally.Money, s Stats) addedCost {
	c := addedCost{Estimate: estimate, Confidence: 1 - s.Alpha/2}
	if len(priced) == 0 {
		return c
	}
	miss := s.Alpha / 2 / float64(len(priced))
	var coreHours float64 // of the lower bounds of the slowdowns
	for _, b := range priced {
		if lo := s.shiftLowerBound(b.base, b.head, miss); lo > 0 && finite(lo) {
			coreHours += lo * 1e9 * b.calls / nanosPerHour
		}
	}
	// Exact from here on, not rounded to the cent, so rounding cannot
	// carry a bound under the gate over it.
	v := coreHours * p.PricePerCoreHour.Float64()
	if lo, err := tally.FromFloat(v, p.PricePerCoreHour.Currency()); err == nil && !math.IsNaN(v) {
		c.Lo = lo
		if cmp, err := lo.Cmp(max); err == nil && cmp > 0 {
			c.Over = true
		}
	}
	if cmp, err := estimate.Cmp(max); err == nil && cmp > 0 {
		c.LooksOver = true
	}
	return c
}
