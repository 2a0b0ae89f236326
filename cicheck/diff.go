package cicheck

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/tallyhq/tally"
)

// Config is how a comparison is judged and priced.
type Config struct {
	Stats Stats
	Gate  Gate
	// Pricing converts changes to money a year; nil reports CPU only.
	Pricing *Pricing
	// MinShare leaves out functions whose self value is below this share of
	// the run's total on both sides (they are noise and multiply the
	// comparisons); zero means 0.5 %.
	MinShare float64
	// Own reports whether a function, by where it is defined, is the
	// project's own code. With it, a culprit outside the project (a
	// standard library sort, a runtime allocation) is named with the
	// project's function its change was reached from (Report.Via).
	Own func(Source) bool
}

// DefaultConfig is DefaultStats and DefaultGate without a price.
var DefaultConfig = Config{Stats: DefaultStats, Gate: DefaultGate}

func (c Config) validate() error {
	if !(c.Stats.Alpha > 0 && c.Stats.Alpha < 1) {
		return tally.Errorf(tally.EInvalid, "alpha %v: want a number between 0 and 1", c.Stats.Alpha)
	}
	if !(c.Stats.Confidence > 0 && c.Stats.Confidence < 1) {
		return tally.Errorf(tally.EInvalid, "confidence %v: want a number between 0 and 1", c.Stats.Confidence)
	}
	if c.Pricing != nil {
		if err := c.Pricing.Validate(); err != nil {
			return err
		}
	}
	if c.Gate.MaxAnnualIncrease != nil {
		if c.Pricing == nil {
			return tally.Errorf(tally.EInvalid, "a maximum annual increase needs a price: give a price per core-hour or a Tally server")
		}
		if c.Gate.MaxAnnualIncrease.Currency() != c.Pricing.PricePerCoreHour.Currency() {
			return tally.Errorf(tally.EInvalid, "maximum annual increase in %s but the price is in %s", c.Gate.MaxAnnualIncrease.Currency(), c.Pricing.PricePerCoreHour.Currency())
		}
	}
	return nil
}

// DiffProfiles compares the runs of a change (head) with those of its base.
// Each run is one profile of the same workload, normalized per unit of work.
func DiffProfiles(base, head []*Run, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(base) == 0 || len(head) == 0 {
		return nil, tally.Errorf(tally.EInvalid, "need profiles on both sides: have %d base and %d head", len(base), len(head))
	}
	unit, st := base[0].Unit, base[0].SampleType
	for _, r := range append(slices.Clone(base), head...) {
		if r.SampleType != st {
			return nil, tally.Errorf(tally.EInvalid, "%s: sample type %s, but %s has %s: compare profiles of one kind (a directory mixing CPU and block profiles?)", r.Name, r.SampleType, base[0].Name, st)
		}
		if r.Unit != unit {
			return nil, tally.Errorf(tally.EInvalid, "%s: values in %s, but %s has %s: compare profiles of one kind", r.Name, r.Unit, base[0].Name, unit)
		}
	}
	if mode := cfg.Pricing.Mode(unit); cfg.Pricing != nil && mode == "" {
		return nil, tally.Errorf(tally.EInvalid, "profiles measure %s, not CPU time: units of work per year cannot price them; give the workload's core-hours per year (or a Tally server)", unit)
	}
	rep := &Report{
		Kind:     KindProfiles,
		BaseRuns: len(base),
		HeadRuns: len(head),
		Unit:     unit,
		Pricing:  cfg.Pricing,
		Gate:     cfg.Gate,
		Alpha:    cfg.Stats.Alpha,
		CI:       cfg.Stats.Confidence,
	}

	total := cfg.Stats.judged(values(base, nil), values(head, nil))
	rep.Total = &total
	baseTotal := total.Base.Median
	switch cfg.Pricing.Mode(unit) {
	case "relative":
		// Price the relative change itself: its interval accounts for the
		// base's uncertainty too.
		a, _ := cfg.Pricing.annual(unit, total.Rel, total.RelLo, total.RelHi, 1)
		rep.TotalAnnual = &a
	case "absolute":
		a, _ := cfg.Pricing.annual(unit, total.Delta, total.Lo, total.Hi, baseTotal)
		rep.TotalAnnual = &a
	}

	rep.Functions = functionChanges(base, head, cfg, unit, baseTotal, total.Delta)

	need := cfg.Stats.MinRuns()
	if len(base) < need || len(head) < need {
		rep.Verdict = Insufficient
		rep.NeedRuns = need
		rep.Headline = fmt.Sprintf("Too few runs for a verdict: have %d base and %d head profiles, need at least %d of each.", len(base), len(head), need)
		rep.Reason = fmt.Sprintf("With fewer than %d runs per side the Mann-Whitney U test cannot reach p < %v or the %s confidence interval of the change is unbounded. Collect %d or more runs per side%s and run the check again.", need, cfg.Stats.Alpha, pctLabel(cfg.Stats.Confidence), need, goodDefault(need))
		return rep, nil
	}
	rep.Verdict, rep.GateP = cfg.Gate.judge(cfg.Stats, values(base, nil), values(head, nil), total, cfg.Gate.bars(cfg.Pricing, unit))
	if total.Significant && total.Delta != 0 {
		for _, f := range rep.Functions {
			if f.Self.Significant && f.Self.Delta != 0 && math.Signbit(f.Self.Delta) == math.Signbit(total.Delta) {
				rep.Culprit = f.Name
				break
			}
		}
	}
	if rep.Culprit != "" && cfg.Own != nil && !cfg.Own(source(rep.Culprit, base, head)) {
		rep.Via = ownCaller(base, head, cfg, total)
		if rep.Via != "" {
			rep.ViaSource = source(rep.Via, base, head)
		}
	}
	rep.Headline, rep.Reason = profileHeadline(rep)
	return rep, nil
}

// ownCaller returns the deepest of the project's own functions under which
// most of a significant total change happened: of the own functions whose
// total CPU (anywhere on the stack) changed significantly in the change's
// direction by at least half of it, the one with the least total CPU in
// the head. Callers hold at least what their callees do, so that is the
// one nearest the change. It is "" when no own function holds half.
func ownCaller(base, head []*Run, cfg Config, total Change) string {
	names := map[string]struct{}{}
	for _, r := range head {
		for fn, v := range r.Total {
			if math.Abs(v) >= math.Abs(total.Delta)/2 {
				names[fn] = struct{}{}
			}
		}
	}
	var best string
	bestHead := math.Inf(1)
	for _, fn := range slices.Sorted(maps.Keys(names)) {
		if !cfg.Own(source(fn, base, head)) {
			continue
		}
		tot := func(r *Run) float64 { return r.Total[fn] }
		c := cfg.Stats.compare(values(base, tot), values(head, tot))
		if !c.Significant || math.Signbit(c.Delta) != math.Signbit(total.Delta) || math.Abs(c.Delta) < math.Abs(total.Delta)/2 {
			continue
		}
		if c.Head.Median < bestHead {
			best, bestHead = fn, c.Head.Median
		}
	}
	return best
}

// annualOf prices a change of the whole run.
func (p *Pricing) annualOf(unit string, c Change, baseTotal float64) (Annual, bool) {
	if p == nil {
		return Annual{}, false
	}
	return p.annual(unit, c.Delta, c.Lo, c.Hi, baseTotal)
}

// values returns each run's total (fn == nil) or a function's value.
func values(runs []*Run, fn func(*Run) float64) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		if fn == nil {
			out[i] = r.Value
		} else {
			out[i] = fn(r)
		}
	}
	return out
}

func functionChanges(base, head []*Run, cfg Config, unit string, baseTotal, totalDelta float64) []FunctionChange {
	minShare := cfg.MinShare
	if minShare == 0 {
		minShare = 0.005
	}
	// Candidates: functions whose mean self share reaches minShare on a side.
	share := func(runs []*Run) map[string]float64 {
		m := map[string]float64{}
		for _, r := range runs {
			for fn, v := range r.Self {
				m[fn] += v / r.Value / float64(len(runs))
			}
		}
		return m
	}
	bs, hs := share(base), share(head)
	var names []string
	for fn := range mergeKeys(bs, hs) {
		if bs[fn] >= minShare || hs[fn] >= minShare {
			names = append(names, fn)
		}
	}
	var out []FunctionChange
	for _, fn := range names {
		self := func(r *Run) float64 { return r.Self[fn] }
		tot := func(r *Run) float64 { return r.Total[fn] }
		f := FunctionChange{
			Name:   fn,
			Source: source(fn, base, head),
			Self:   cfg.Stats.compare(values(base, self), values(head, self)),
			Total:  cfg.Stats.compare(values(base, tot), values(head, tot)),
		}
		if a, ok := cfg.Pricing.annualOf(unit, f.Self, baseTotal); ok {
			f.SelfAnnual = &a
		}
		if totalDelta != 0 {
			f.Share = f.Self.Delta / totalDelta
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b FunctionChange) int {
		if c := cmp.Compare(math.Abs(b.Self.Delta), math.Abs(a.Self.Delta)); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}

func mergeKeys(a, b map[string]float64) map[string]struct{} {
	m := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		m[k] = struct{}{}
	}
	for k := range b {
		m[k] = struct{}{}
	}
	return m
}

// source returns where fn is defined, preferring the head's (the code under review).
func source(fn string, base, head []*Run) Source {
	for _, runs := range [][]*Run{head, base} {
		for _, r := range runs {
			if s, ok := r.Funcs[fn]; ok {
				return s
			}
		}
	}
	return Source{}
}

func pctLabel(c float64) string {
	return fmt.Sprintf("%g%%", math.Round(c*1000)/10)
}

// goodDefault is the advice on how many runs to collect beyond the fewest
// that give a verdict: ten a side, when ten are enough.
func goodDefault(need int) string {
	if need > 10 {
		return ""
	}
	return " (10 are a good default)"
}
