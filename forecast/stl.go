package forecast

import (
	"math"
	"slices"
)

// STL is the seasonal–trend decomposition by loess of Cleveland, Cleveland,
// McRae & Terpenning (1990): y = Trend + Seasonal + Remainder.
type STL struct {
	Trend, Seasonal, Remainder []float64
	Weights                    []float64 // robustness weights of the last pass (nil unless robust)
}

// stlConfig holds STL's smoothing parameters.
type stlConfig struct {
	period       int
	seasonWindow int // ns: odd, ≥ 7
	trendWindow  int // nt: 0 for the default
	lowWindow    int // nl: 0 for the default
	inner, outer int // passes; outer > 0 makes the fit robust to outliers
}

func nextOdd(x int) int {
	if x%2 == 0 {
		return x + 1
	}
	return x
}

// stl decomposes y with period p.
func stl(y []float64, cfg stlConfig) STL {
	n, p := len(y), cfg.period
	ns := nextOdd(max(cfg.seasonWindow, 7))
	nt := cfg.trendWindow
	if nt == 0 {
		nt = nextOdd(int(math.Ceil(1.5 * float64(p) / (1 - 1.5/float64(ns)))))
	}
	nl := cfg.lowWindow
	if nl == 0 {
		nl = nextOdd(p)
	}
	inner := max(cfg.inner, 1)
	trend := make([]float64, n)
	season := make([]float64, n)
	var rw []float64
	detr := make([]float64, n)
	c := make([]float64, n+2*p)
	sub := make([]float64, 0, n/p+1)
	subw := make([]float64, 0, n/p+1)
	des := make([]float64, n)
	for o := 0; o <= cfg.outer; o++ {
		for range inner {
			for t := range y {
				detr[t] = y[t] - trend[t]
			}
			// Cycle-subseries smoothing, extended one period at each end.
			for j := 0; j < p; j++ {
				sub, subw = sub[:0], subw[:0]
				for t := j; t < n; t += p {
					sub = append(sub, detr[t])
					if rw != nil {
						subw = append(subw, rw[t])
					}
				}
				k := len(sub)
				var w []float64
				if rw != nil {
					w = subw
				}
				for idx := -1; idx <= k; idx++ {
					v, ok := loessAt(sub, w, ns, 0, float64(idx))
					if !ok {
						if idx < 0 {
							v = sub[0]
						} else {
							v = sub[min(idx, k-1)]
						}
					}
					c[j+idx*p+p] = v
				}
			}
			// Low-pass filter of the cycle-subseries.
			l := movingAverage(movingAverage(movingAverage(c, p), p), 3)
			l = loessSmooth(l, nil, nl, 1)
			for t := 0; t < n; t++ {
				season[t] = c[t+p] - l[t]
				des[t] = y[t] - season[t]
			}
			trend = loessSmooth(des, rw, nt, 1)
		}
		if o < cfg.outer {
			rw = robustnessWeights(y, trend, season, rw)
		}
	}
	rem := make([]float64, n)
	for t := range y {
		rem[t] = y[t] - trend[t] - season[t]
	}
	return STL{Trend: trend, Seasonal: season, Remainder: rem, Weights: rw}
}

// robustnessWeights are the bisquare weights of the remainders |R|/(6·median|R|).
func robustnessWeights(y, trend, season, into []float64) []float64 {
	n := len(y)
	abs := make([]float64, n)
	for t := range y {
		abs[t] = math.Abs(y[t] - trend[t] - season[t])
	}
	sorted := slices.Clone(abs)
	slices.Sort(sorted)
	h := 6 * median(sorted)
	if into == nil {
		into = make([]float64, n)
	}
	for t, r := range abs {
		switch {
		case h == 0:
			into[t] = 1
		case r <= 0.001*h:
			into[t] = 1
		case r <= 0.999*h:
			u := r / h
			into[t] = (1 - u*u) * (1 - u*u)
		default:
			into[t] = 0
		}
	}
	return into
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// movingAverage returns the len(x)−k+1 averages of k consecutive values.
func movingAverage(x []float64, k int) []float64 {
	if k <= 1 || len(x) < k {
		return slices.Clone(x)
	}
	out := make([]float64, len(x)-k+1)
	var s float64
	for i := 0; i < k; i++ {
		s += x[i]
	}
	out[0] = s / float64(k)
	for i := k; i < len(x); i++ {
		s += x[i] - x[i-k]
		out[i-k+1] = s / float64(k)
	}
	return out
}

// loessSmooth evaluates loess with window q at every position of y, exactly
// at every jump-th position (jump = ⌈q/10⌉, as STL does) and by linear
// interpolation in between.
func loessSmooth(y, w []float64, q, degree int) []float64 {
	n := len(y)
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	jump := max(1, (q+9)/10)
	last := -1
	for i := 0; i < n; i += jump {
		v, ok := loessAt(y, w, q, degree, float64(i))
		if !ok {
			v = y[i]
		}
		out[i] = v
		last = i
	}
	if last != n-1 {
		v, ok := loessAt(y, w, q, degree, float64(n-1))
		if !ok {
			v = y[n-1]
		}
		out[n-1] = v
	}
	if jump > 1 {
		for i := 0; i < n-1; i += jump {
			j := min(i+jump, n-1)
			for k := i + 1; k < j; k++ {
				f := float64(k-i) / float64(j-i)
				out[k] = out[i] + f*(out[j]-out[i])
			}
		}
	}
	return out
}

// loessAt fits a locally weighted polynomial of degree 0 or 1 to (i, y[i])
// with tricube weights over the q nearest positions (times the robustness
// weights w, when set) and evaluates it at x, which may lie outside the
// data. ok is false when every weight is zero.
func loessAt(y, w []float64, q, degree int, x float64) (float64, bool) {
	n := len(y)
	if n == 0 {
		return 0, false
	}
	var lo, hi int
	var h float64
	if q >= n {
		lo, hi = 0, n-1
		h = math.Max(x-0, float64(n-1)-x) + float64(q-n)/2
	} else {
		lo = int(math.Round(x)) - (q-1)/2
		lo = max(0, min(lo, n-q))
		hi = lo + q - 1
		h = math.Max(x-float64(lo), float64(hi)-x)
	}
	if h <= 0 {
		h = 1
	}
	h9, h1 := 0.999*h, 0.001*h
	var sw float64
	// Weights are recomputed in the two passes to avoid allocating.
	weight := func(i int) float64 {
		r := math.Abs(float64(i) - x)
		var wi float64
		switch {
		case r <= h1:
			wi = 1
		case r <= h9:
			u := r / h
			u = 1 - u*u*u
			wi = u * u * u
		default:
			return 0
		}
		if w != nil {
			wi *= w[i]
		}
		return wi
	}
	var sx float64
	for i := lo; i <= hi; i++ {
		wi := weight(i)
		sw += wi
		sx += wi * float64(i)
	}
	if sw <= 0 {
		return 0, false
	}
	a := sx / sw
	var c float64
	if degree > 0 {
		for i := lo; i <= hi; i++ {
			d := float64(i) - a
			c += weight(i) / sw * d * d
		}
	}
	rng := float64(n - 1)
	slope := degree > 0 && math.Sqrt(c) > 0.001*rng
	var out float64
	for i := lo; i <= hi; i++ {
		wi := weight(i) / sw
		if wi == 0 {
			continue
		}
		if slope {
			wi *= 1 + (x-a)*(float64(i)-a)/c
		}
		out += wi * y[i]
	}
	return out, true
}
