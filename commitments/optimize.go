package commitments

import (
	"math"
	"slices"
	"sort"
)

// Risk bounds what the optimizer may commit to.
type Risk struct {
	// MinUtilization and MaxProbability: the probability that the pool's
	// commitments are used less than MinUtilization over the new term must
	// not exceed MaxProbability (defaults 0.99 and 0.05).
	MinUtilization float64 `json:"minUtilization"`
	MaxProbability float64 `json:"maxProbability"`
	// LockInPenalty is charged per year of term as a fraction of the new
	// obligation: flexibility given up has a price (default 0.02).
	LockInPenalty float64 `json:"lockInPenalty"`
	// Paths is the number of forecast sample paths evaluated (default 100).
	Paths int `json:"paths"`
}

// DefaultRisk is P(utilization < 99%) ≤ 5%, a 2%-a-year lock-in penalty.
// The product's target is utilization ≥ 97%: on the bundled backtest
// scenarios the bound 0.99 averages 97.1%, 0.97 averages 95.4% and 0.95
// 94.8% (make bench-commitments, --min-utilization).
var DefaultRisk = Risk{MinUtilization: 0.99, MaxProbability: 0.05, LockInPenalty: 0.02, Paths: 100}

func (r Risk) withDefaults() Risk {
	if r.MinUtilization == 0 {
		r.MinUtilization = DefaultRisk.MinUtilization
	}
	if r.MaxProbability == 0 {
		r.MaxProbability = DefaultRisk.MaxProbability
	}
	if r.Paths <= 0 {
		r.Paths = DefaultRisk.Paths
	}
	return r
}

// shape is the distribution of hourly usage relative to its day's mean,
// from recent history: usage in an hour of a day whose mean is D is D·r for
// r drawn from it. It turns daily forecast paths into hourly coverage.
type shape struct {
	r   []float64 // sorted ratios
	pre []float64 // pre[i] = r[0] + … + r[i-1]
}

// newShape builds the shape from hourly values (the last 28 days of them).
func newShape(hourly []float64) shape {
	from := max(0, len(hourly)-28*24)
	from -= from % 24
	var r []float64
	for d := from; d+24 <= len(hourly); d += 24 {
		var m float64
		for _, v := range hourly[d : d+24] {
			m += v
		}
		m /= 24
		if m <= 0 {
			continue
		}
		for _, v := range hourly[d : d+24] {
			r = append(r, v/m)
		}
	}
	if len(r) == 0 {
		r = []float64{1}
	}
	slices.Sort(r)
	pre := make([]float64, len(r)+1)
	for i, v := range r {
		pre[i+1] = pre[i] + v
	}
	return shape{r: r, pre: pre}
}

// covered returns the mean of min(r, y): the share of a day's mean usage
// that a capacity of y day-means covers, per hour.
func (s shape) covered(y float64) float64 {
	if y <= 0 {
		return 0
	}
	i := sort.SearchFloat64s(s.r, y)
	return (s.pre[i] + float64(len(s.r)-i)*y) / float64(len(s.r))
}

// above returns the share of hours whose usage exceeds y day-means.
func (s shape) above(y float64) float64 {
	i := sort.SearchFloat64s(s.r, y)
	for i < len(s.r) && s.r[i] <= y {
		i++
	}
	return float64(len(s.r)-i) / float64(len(s.r))
}

// problem is one pool's decision: the level of on-demand-equivalent
// capacity to hold over the next term, given daily usage paths over the
// term, the hourly shape, and the pool's commitment cost per on-demand
// dollar. The level is held by renewing tranches as they expire, so
// commitments already in force count toward it rather than against it.
type problem struct {
	paths  [][]float64 // [path][day] mean hourly on-demand usage
	stress [][]float64 // paths that must each keep utilization ≥ MinUtilization
	shape  shape
	keep   float64
	years  float64
	risk   Risk
}

// Evaluation is what holding a capacity would do over the term, across the
// forecast paths. Money is per term, in currency units (estimates: float64);
// a PoolPlan writes it as JSON with that money to the cent, in its currency
// (evaluationJSON).
type Evaluation struct {
	Capacity        float64 // on-demand-equivalent capacity per hour
	ExpectedSavings float64 // mean net savings over the term
	P10             float64 // 10th percentile of those savings
	P90             float64 // 90th percentile
	Worst           float64 // the worst path's savings
	Best            float64 // the best path's savings
	Utilization     float64 // mean utilization of the pool's commitments over the term
	PLowUtilization float64 // P(utilization < MinUtilization)
	BreakEven       float64
}

// evaluate returns the evaluation of holding capacity x.
func (p *problem) evaluate(x float64) Evaluation {
	savings := make([]float64, len(p.paths))
	var low int
	var utilSum float64
	for k, path := range p.paths {
		var cov float64
		for _, d := range path {
			if d > 0 {
				cov += d * p.shape.covered(x/d)
			}
		}
		capSum := x * float64(len(path))
		savings[k] = 24 * (cov - p.keep*capSum)
		u := 1.0
		if capSum > 0 {
			u = cov / capSum
		}
		utilSum += u
		if u < p.risk.MinUtilization {
			low++
		}
	}
	ev := Evaluation{Capacity: x, Utilization: utilSum / float64(len(p.paths)),
		PLowUtilization: float64(low) / float64(len(p.paths)), BreakEven: p.keep}
	ev.ExpectedSavings = mean(savings)
	slices.Sort(savings)
	ev.P10, ev.P90, ev.Worst, ev.Best = pct(savings, 0.1), pct(savings, 0.9), savings[0], savings[len(savings)-1]
	return ev
}

// slope returns the derivative of expected net savings (minus the lock-in
// penalty) at capacity x, per hour of capacity per hour.
func (p *problem) slope(x float64) float64 {
	var s float64
	var n int
	for _, path := range p.paths {
		for _, d := range path {
			if d > 0 {
				s += p.shape.above(x / d)
			}
		}
		n += len(path)
	}
	s /= float64(n)
	return s - p.keep*(1+p.risk.LockInPenalty*p.years)
}

// riskOK reports whether capacity x keeps P(low utilization) within the bound.
func (p *problem) riskOK(x float64) bool {
	for _, path := range p.stress {
		if x > 0 && p.utilization(path, x) < p.risk.MinUtilization {
			return false
		}
	}
	low := 0
	limit := int(math.Floor(p.risk.MaxProbability * float64(len(p.paths))))
	for _, path := range p.paths {
		var cov float64
		for _, d := range path {
			if d > 0 {
				cov += d * p.shape.covered(x/d)
			}
		}
		if capSum := x * float64(len(path)); capSum > 0 && cov/capSum < p.risk.MinUtilization {
			low++
			if low > limit {
				return false
			}
		}
	}
	return true
}

// utilization returns the utilization of capacity x on path.
func (p *problem) utilization(path []float64, x float64) float64 {
	var cov float64
	for _, d := range path {
		if d > 0 {
			cov += d * p.shape.covered(x/d)
		}
	}
	return cov / (x * float64(len(path)))
}

// Choice is the optimizer's answer for a pool and why.
type Choice struct {
	Capacity    float64    `json:"capacityOD"`      // on-demand-equivalent capacity to hold per hour
	Optimum     float64    `json:"unconstrainedOD"` // where expected savings peak (with the lock-in penalty)
	RiskLimit   float64    `json:"riskLimitOD"`     // the most the risk bound allows
	Binding     string     `json:"binding"`         // "savings", "risk" or "none"
	Evaluation  Evaluation `json:"evaluation"`      // of Capacity
	AtOptimum   Evaluation `json:"atOptimum"`       // of Optimum, for the explanation
	MeanUsageOD float64    `json:"meanUsageOD"`     // mean forecast usage over the term
	Existing    float64    `json:"existingOD"`      // capacity in force at the start of the term
	Model       string     `json:"forecastModel"`   // the forecast behind the paths
}

// solve finds the capacity that maximizes expected net savings less the
// lock-in penalty, subject to the risk bound.
func (p *problem) solve() Choice {
	var top float64
	for _, path := range p.paths {
		for _, d := range path {
			top = max(top, d*p.shape.r[len(p.shape.r)-1])
		}
	}
	c := Choice{}
	var m float64
	for _, path := range p.paths {
		m += mean(path)
	}
	c.MeanUsageOD = m / float64(len(p.paths))
	if top <= 0 {
		c.Binding = "none"
		return c
	}
	// Expected savings are concave in x: bisect on the slope.
	lo, hi := 0.0, top
	if p.slope(0) <= 0 {
		hi = 0
	}
	for i := 0; i < 40 && hi-lo > top*1e-3; i++ {
		mid := (lo + hi) / 2
		if p.slope(mid) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	c.Optimum = lo
	// Utilization falls as x grows: bisect on the risk bound.
	rlo, rhi := 0.0, c.Optimum
	if p.riskOK(rhi) {
		rlo = rhi
	} else {
		for i := 0; i < 40 && rhi-rlo > top*1e-3; i++ {
			mid := (rlo + rhi) / 2
			if p.riskOK(mid) {
				rlo = mid
			} else {
				rhi = mid
			}
		}
	}
	c.RiskLimit = rlo
	c.Capacity = min(c.Optimum, c.RiskLimit)
	switch {
	case c.Capacity <= 0 && c.Optimum <= 0:
		c.Binding = "none"
	case c.Capacity < c.Optimum:
		c.Binding = "risk"
	default:
		c.Binding = "savings"
	}
	c.Evaluation = p.evaluate(c.Capacity)
	c.AtOptimum = p.evaluate(c.Optimum)
	return c
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// pct returns the p-quantile of sorted x (linear interpolation).
func pct(x []float64, p float64) float64 {
	if len(x) == 0 {
		return 0
	}
	f := p * float64(len(x)-1)
	i := int(f)
	if i >= len(x)-1 {
		return x[len(x)-1]
	}
	return x[i] + (f-float64(i))*(x[i+1]-x[i])
}
