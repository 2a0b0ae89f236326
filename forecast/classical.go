package forecast

import (
	"math"
)

// acf returns the sample autocorrelations r_1..r_maxLag of y (index k holds
// r_k; index 0 is 1), as R's acf computes them: Σ(y_t − ȳ)(y_{t+k} − ȳ) /
// Σ(y_t − ȳ)².
func acf(y []float64, maxLag int) []float64 {
	n := len(y)
	r := make([]float64, maxLag+1)
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	var den float64
	for _, v := range y {
		den += (v - mean) * (v - mean)
	}
	r[0] = 1
	if den == 0 {
		return r
	}
	for k := 1; k <= maxLag && k < n; k++ {
		var num float64
		for t := 0; t+k < n; t++ {
			num += (y[t] - mean) * (y[t+k] - mean)
		}
		r[k] = num / den
	}
	return r
}

// SeasonalityTest is M4's 90% test for seasonality at lag m: the series is
// seasonal when |r_m| > 1.645·sqrt((1 + 2·Σ_{k<m} r_k²)/n). As in the M4
// benchmark code, a series shorter than three seasons (or m < 2) is not
// tested and counts as not seasonal.
func SeasonalityTest(y []float64, m int) bool {
	n := len(y)
	if m < 2 || n < 3*m {
		return false
	}
	r := acf(y, m)
	var s float64
	for k := 1; k < m; k++ {
		s += r[k] * r[k]
	}
	limit := 1.645 * math.Sqrt((1+2*s)/float64(n))
	return math.Abs(r[m]) > limit
}

// centredMA returns the centred moving average of order m that classical
// decomposition uses as its trend (a 2×m average for even m); positions
// without a full window are NaN.
func centredMA(y []float64, m int) []float64 {
	n := len(y)
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	half := m / 2
	for t := half; t+half < n; t++ {
		var s float64
		if m%2 == 1 {
			for j := t - half; j <= t+half; j++ {
				s += y[j]
			}
			out[t] = s / float64(m)
			continue
		}
		s = 0.5*y[t-half] + 0.5*y[t+half]
		for j := t - half + 1; j < t+half; j++ {
			s += y[j]
		}
		out[t] = s / float64(m)
	}
	return out
}

// classicalSeasonal returns the seasonal figure of classical decomposition
// (R's decompose): one index per phase t mod m, the mean of the detrended
// values at that phase, normalized to mean 1 (multiplicative) or 0
// (additive). Phase 0 is y's first observation.
func classicalSeasonal(y []float64, m int, multiplicative bool) []float64 {
	trend := centredMA(y, m)
	sum := make([]float64, m)
	cnt := make([]int, m)
	for t, tr := range trend {
		if math.IsNaN(tr) {
			continue
		}
		var d float64
		if multiplicative {
			if tr == 0 {
				continue
			}
			d = y[t] / tr
		} else {
			d = y[t] - tr
		}
		sum[t%m] += d
		cnt[t%m]++
	}
	fig := make([]float64, m)
	var mean float64
	for i := range fig {
		if cnt[i] > 0 {
			fig[i] = sum[i] / float64(cnt[i])
		} else if multiplicative {
			fig[i] = 1
		}
		mean += fig[i]
	}
	mean /= float64(m)
	for i := range fig {
		if multiplicative {
			if mean != 0 {
				fig[i] /= mean
			}
		} else {
			fig[i] -= mean
		}
	}
	return fig
}

// allPositive reports whether every value is > 0.
func allPositive(y []float64) bool {
	for _, v := range y {
		if !(v > 0) {
			return false
		}
	}
	return true
}
