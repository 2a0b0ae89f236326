package cicheck

import (
	"math"
	"slices"
	"sort"

	"golang.org/x/perf/benchmath"
)

// Estimate is the median of one side's runs with its confidence interval.
type Estimate struct {
	Median float64 `json:"median"`
	Lo     float64 `json:"lo"`
	Hi     float64 `json:"hi"`
	N      int     `json:"n"`
}

// Change compares one quantity between the base and the head runs: the
// medians, the difference with a confidence interval, and the Mann-Whitney U
// test of whether the two sides differ.
//
// The interval of a change that gets a verdict (a profile's total, a
// benchmark's time per op) is the U test's own, inverted (Stats.judged), so
// that the verdict and the interval printed beside it agree. Other changes
// (functions, allocations) get one built from the two sides' median
// intervals, each at confidence √c (benchmath's order-statistic intervals):
// when both cover their true medians, which happens with probability at
// least c, [head.Lo − base.Hi, head.Hi − base.Lo] covers the true difference.
// That one is conservative (wider than it needs to be), never optimistic.
type Change struct {
	Base  Estimate `json:"base"`
	Head  Estimate `json:"head"`
	Delta float64  `json:"delta"`   // head − base medians
	Lo    float64  `json:"deltaLo"` // interval of Delta
	Hi    float64  `json:"deltaHi"`
	// Rel is Delta relative to the base median, with its interval
	// [head.Lo/base.Hi − 1, head.Hi/base.Lo − 1]; zero when the base is zero
	// (New is then set).
	Rel   float64 `json:"rel"`
	RelLo float64 `json:"relLo"`
	RelHi float64 `json:"relHi"`
	New   bool    `json:"new,omitempty"` // absent from every base run
	// P is the Mann-Whitney U p-value of "both sides come from the same
	// distribution"; Significant is P < alpha.
	P           float64  `json:"p"`
	Significant bool     `json:"significant"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Stats holds the statistical settings of a comparison.
type Stats struct {
	Alpha      float64 // significance level of the U test, e.g. 0.05
	Confidence float64 // confidence of the intervals of a change, e.g. 0.95
}

// DefaultStats is α = 0.05 and 95 % intervals.
var DefaultStats = Stats{Alpha: 0.05, Confidence: 0.95}

func (s Stats) sideConfidence() float64 { return math.Sqrt(s.Confidence) }

// MinRuns returns the fewest runs per side that can give a verdict: enough
// for the U test to reach significance at Alpha when the sides are fully
// separated, and for each side's median interval at √Confidence to be finite.
// It asks benchmath rather than restating its tables.
func (s Stats) MinRuns() int {
	th := &benchmath.Thresholds{CompareAlpha: s.Alpha}
	for n := 2; n <= 100; n++ {
		lo, hi := make([]float64, n), make([]float64, n)
		for i := range n {
			lo[i], hi[i] = float64(i), float64(n+i)
		}
		a, b := benchmath.NewSample(lo, th), benchmath.NewSample(hi, th)
		if c := benchmath.AssumeNothing.Compare(a, b); !(c.P < s.Alpha) {
			continue
		}
		sum := benchmath.AssumeNothing.Summary(a, s.sideConfidence())
		if math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0) {
			continue
		}
		return n
	}
	return 100
}

// compare compares base with head. Neither slice is modified.
func (s Stats) compare(base, head []float64) Change {
	th := &benchmath.Thresholds{CompareAlpha: s.Alpha}
	bs := benchmath.NewSample(slices.Clone(base), th)
	hs := benchmath.NewSample(slices.Clone(head), th)
	conf := s.sideConfidence()
	bsum := benchmath.AssumeNothing.Summary(bs, conf)
	hsum := benchmath.AssumeNothing.Summary(hs, conf)
	c := Change{
		Base:  Estimate{Median: bsum.Center, Lo: bsum.Lo, Hi: bsum.Hi, N: len(base)},
		Head:  Estimate{Median: hsum.Center, Lo: hsum.Lo, Hi: hsum.Hi, N: len(head)},
		Delta: hsum.Center - bsum.Center,
		Lo:    hsum.Lo - bsum.Hi,
		Hi:    hsum.Hi - bsum.Lo,
	}
	if allZero(base) && !allZero(head) {
		c.New = true
	}
	if bsum.Center > 0 {
		c.Rel = hsum.Center/bsum.Center - 1
		c.RelLo = hsum.Lo/bsum.Hi - 1
		if bsum.Lo > 0 {
			c.RelHi = hsum.Hi/bsum.Lo - 1
		} else {
			c.RelHi = math.Inf(1)
		}
	}
	if allEqual(base, head) {
		// Identical measurements: no difference, and nothing for the U test to rank.
		c.P = 1
	} else {
		cmp := benchmath.AssumeNothing.Compare(bs, hs)
		// benchmath's two-sided U test doubles the probability of a U as
		// small as the one seen, which counts the mass at that U itself
		// and, with ties and unequal sides, can pass one half (p = 1.12
		// was seen): a probability is at most 1. Gate.judge's p comes
		// from here too.
		c.P = min(cmp.P, 1)
		c.Significant = c.P < s.Alpha
		for _, w := range cmp.Warnings {
			c.Warnings = append(c.Warnings, w.Error())
		}
	}
	for _, w := range append(bsum.Warnings, hsum.Warnings...) {
		c.Warnings = append(c.Warnings, w.Error())
	}
	return c
}

func allZero(xs []float64) bool {
	for _, x := range xs {
		if x != 0 {
			return false
		}
	}
	return true
}

func allEqual(a, b []float64) bool {
	var v float64
	first := true
	for _, xs := range [][]float64{a, b} {
		for _, x := range xs {
			if first {
				v, first = x, false
			} else if x != v {
				return false
			}
		}
	}
	return true
}

// shiftLowerBound returns a lower confidence bound of how far head's values
// are shifted above base's that lies above the true shift with probability
// at most miss. It inverts the Mann-Whitney U test, as Gate.judge does for
// one bar (Hodges-Lehmann and Moses's interval): the bound is the largest
// shift d for which head − d is still significantly above base, one-sided
// at level miss (two-sided 2·miss). The U statistic of head − d only
// changes where d crosses a pairwise difference head[j] − base[i], so it
// searches the sorted differences rather than the real line, testing each
// with benchmath. If the shift were larger than the true one, the test at
// the true shift would have rejected, which happens with probability at
// most miss. It is −Inf when even fully separated runs are not
// significant at that level (too few runs).
func (s Stats) shiftLowerBound(base, head []float64, miss float64) float64 {
	diffs := make([]float64, 0, len(base)*len(head))
	for _, h := range head {
		for _, b := range base {
			diffs = append(diffs, h-b)
		}
	}
	slices.Sort(diffs)
	nm := len(diffs)
	if nm == 0 {
		return math.Inf(-1)
	}
	th := &benchmath.Thresholds{CompareAlpha: 2 * miss}
	bs := benchmath.NewSample(slices.Clone(base), th)
	shifted := make([]float64, len(head))
	// reject reports whether head − d is significantly above base for d
	// between diffs[r-1] and diffs[r], where r differences lie below d and
	// U = nm − r pairs have head − d above base.
	reject := func(r int) bool {
		if 2*r >= nm {
			return false // head − d is not above base
		}
		var d float64
		switch {
		case r == 0: // below every difference
			gap := diffs[nm-1] - diffs[0] + math.Abs(diffs[0])
			if gap == 0 {
				gap = 1
			}
			d = diffs[0] - gap
		default:
			d = diffs[r-1] + (diffs[r]-diffs[r-1])/2
		}
		for i, v := range head {
			shifted[i] = v - d
		}
		c := benchmath.AssumeNothing.Compare(bs, benchmath.NewSample(slices.Clone(shifted), th))
		return c.P < 2*miss
	}
	// U only falls as d grows, so rejection stops at some r: the bound is
	// the top of the last rejected stretch, diffs[first-1].
	first := sort.Search(nm+1, func(r int) bool { return !reject(r) })
	if first == 0 {
		return math.Inf(-1)
	}
	return diffs[first-1]
}

// judged compares base with head as compare does, with the interval of the
// change taken from the U test the verdict rests on, inverted (Hodges and
// Lehmann's, Moses's interval), rather than from the two sides' median
// intervals: Lo and Hi are the shifts d for which the test, two-sided at
// 1 − Confidence, does not find head − d and base apart, and RelLo and RelHi
// the relative changes r for which it does not find head/(1+r) and base
// apart (the test ranks, so that is the shift of the logarithms). With
// Confidence = 1 − Alpha, as by default, a change is significantly over a
// bar exactly when this interval lies above it, so the verdict and the
// interval printed beside it cannot disagree. The total of a profile diff
// and a benchmark's time per op are compared so; a function's, being
// judged by nothing, keeps compare's cheaper interval.
func (s Stats) judged(base, head []float64) Change {
	c := s.compare(base, head)
	c.Lo, c.Hi = s.testInterval(base, head)
	if c.Base.Median > 0 && positive(base) && positive(head) {
		lo, hi := s.testInterval(logs(base), logs(head))
		c.RelLo, c.RelHi = math.Expm1(lo), math.Expm1(hi)
	}
	return c
}

// testInterval returns the shifts d for which the U test, two-sided at
// 1 − Confidence, does not find head − d and base apart.
func (s Stats) testInterval(base, head []float64) (lo, hi float64) {
	miss := (1 - s.Confidence) / 2
	return s.shiftLowerBound(base, head, miss), -s.shiftLowerBound(head, base, miss)
}

func logs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

func positive(xs []float64) bool {
	for _, x := range xs {
		if !(x > 0) {
			return false
		}
	}
	return true
}
