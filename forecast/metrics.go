package forecast

import (
	"math"
)

// The accuracy measures below follow the M4 competition's definitions
// (Makridakis, Spiliotis & Assimakopoulos 2020, and the organizers'
// benchmark code). Missing values (NaN) in the actuals are skipped.

// meanObserved averages term(i) over the steps whose actual y[i] is
// observed; it is NaN when none is.
func meanObserved(y []float64, term func(i int) float64) float64 {
	var sum float64
	n := 0
	for i := range y {
		if math.IsNaN(y[i]) {
			continue
		}
		sum += term(i)
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// SMAPE returns the symmetric mean absolute percentage error of forecast f
// against actual y, in percent: mean(200·|y − f| / (|y| + |f|)). A point
// where both are zero is a perfect forecast and contributes 0.
func SMAPE(y, f []float64) float64 {
	return meanObserved(y, func(i int) float64 {
		d := math.Abs(y[i]) + math.Abs(f[i])
		if d == 0 {
			return 0
		}
		return 200 * math.Abs(y[i]-f[i]) / d
	})
}

// MASEScale returns the in-sample mean absolute error of the seasonal naive
// forecast with lag m: mean_{t=m+1..n} |y_t − y_{t−m}|. As in the M4 code, a
// series not longer than m is scaled with lag 1. Pairs with a missing value
// are skipped. It is NaN when no pair remains.
func MASEScale(insample []float64, m int) float64 {
	if m < 1 || len(insample) <= m {
		m = 1
	}
	var sum float64
	n := 0
	for t := m; t < len(insample); t++ {
		a, b := insample[t], insample[t-m]
		if math.IsNaN(a) || math.IsNaN(b) {
			continue
		}
		sum += math.Abs(a - b)
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// MASE returns the mean absolute scaled error of f against y, scaled by
// MASEScale(insample, m). It is NaN (undefined) when the scale is zero, as
// for a constant history.
func MASE(insample, y, f []float64, m int) float64 {
	scale := MASEScale(insample, m)
	if !(scale > 0) {
		return math.NaN()
	}
	return meanObserved(y, func(i int) float64 { return math.Abs(y[i] - f[i]) }) / scale
}

// MSIS returns the mean scaled interval score of the interval [lo, hi] at
// level 1 − alpha (alpha = 0.05 for 95% intervals), as M4 scores intervals:
// mean[(U − L) + (2/α)(L − y)·1{y < L} + (2/α)(y − U)·1{y > U}] divided by
// MASEScale(insample, m).
func MSIS(insample, y, lo, hi []float64, m int, alpha float64) float64 {
	scale := MASEScale(insample, m)
	if !(scale > 0) {
		return math.NaN()
	}
	return IntervalScore(y, lo, hi, alpha) / scale
}

// IntervalScore is the unscaled mean interval score of [lo, hi] at level 1 − alpha.
func IntervalScore(y, lo, hi []float64, alpha float64) float64 {
	return meanObserved(y, func(i int) float64 {
		s := hi[i] - lo[i]
		if y[i] < lo[i] {
			s += 2 / alpha * (lo[i] - y[i])
		}
		if y[i] > hi[i] {
			s += 2 / alpha * (y[i] - hi[i])
		}
		return s
	})
}

// Coverage returns the fraction of actuals inside [lo, hi] (bounds included).
func Coverage(y, lo, hi []float64) float64 {
	return meanObserved(y, func(i int) float64 {
		if y[i] >= lo[i] && y[i] <= hi[i] {
			return 1
		}
		return 0
	})
}

// OWA returns M4's overall weighted average of a method relative to Naive2:
// ½(sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2), where every argument is already
// averaged over all series and horizons.
func OWA(smape, mase, smapeNaive2, maseNaive2 float64) float64 {
	return (smape/smapeNaive2 + mase/maseNaive2) / 2
}
