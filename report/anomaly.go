package report

import (
	"math"
	"sort"
)

// AnomalyRule flags a day whose cost leaves a robust band around the
// baseline: with m the median of the baseline days and MAD their median
// absolute deviation, the scale is
//
//	σ = max(1.4826·MAD, Floor·|m|)
//
// (1.4826·MAD estimates the standard deviation of normal data and, unlike
// it, ignores the outliers it is looking for; the floor keeps a perfectly
// flat series from flagging cent-sized wobbles), and a day x is anomalous
// when
//
//	|x − m| ≥ K·σ  and  |x − m| ≥ MinDelta.
//
// K = 3.5 is Iglewicz and Hoaglin's cut-off for the modified z-score.
// Series with fewer than MinDays baseline days with cost are not judged:
// a new workload is a mover, not an anomaly.
type AnomalyRule struct {
	K        float64
	Floor    float64
	MinDelta float64 // in currency units
	MinDays  int
}

// DefaultAnomalyRule is K 3.5, a 5% floor, $1 and 14 days.
var DefaultAnomalyRule = AnomalyRule{K: 3.5, Floor: 0.05, MinDelta: 1, MinDays: 14}

// Band is a baseline's robust center and the band days must stay in.
type Band struct {
	Median, Scale, Lo, Hi float64
}

// Baseline computes the band of baseline values, and false when there are
// too few days with cost to judge.
func (r AnomalyRule) Baseline(values []float64) (Band, bool) {
	n := 0
	for _, v := range values {
		if v != 0 {
			n++
		}
	}
	if n < r.MinDays || len(values) == 0 {
		return Band{}, false
	}
	m := median(values)
	dev := make([]float64, len(values))
	for i, v := range values {
		dev[i] = math.Abs(v - m)
	}
	scale := math.Max(1.4826*median(dev), r.Floor*math.Abs(m))
	half := math.Max(r.K*scale, r.MinDelta)
	return Band{Median: m, Scale: scale, Lo: m - half, Hi: m + half}, true
}

// Anomalous reports whether x is outside the band, and its robust z-score
// (x − median)/scale.
func (r AnomalyRule) Anomalous(b Band, x float64) (bool, float64) {
	d := x - b.Median
	z := math.Inf(1)
	if b.Scale > 0 {
		z = d / b.Scale
	} else if d < 0 {
		z = math.Inf(-1)
	}
	return math.Abs(d) >= r.K*b.Scale && math.Abs(d) >= r.MinDelta && d != 0, z
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
