package forecast

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// distribution is a forecast's error distribution, calibrated on
// rolling-origin validation errors: the error at step h is scale[h]·Z, where
// Z follows the empirical distribution of the standardized validation errors
// (conformal: its quantiles are taken at the finite-sample corrected levels)
// and successive steps are AR(1)-correlated with coefficient rho.
type distribution struct {
	scale  []float64 // per step of the horizon
	z      []float64 // sorted standardized errors; nil: normal
	zMean  float64   // mean of z
	rho    float64
	bounds Bound
	// breakRatio is a level shift the last values may have begun (0:
	// none): the intervals, on its side, also hold what they would be
	// after it.
	breakRatio float64
}

// minPooled is the fewest validation errors the empirical quantiles are
// taken from; with fewer, Z is normal with the errors' RMS.
const minPooled = 40

// minNonZero is the least share of the standardized errors that must be
// non-zero for their empirical quantiles to be used. The widest band is the
// 95% one: its bounds are the 2.5% and 97.5% quantiles, so with fewer than
// 5% of the errors off zero at least one of them is zero whatever the errors'
// size, and the band collapses to the point forecast at every step — as on a
// periodic series where only the windows reaching two filled values erred.
const minNonZero = 0.05

// calibrate builds the distribution from validation errors errs[k][h]
// (origin k, step h) for a horizon of H steps; widen multiplies the scale.
// Past the validated horizon the scale grows as growth says. extrapolated
// reports whether that happened.
func calibrate(errs [][]float64, H int, widen float64, growth Growth) (d distribution, extrapolated bool) {
	hv := 0
	for _, e := range errs {
		hv = max(hv, len(e))
	}
	ms := make([]float64, hv)
	cnt := make([]float64, hv)
	for _, e := range errs {
		for h, v := range e {
			ms[h] += v * v
			cnt[h]++
		}
	}
	for h := range ms {
		if cnt[h] > 0 {
			ms[h] /= cnt[h]
		}
	}
	// Errors grow with the step: fit a nondecreasing curve to the mean
	// squares, each first averaged with its neighbours' (see smoothSteps).
	ms = isotonic(smoothSteps(ms, cnt), cnt)
	filled := fillZeroSteps(ms)
	d.scale = make([]float64, H)
	for h := range d.scale {
		if h < hv {
			d.scale[h] = math.Sqrt(ms[h])
			continue
		}
		extrapolated = true
		d.scale[h] = growth.scale(math.Sqrt(ms[hv-1]), float64(h+1)/float64(hv))
	}
	var z []float64
	var num, den float64
	nonZero := 0
	for _, e := range errs {
		prev := math.NaN()
		for h, v := range e {
			if h < filled {
				// Their errors are all zero at a scale not fitted to them:
				// they say nothing of Z's shape.
				prev = math.NaN()
				continue
			}
			if v != 0 {
				nonZero++
			}
			s := math.Sqrt(ms[h])
			zz := 0.0
			if s > 0 {
				zz = v / s
			}
			z = append(z, zz)
			if !math.IsNaN(prev) {
				num += prev * zz
			}
			den += zz * zz
			prev = zz
		}
	}
	if den > 0 {
		d.rho = math.Max(0, math.Min(0.99, num/den))
	}
	if len(z) >= minPooled && float64(nonZero) >= minNonZero*float64(len(z)) {
		slices.Sort(z)
		d.z, d.zMean = z, stat.Mean(z, nil)
	} else {
		// Too few errors, or too few non-zero ones, for empirical tails:
		// normal with their RMS.
		rms := 1.0
		if len(z) > 0 {
			var ss float64
			for _, v := range z {
				ss += v * v
			}
			rms = math.Sqrt(ss / float64(len(z)))
		}
		widen *= rms * 1.25
	}
	for h := range d.scale {
		d.scale[h] *= widen
	}
	return d, extrapolated
}

// smoothSteps returns the mean squares ms (weights cnt) averaged over
// smoothWindow steps centered on each, fewer at the ends, from the first
// step that erred on: leading steps that never erred are fillZeroSteps'.
//
// Each step's mean square is averaged over as many errors as there were
// origins (12 at most), and the nondecreasing fit alone takes the first
// step's as the lowest running mean from it, the last step's as the highest:
// biased low and high. On the daily synthetic suite (30 days ahead, seeds
// 1–3) the first day's 80% band covered 68.6% of the days in all three, the
// thirtieth's 82.9%, 84.5%, 85.7%; averaged over neighbours first, 75.1%,
// 73.2%, 75.8% and 79.5%, 79.5%, 81.9%.
func smoothSteps(ms, cnt []float64) []float64 {
	out := slices.Clone(ms)
	h0 := slices.IndexFunc(ms, func(v float64) bool { return v > 0 })
	if h0 < 0 {
		return out
	}
	for h := h0; h < len(ms); h++ {
		var sum, w float64
		for j := max(h0, h-smoothWindow/2); j <= min(len(ms)-1, h+smoothWindow/2); j++ {
			sum += ms[j] * cnt[j]
			w += cnt[j]
		}
		if w > 0 {
			out[h] = sum / w
		}
	}
	return out
}

// smoothWindow is how many steps a step's mean square is averaged over:
// a week of daily steps.
const smoothWindow = 7

// fillZeroSteps gives the leading steps whose validation errors were all
// zero — where the nondecreasing fit ms is zero before the first step that
// erred, h0 — the mean square of h0 scaled down as a random walk's variance,
// ms[h0]·(h+1)/(h0+1).
// A step that never erred over a few origins (one, on a short history) has
// not shown that the model is exact there; left at zero, its band would be
// the point forecast. It returns h0, the number of steps filled (0 when
// none were, or when no step erred at all: an exactly repeating history).
// Real-valued series never err exactly zero, so on them it does nothing.
func fillZeroSteps(ms []float64) int {
	h0 := slices.IndexFunc(ms, func(v float64) bool { return v > 0 })
	if h0 <= 0 {
		return 0
	}
	for h := range h0 {
		ms[h] = ms[h0] * float64(h+1) / float64(h0+1)
	}
	return h0
}

// isotonic returns the weighted least-squares nondecreasing fit to v (pool
// adjacent violators).
func isotonic(v, w []float64) []float64 {
	type block struct {
		sum, w float64
		n      int
	}
	var bs []block
	for i := range v {
		wi := w[i]
		if wi <= 0 {
			wi = 1e-9
		}
		bs = append(bs, block{v[i] * wi, wi, 1})
		for len(bs) > 1 {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			if a.sum/a.w <= b.sum/b.w {
				break
			}
			bs = bs[:len(bs)-2]
			bs = append(bs, block{a.sum + b.sum, a.w + b.w, a.n + b.n})
		}
	}
	out := make([]float64, 0, len(v))
	for _, b := range bs {
		for range b.n {
			out = append(out, b.sum/b.w)
		}
	}
	return out
}

// zQuantile returns the p-quantile of Z. Empirical quantiles are taken at the
// conformal level: ⌈(N+1)p⌉/N for upper tails and its mirror for lower ones,
// so the coverage of a fresh error is at least nominal under exchangeability.
// It is nondecreasing in p, so the 80% band lies inside the 95% one.
//
// The quantiles are the validation errors' own, stretched to zero where
// they do not reach it, so that every band holds the point forecast. They
// were centered on the errors' median before, so that a bias the model has
// since adapted to (a level shift inside the validation windows) would not
// move the band off the forecast. But level shifts are taken out of the
// history before validation, and a bias the model keeps, such as growth it
// extrapolates short, is still there when the forecast is made: centered,
// the band left it out. On the daily synthetic suite (seeds 1–3, 30 days
// ahead) the 80% band covered 69.3%, 65.9%, 68.4% of the days centered and
// 73.0%, 69.7%, 72.5% now (MSIS 15.44, 38.42, 26.74 against 14.50, 36.35,
// 25.81); on the hourly one (48 hours ahead) 80.4%, 80.6%, 80.2% centered
// and 80.4%, 80.8%, 80.1% now.
func (d *distribution) zQuantile(p float64) float64 {
	if d.z == nil {
		return distuv.UnitNormal.Quantile(p)
	}
	n := float64(len(d.z))
	q := p
	if p > 0.5 {
		q = p * (n + 1) / n
	} else if p < 0.5 {
		q = 1 - (1-p)*(n+1)/n
	}
	v := sortedQuantile(d.z, q)
	switch {
	case p > 0.5:
		return math.Max(0, v)
	case p < 0.5:
		return math.Min(0, v)
	}
	return v
}

// sortedQuantile returns the q-quantile of the sorted x, interpolated
// linearly as gonum's stat.LinInterp does, but never outside the two values
// it interpolates between: interpolating between equal values in floating
// point can overshoot them by an ulp, which put the upper 80% bound above
// the upper 95% one (the largest value, taken exactly at q = 1). So it is
// nondecreasing in q by construction. q ≤ 0 gives x[0], q ≥ 1 x[len−1];
// it is NaN when x holds a NaN (sorted first).
func sortedQuantile(x []float64, q float64) float64 {
	n := len(x)
	if math.IsNaN(x[0]) {
		return math.NaN()
	}
	if q <= 0 || n == 1 {
		return x[0]
	}
	if q >= 1 {
		return x[n-1]
	}
	fidx := q * float64(n)
	i := max(0, int(math.Ceil(fidx))-1) // first i with i+1 ≥ fidx
	if i == 0 {
		return x[0]
	}
	a, b := x[i-1], x[i]
	t := float64(i+1) - fidx
	return math.Max(a, math.Min(b, t*a+(1-t)*b))
}

// quantile returns the p-quantile of the forecast at every step. With a
// possible recent break, the quantiles on its side reach as far as they
// would after it.
func (d *distribution) quantile(mean []float64, p float64) []float64 {
	zq := d.zQuantile(p)
	r := d.breakRatio
	out := make([]float64, len(mean))
	for h := range mean {
		q := mean[h] + d.scale[h]*zq
		switch {
		case r > 1 && p > 0.5:
			q = math.Max(q, r*q)
		case r > 0 && r < 1 && p < 0.5:
			q = math.Min(q, r*q)
		}
		out[h] = d.bounds.clamp(q)
	}
	return out
}

// paths draws n sample paths. Their errors are drawn from Z less its mean:
// paths are summed (a month of usage, a commitment's term), and the sum of
// many draws of a skewed Z centered on its median drifts off the point
// forecast by the skew — on daily usage, sample paths' 90-day means sat
// 1–2% below both the point forecast's and what followed.
func (d *distribution) paths(mean []float64, n int, rng *rand.Rand) [][]float64 {
	out := make([][]float64, n)
	draw := func() float64 {
		if d.z == nil {
			return rng.NormFloat64()
		}
		return d.z[rng.IntN(len(d.z))] - d.zMean
	}
	innov := math.Sqrt(1 - d.rho*d.rho)
	for i := range out {
		p := make([]float64, len(mean))
		e := draw()
		for h := range p {
			if h > 0 {
				e = d.rho*e + innov*draw()
			}
			p[h] = d.bounds.clamp(mean[h] + d.scale[h]*e)
		}
		out[i] = p
	}
	return out
}

// Growth is how the error scale of a forecast grows past the horizon its
// validation covered.
type Growth int

// Growths.
//
// Linear is the default: on the daily synthetic suite cut to 60–120 days
// and forecast 90 days ahead, validated over 17–56 days, the 80% band
// covered 75.1% of the days growing linearly (78.3% of the 90th day) and
// 64.4% as √h (55.1% of the 90th day).
const (
	GrowthLinear Growth = iota // as the error of a trend: with the step
	GrowthSqrt                 // as a random walk's: with its square root
)

// scale returns s, the scale at the last validated step, grown by the ratio
// r of a step to that step.
func (g Growth) scale(s, r float64) float64 {
	if g == GrowthSqrt {
		return s * math.Sqrt(r)
	}
	return s * r
}

// Bound constrains forecasts.
type Bound int

// Bounds.
const (
	BoundAuto        Bound = iota // non-negative when the history is
	BoundNone                     // unconstrained (credits, balances)
	BoundNonNegative              // never below zero (spend, usage)
)

func (b Bound) clamp(v float64) float64 {
	if b == BoundNonNegative && v < 0 {
		return 0
	}
	return v
}

// relativeToLevel returns the validation errors errs[k][h] of the positive
// history x as fractions of the level x had at their origin origins[k] (the
// mean of the w values before it, held within a factor maxLevelRatio of
// today's), and the level at the end of x, today's. The intervals are
// calibrated on the fractions and scaled by that level.
//
// A bill's noise grows with it: validated in absolute terms on windows
// where a growing series was lower, the intervals were too narrow for the
// level it has since reached (and too wide after a decline). Over
// TestIntervalsGrowWithTheLevel's series, growing 0.3–1% a day, the 80%
// band covered 60.5% of the next 30 days in absolute terms and 76.6% now.
// On the daily synthetic suite (30 days ahead, seeds 1–3), this and
// smoothSteps took 80% coverage from 77.6%, 74.5%, 78.6% to 79.6%, 77.2%,
// 80.1%.
func relativeToLevel(x []float64, origins []int, errs [][]float64, w int) (rel [][]float64, level float64) {
	level = mean(x[max(0, len(x)-w):])
	rel = make([][]float64, len(errs))
	for k, o := range origins {
		l := min(max(mean(x[max(0, o-w):o]), level/maxLevelRatio), level*maxLevelRatio)
		rel[k] = make([]float64, len(errs[k]))
		for h, v := range errs[k] {
			rel[k][h] = v / l
		}
	}
	return rel, level
}

// maxLevelRatio bounds how far an origin's level is taken from today's. A
// series that rose from near zero (a new service ramping up) errs in ways
// its early level does not scale. TestIntervalsOfARampFromNearZero's ramp,
// from 0.5 to 100 a day over 60 days and 30 days flat since, had an 80% band
// 6.04 times its forecast wide 30 days ahead with the level unbounded, 0.64
// times with absolute errors, and 1.13 times bounded (0.54 since it is
// calibrated on the windows after its ramp, see afterRamp). Bounded at 2,
// the suite's growing series keep most of the gain: 82.5%, 79.5%, 82.8%
// covered, against 84.3%, 82.2%, 83.7% unbounded and 71.8%, 70.3%, 75.5%
// with absolute errors.
const maxLevelRatio = 2
