package cicheck

import (
	"math"
	"strconv"
	"strings"

	"github.com/tallyhq/tally"
)

// Gate is when a change fails the check: its cost grows by more than
// MaxIncrease (relative) or MaxAnnualIncrease (money a year), significantly
// and surely. Significantly: the Mann-Whitney U test, at Stats.Alpha, finds
// the head's values above the base's even after the allowance is taken away
// from them. Surely: the change's confidence interval (Change.RelLo, or
// Change.Lo against an allowance in CPU) lies wholly above the allowance. The
// report shows the interval beside the verdict, so a failing change never
// shows one that reaches down to the gate or below zero; a change the test
// finds over the gate while its interval reaches below it warns (more runs
// would tell). The threshold, not zero, is the interval's bar because the
// verdict says the change is over the gate, not merely over nothing. With
// neither threshold, any significant growth whose interval is above zero
// fails.
type Gate struct {
	// MaxIncrease is the largest acceptable relative growth of CPU per unit of
	// work (0.02 for 2 %); negative disables it.
	MaxIncrease float64 `json:"maxIncrease"`
	// MaxAnnualIncrease is the largest acceptable growth in money a year;
	// nil disables it. It needs a Pricing. For benchmarks it bounds each
	// benchmark and also the total their slowdowns add (addedCostTest).
	MaxAnnualIncrease *tally.Money `json:"maxAnnualIncrease,omitempty"`
}

// DefaultGate fails a significant growth of more than 2 %.
var DefaultGate = Gate{MaxIncrease: 0.02}

// ParseThreshold parses a relative threshold: "2%", "2.5 %", "0.02". A
// number without "%" is a fraction below 1: "2" is refused, since it reads
// as 2% but would be 200%.
func ParseThreshold(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, tally.Errorf(tally.EInvalid, "threshold %q: want a percentage such as 2%% or a fraction such as 0.02", s)
	}
	if v < 0 {
		return 0, tally.Errorf(tally.EInvalid, "threshold %q: must not be negative", s)
	}
	if !pct && v >= 1 {
		// "2" meant as 2% would be a 200% gate that passes nearly everything.
		return 0, tally.Errorf(tally.EInvalid, "threshold %q: a number without %% is a fraction (%s is %s%%): write %s%% for %s percent, or %s%% if you mean it",
			s, t, strconv.FormatFloat(v*100, 'g', -1, 64), t, t, strconv.FormatFloat(v*100, 'g', -1, 64))
	}
	if pct {
		v /= 100
	}
	return v, nil
}

// Verdict is the outcome of a check.
type Verdict string

// Verdicts, from best to worst. Only Fail and Insufficient change the exit code.
const (
	// Pass: no significant growth over the gate (an improvement passes too).
	Pass Verdict = "pass"
	// Warn: a significant growth within the gate, or a growth over the gate
	// that is not significant or whose confidence interval reaches below
	// the gate (more runs would tell).
	Warn Verdict = "warn"
	// Fail: a significant growth over the gate whose confidence interval
	// lies wholly above the gate.
	Fail Verdict = "fail"
	// Insufficient: no verdict: too few runs (the report says how many
	// are needed), or nothing to compare (no benchmark ran on both sides).
	Insufficient Verdict = "insufficient"
)

// ExitCode is the process exit status for v: 0 pass or warn, 1 fail,
// 2 no verdict (the input is not enough to decide).
func (v Verdict) ExitCode() int {
	switch v {
	case Fail:
		return 1
	case Insufficient:
		return 2
	}
	return 0
}

// bars are the gate's thresholds as shifts of the head's values: a change
// is over a bar when head/(1+rel) (or head − abs) is still significantly
// above the base.
type bars struct {
	rel []float64 // relative growth, e.g. 0.02
	abs []float64 // growth in the values' own unit
}

// bars converts the gate for values whose base median is baseMedian, priced
// by p in unit (p may be nil). Money a year becomes a relative bar in the
// relative pricing mode and an absolute one in the absolute mode.
func (g Gate) bars(p *Pricing, unit string) bars {
	var b bars
	if g.MaxIncrease >= 0 {
		b.rel = append(b.rel, g.MaxIncrease)
	}
	if g.MaxAnnualIncrease != nil && p != nil {
		price := p.PricePerCoreHour.Float64()
		max := g.MaxAnnualIncrease.Float64()
		switch p.Mode(unit) {
		case "relative":
			if price > 0 {
				b.rel = append(b.rel, max/(p.CoreHoursPerYear*price))
			}
		case "absolute":
			if price > 0 {
				b.abs = append(b.abs, max/(p.UnitsPerYear*price/nanosPerHour))
			}
		}
	}
	return b
}

// judge gives the verdict on one change between base and head values: Fail
// when, for one of the gate's bars, the head is significantly above the base
// even after taking away the bar's allowance (so a change at the gate fails
// at most α/2 of the time) and c's confidence interval lies wholly above the
// bar, so that the report never shows a failing change with an interval
// that reaches the gate; Warn on a significant growth within the gate or an
// apparent growth over it that is not significant or not sure, Pass
// otherwise. It returns the p-value of the test against the gate (1 when
// there is none).
func (g Gate) judge(s Stats, base, head []float64, c Change, b bars) (Verdict, float64) {
	if c.Delta <= 0 {
		return Pass, 1
	}
	if g.MaxIncrease < 0 && g.MaxAnnualIncrease == nil {
		// An open gate: any significant growth above zero fails; one whose
		// interval reaches zero (at a confidence other than 1 − α) warns.
		switch {
		case c.Significant && c.Lo > 0:
			return Fail, c.P
		case c.Significant:
			return Warn, c.P
		}
		return Pass, c.P
	}
	gateP, looksOver, over := 1.0, c.New, false
	shifted := make([]float64, len(head))
	test := func(f func(float64) float64, sure bool) {
		for i, v := range head {
			shifted[i] = f(v)
		}
		sc := s.compare(base, shifted)
		if sc.Delta > 0 && sc.P < gateP {
			gateP = sc.P
		}
		if sc.Delta > 0 && sc.P < s.Alpha && sure {
			over = true
		}
	}
	for _, r := range b.rel {
		test(func(v float64) float64 { return v / (1 + r) }, c.relAbove(r))
		if c.Rel > r {
			looksOver = true
		}
	}
	for _, a := range b.abs {
		test(func(v float64) float64 { return v - a }, c.Lo > a)
		if c.Delta > a {
			looksOver = true
		}
	}
	switch {
	case over:
		return Fail, gateP
	case c.Significant || looksOver || gateP < s.Alpha:
		return Warn, gateP
	}
	return Pass, gateP
}

// relAbove reports whether c's interval of the relative change lies wholly
// above r. From nothing (New) any growth is above every relative bar.
func (c Change) relAbove(r float64) bool {
	if c.New {
		return c.Lo > 0
	}
	return c.RelLo > r
}

// String describes the gate for the report.
func (g Gate) String() string {
	var parts []string
	if g.MaxIncrease >= 0 {
		parts = append(parts, "more than "+strconv.FormatFloat(g.MaxIncrease*100, 'g', 4, 64)+"%")
	}
	if g.MaxAnnualIncrease != nil {
		parts = append(parts, "more than "+formatMoney(*g.MaxAnnualIncrease, autoPlaces(*g.MaxAnnualIncrease))+"/yr")
	}
	if len(parts) == 0 {
		return "fails on any significant growth"
	}
	return "fails on a significant growth of " + strings.Join(parts, " or ")
}
