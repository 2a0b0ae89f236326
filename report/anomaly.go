package report

import (
	"math"
	"sort"
)

// AnomalyRule flags a day whose cost leaves a robust band around what its
// weekday usually costs. Costs have a weekly rhythm (development clusters
// scaled down at weekends, batch jobs on Mondays), so a day is compared
// with the same weekday of the baseline weeks, not with all days pooled:
// pooled, a steady weekend dip has a MAD of zero and is flagged every week.
//
// With the baseline four weeks long, the expected cost of weekday j is
// m_j, the median of the baseline's four days j. The scale is that of the
// errors such a profile makes on a day it has not seen: each baseline day
// x is compared with the median of the other three same weekdays (leave
// one out), and with MAD the median of those absolute errors,
//
//	σ_j = max(1.4826·MAD, Floor·|m_j|)
//
// (1.4826·MAD estimates the standard deviation of normal errors and, unlike
// it, ignores the outliers it is looking for; leaving the day out keeps the
// fit from shrinking the errors, so on normal noise the rule flags about as
// many days as a pooled MAD does on a series without a weekly rhythm; the
// floor keeps a perfectly regular series from flagging cent-sized
// wobbles). A day x of weekday j is anomalous when
//
//	|x − m_j| ≥ K·σ_j  and  |x − m_j| ≥ MinDelta.
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

// Band is the robust center of one weekday and the band its days must stay in.
type Band struct {
	Median, Scale, Lo, Hi float64
}

// Baseline is the weekly profile of the baseline weeks.
type Baseline struct {
	bands [7]Band
}

// Band returns the band of the days at position i, counted from the first
// baseline day: days i and i+7 are the same weekday.
func (b Baseline) Band(i int) Band { return b.bands[((i%7)+7)%7] }

// Baseline computes the weekly profile of values, whole weeks of daily
// costs (values[i] and values[i+7] the same weekday), and false when there
// are too few days with cost to judge or fewer than two weeks.
func (r AnomalyRule) Baseline(values []float64) (Baseline, bool) {
	n := 0
	for _, v := range values {
		if v != 0 {
			n++
		}
	}
	weeks := len(values) / 7
	if n < r.MinDays || weeks < 2 || len(values)%7 != 0 {
		return Baseline{}, false
	}
	var b Baseline
	errs := make([]float64, 0, len(values))
	same := make([]float64, 0, weeks)
	for j := range 7 {
		same = same[:0]
		for w := range weeks {
			same = append(same, values[j+7*w])
		}
		b.bands[j].Median = median(same)
		for w := range weeks {
			others := make([]float64, 0, weeks-1)
			others = append(append(others, same[:w]...), same[w+1:]...)
			errs = append(errs, math.Abs(same[w]-median(others)))
		}
	}
	mad := 1.4826 * median(errs)
	for j := range b.bands {
		c := &b.bands[j]
		c.Scale = math.Max(mad, r.Floor*math.Abs(c.Median))
		half := math.Max(r.K*c.Scale, r.MinDelta)
		c.Lo, c.Hi = c.Median-half, c.Median+half
	}
	return b, true
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
