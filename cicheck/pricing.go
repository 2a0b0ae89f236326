package cicheck

import (
	"fmt"
	"math"

	"github.com/tallyhq/tally"
)

// Pricing converts a change in CPU into money per year.
//
// There are two ways, chosen by what is known:
//
//   - Absolute: the units of work a year (UnitsPerYear, or CallsPerYear for
//     a benchmark) times the change in CPU per unit of work, in core-hours,
//     times the price of a core-hour. It needs the runs to measure CPU time.
//   - Relative: the relative change of CPU per unit of work times the
//     workload's real CPU a year (CoreHoursPerYear, from the Tally backend's
//     attribution or a flag) times the price of a core-hour. It assumes the
//     profiled runs exercise the code in the proportions production does.
//
// Absolute wins when both are possible.
type Pricing struct {
	// PricePerCoreHour is the amortized price of one core-hour.
	PricePerCoreHour tally.Money `json:"pricePerCoreHour"`
	// CoreHoursPerYear is the workload's CPU a year; zero when unknown.
	CoreHoursPerYear float64 `json:"coreHoursPerYear,omitempty"`
	// UnitsPerYear is how many units of work the workload does a year
	// (requests, calls of a benchmarked operation); zero when unknown.
	UnitsPerYear float64 `json:"unitsPerYear,omitempty"`
	// Source says where the price and volume came from, for the report.
	Source string `json:"source,omitempty"`
}

// Validate reports a Pricing that cannot convert anything.
func (p Pricing) Validate() error {
	if p.PricePerCoreHour.Sign() < 0 {
		return tally.Errorf(tally.EInvalid, "price per core-hour %s: must not be negative", p.PricePerCoreHour)
	}
	if p.PricePerCoreHour.Currency() == "" {
		return tally.Errorf(tally.EInvalid, "price per core-hour %s: needs a currency", p.PricePerCoreHour)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"core-hours per year", p.CoreHoursPerYear}, {"units of work per year", p.UnitsPerYear}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return tally.Errorf(tally.EInvalid, "%s %v: want a finite number ≥ 0", f.name, f.v)
		}
	}
	if p.CoreHoursPerYear == 0 && p.UnitsPerYear == 0 {
		return tally.Errorf(tally.EInvalid, "a price per core-hour alone gives no yearly amount: give the units of work per year or the workload's core-hours per year (or ask a Tally server)")
	}
	return nil
}

// Mode names how a Pricing converts a change, for a run set measured in unit.
// It returns "" when it cannot.
func (p *Pricing) Mode(unit string) string {
	switch {
	case p == nil:
		return ""
	case p.UnitsPerYear > 0 && unit == "nanoseconds":
		return "absolute"
	case p.CoreHoursPerYear > 0:
		return "relative"
	}
	return ""
}

// Annual is a yearly amount of money with its confidence interval.
type Annual struct {
	Amount tally.Money `json:"amount"`
	Lo     tally.Money `json:"lo"`
	Hi     tally.Money `json:"hi"`
	// Bounded is false when an end of the interval is unbounded (too few runs
	// or a base near zero); Lo and Hi are then zero.
	Bounded bool `json:"bounded"`
}

const nanosPerHour = 3600e9

// annual converts a change of delta (with interval lo..hi) per unit of work,
// measured in unit, to money a year; baseTotal is the base median of the
// whole run's value per unit, the denominator of the relative mode.
func (p *Pricing) annual(unit string, delta, lo, hi, baseTotal float64) (Annual, bool) {
	var factor float64 // money a year per unit of delta, in multiples of the price
	switch p.Mode(unit) {
	case "absolute":
		factor = p.UnitsPerYear / nanosPerHour
	case "relative":
		if !(baseTotal > 0) {
			return Annual{}, false
		}
		factor = p.CoreHoursPerYear / baseTotal
	default:
		return Annual{}, false
	}
	a := Annual{Amount: p.money(delta * factor)}
	if finite(lo) && finite(hi) {
		a.Lo, a.Hi, a.Bounded = p.money(lo*factor), p.money(hi*factor), true
	}
	return a, true
}

// money returns x × the price, rounded to the cent. The statistics are
// estimates in float64; the result is exact Money from there on.
func (p *Pricing) money(x float64) tally.Money {
	v := x * p.PricePerCoreHour.Float64()
	m, err := tally.FromFloat(v, p.PricePerCoreHour.Currency())
	if err != nil {
		return tally.Zero(p.PricePerCoreHour.Currency())
	}
	return m.Round(2)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// String describes the pricing for the report.
func (p *Pricing) String() string {
	if p == nil {
		return "no price given"
	}
	s := fmt.Sprintf("%s per core-hour", formatMoney(p.PricePerCoreHour, 4))
	if p.UnitsPerYear > 0 {
		s += fmt.Sprintf(", %s units of work a year", formatCount(p.UnitsPerYear))
	}
	if p.CoreHoursPerYear > 0 {
		s += fmt.Sprintf(", %s core-hours a year", formatCount(p.CoreHoursPerYear))
	}
	if p.Source != "" {
		s += " (" + p.Source + ")"
	}
	return s
}
