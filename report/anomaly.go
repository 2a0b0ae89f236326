package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
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

// madScale makes a MAD estimate the standard deviation of normal errors.
const madScale = 1.4826

// Describe states the rule as the report's anomaly section heads it, its
// smallest change in cur: "Days whose cost left the robust band of the
// same weekday in the four weeks before: median ± 3.5 × max(1.4826 × MAD,
// 5% of the median), and at least ±$1.00; …".
func (r AnomalyRule) Describe(cur tally.Currency) string {
	least, err := tally.FromFloat(r.MinDelta, cur)
	if err != nil {
		least = tally.Zero(cur)
	}
	return fmt.Sprintf("Days whose cost left the robust band of the same weekday in the four weeks before: "+
		"median ± %s × max(%s × MAD, %s%% of the median), and at least ±%s; charges for whole months (tax, support) left out.",
		strconv.FormatFloat(r.K, 'f', -1, 64), strconv.FormatFloat(madScale, 'f', -1, 64),
		strconv.FormatFloat(r.Floor*100, 'f', -1, 64), FormatMoney(least.Round(2)))
}

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
	mad := madScale * median(errs)
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

// anomalies judges each day of the report week against the same weekday
// of the four weeks before it (see AnomalyRule), for the total, every
// namespace and every workload. The unbilled days, which the bill has not
// reached, are not judged: their cost is not known yet, not zero. It
// returns them with the rule they are judged by: b.Rule with a smallest
// change of at least 1% of the mean daily spend.
func (b *Builder) anomalies(ns, wl *series, ln linker, wk Week, unbilled []time.Time) ([]Anomaly, AnomalyRule) {
	rule := b.Rule
	var out []Anomaly
	check := func(scope, name, field string, src *series, group string, s []tally.Money) {
		s = src.daily(group, s)
		n := len(s)
		if n < 35 {
			return
		}
		base := make([]float64, 28)
		for i := range base {
			base[i] = s[n-35+i].Float64()
		}
		profile, ok := rule.Baseline(base)
		if !ok {
			return
		}
		cur := ns.currency
		money := func(v float64) tally.Money { m, _ := tally.FromFloat(v, cur); return m.Round(2) }
		// Consecutive days out of the band on the same side are one anomaly.
		var run []int
		var zmax float64
		flush := func() {
			if len(run) == 0 {
				return
			}
			d := wk.Start.Add(time.Duration(run[0]-(n-7)) * day)
			sum := tally.Zero(cur)
			var expected, lo, hi float64 // a day's, averaged over the run
			for _, i := range run {
				sum, _ = sum.Add(s[i])
				band := profile.Band(i - (n - 35))
				k := float64(len(run))
				expected, lo, hi = expected+band.Median/k, lo+math.Max(band.Lo, 0)/k, hi+band.Hi/k
			}
			avg, _ := sum.MulRatio(1, uint64(len(run)))
			clause := ""
			if field != "" && !strings.HasPrefix(name, "__") {
				clause = field + ":" + quote(name)
			}
			agg := field
			if agg == "" {
				agg = "namespace"
			}
			out = append(out, Anomaly{Scope: scope, Name: name, Day: d, Days: len(run), Cost: avg.Round(2), Expected: money(expected),
				Lo: money(lo), Hi: money(hi), Z: zmax,
				Link: ln.allocations(tally.Window{Start: d.Add(-4 * week), End: d.AddDate(0, 0, len(run))}, agg, clause)})
			run, zmax = nil, 0
		}
		for i := n - 7; i < n; i++ {
			if slices.Contains(unbilled, wk.Start.Add(time.Duration(i-(n-7))*day)) {
				flush()
				continue
			}
			bad, z := rule.Anomalous(profile.Band(i-(n-35)), s[i].Float64())
			if !bad || (len(run) > 0 && (z > 0) != (zmax > 0)) {
				flush()
			}
			if bad {
				run = append(run, i)
				if math.Abs(z) > math.Abs(zmax) {
					zmax = z
				}
			}
		}
		flush()
	}
	// The mean daily spend sets the smallest change worth a line.
	var mean float64
	for _, v := range ns.total[len(ns.total)-35 : len(ns.total)-7] {
		mean += v.Float64() / 28
	}
	rule.MinDelta = math.Max(rule.MinDelta, 0.01*mean)
	check("total", "total", "", ns, "", ns.total)
	for _, src := range []struct {
		s            *series
		scope, field string
	}{{ns, "namespace", "namespace"}, {wl, "workload", "controller"}} {
		names := make([]string, 0, len(src.s.groups))
		for name := range src.s.groups {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if _, special := ns.groups[name]; special && src.scope == "workload" && strings.HasPrefix(name, "__") {
				continue // __idle__, __shared__, __unallocated__: no workloads, the same series as the namespace's
			}
			check(src.scope, name, src.field, src.s, name, src.s.groups[name])
		}
	}
	out = explained(out)
	// The most surprising first.
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].Z) > math.Abs(out[j].Z) })
	if len(out) > b.Top+1 {
		out = out[:b.Top+1]
	}
	return out, rule
}

// explained drops a namespace's (or the total's) anomaly when one of its
// workloads (namespaces) has an anomaly on the same days that accounts for
// at least 80% of it: the more specific line says it all.
func explained(as []Anomaly) []Anomaly {
	var out []Anomaly
	for i, a := range as {
		covered := false
		for j, b := range as {
			if i == j || b.Day != a.Day || b.Days != a.Days {
				continue
			}
			inside := (a.Scope == "namespace" && b.Scope == "workload" && strings.HasPrefix(b.Name, a.Name+"/")) ||
				(a.Scope == "total" && b.Scope == "namespace")
			if inside && math.Abs(b.excess()) >= 0.8*math.Abs(a.excess()) && (b.excess() > 0) == (a.excess() > 0) {
				covered = true
			}
		}
		if !covered {
			out = append(out, a)
		}
	}
	return out
}
