package cicheck

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/tallyhq/tally"
)

// BenchSet is the runs of each benchmark in `go test -bench` output, keyed
// by package and full name (sub-benchmarks and GOMAXPROCS included).
type BenchSet struct {
	Names []BenchKey                        // in order of first appearance
	Runs  map[BenchKey]map[string][]float64 // unit ("sec/op", "allocs/op", "B/op") → one value per run
	// Warnings name the lines that were skipped (file:line and why).
	Warnings []string
}

// BenchKey names a benchmark.
type BenchKey struct {
	Pkg  string // the "pkg:" configuration line, if any
	Name string // full name without the "Benchmark" prefix, e.g. "Parse/small-8"
}

// String writes the benchmark as go test names it.
func (k BenchKey) String() string { return "Benchmark" + k.Name }

// Units compared per benchmark. Only time is priced: the CPU cost of
// allocating (and collecting) is inside the measured time already.
const (
	unitTime   = "sec/op"
	unitAllocs = "allocs/op"
	unitBytes  = "B/op"
)

// maxSkipWarnings is how many skipped lines of one file are named one by one.
const maxSkipWarnings = 5

// skipHint follows the skipped lines, once however many files have some.
const skipHint = "A benchmark that prints to stdout splits its result line, and the runs on such lines are left out: log with b.Log instead."

// ReadBench parses Go benchmark format (go test -bench output; see
// golang.org/design/14313-benchmark-format) from r, adding to set. As
// benchstat does, a malformed line is skipped with a warning naming
// file:line (a benchmark that prints to stdout splits its result line in
// two); only a file of which no result can be read is an EInvalid error.
func ReadBench(set *BenchSet, name string, r io.Reader) error {
	if set.Runs == nil {
		set.Runs = map[BenchKey]map[string][]float64{}
	}
	br := benchfmt.NewReader(r, name)
	n := 0
	var skipped []*benchfmt.SyntaxError
	// Values that are not numbers ≥ 0 (NaN, Inf: a benchmark printing to
	// stdout can split its line into one) are left out: one NaN made the
	// Mann-Whitney U test loop for ever, its memory growing.
	var invalid []string
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			skipped = append(skipped, rec)
		case *benchfmt.Result:
			n++
			k := BenchKey{Pkg: rec.GetConfig("pkg"), Name: string(rec.Name.Full())}
			units, ok := set.Runs[k]
			if !ok {
				units = map[string][]float64{}
				set.Runs[k] = units
				set.Names = append(set.Names, k)
			}
			for _, v := range rec.Values {
				switch v.Unit {
				case unitTime, unitAllocs, unitBytes:
					if !finite(v.Value) || v.Value < 0 {
						file, line := rec.Pos()
						invalid = append(invalid, fmt.Sprintf("%s:%d: %s %v %s skipped (not a number ≥ 0).", file, line, rec.Name.Full(), v.Value, v.Unit))
						continue
					}
					units[v.Unit] = append(units[v.Unit], v.Value)
				}
			}
		}
	}
	if err := br.Err(); err != nil {
		return readError(err)
	}
	if n == 0 {
		if len(skipped) > 0 {
			e := skipped[0]
			return tally.Errorf(tally.EInvalid, "%s:%d: %s (and no benchmark result in %s could be read)", e.FileName, e.Line, e.Msg, name)
		}
		return tally.Errorf(tally.EInvalid, "%s: no benchmark results (want `go test -bench` output, e.g. `go test -run='^$' -bench=. -count=10`)", name)
	}
	for i, e := range skipped {
		if i == maxSkipWarnings {
			set.Warnings = append(set.Warnings, fmt.Sprintf("%s: %d more malformed lines skipped.", name, len(skipped)-i))
			break
		}
		set.Warnings = append(set.Warnings, fmt.Sprintf("%s:%d: malformed benchmark line skipped (%s).", e.FileName, e.Line, e.Msg))
	}
	if len(skipped) > 0 {
		set.Warnings = append(set.Warnings, skipHint)
	}
	for i, w := range invalid {
		if i == maxSkipWarnings {
			set.Warnings = append(set.Warnings, fmt.Sprintf("%s: %d more values that are not numbers ≥ 0 skipped.", name, len(invalid)-i))
			break
		}
		set.Warnings = append(set.Warnings, w)
	}
	return nil
}

// Calls says how many times a year each benchmarked operation runs in
// production, to price a change of its time per operation.
type Calls struct {
	Default float64            // for benchmarks not in ByName; zero: unpriced
	ByName  map[string]float64 // by name with or without "Benchmark" and "-GOMAXPROCS"
}

// readError is the error of a read of benchmark results that failed: the
// file's own (a directory given as a file) names the file already, and
// benchfmt's says file:line, line 0 before the first line (it said "read
// DIR: DIR:0: read DIR: is a directory").
func readError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return tally.Errorf(tally.EInvalid, "%v", pe)
	}
	return tally.Errorf(tally.EInvalid, "%v", err)
}

// ParseCalls parses "N" (every benchmark) or "NAME=N" entries, e.g.
// ["2e9", "BenchmarkParse=5e10"]. NAME=N is cut at the last '=', as
// sub-benchmark names hold '=' by convention ("BenchmarkSub/n=10=5e9").
func ParseCalls(entries []string) (Calls, error) {
	var c Calls
	given := map[string]string{} // the entry each name (and "" the default) came from
	for _, e := range entries {
		name, num, named := e, e, false
		if i := strings.LastIndexByte(e, '='); i >= 0 {
			name, num, named = e[:i], e[i+1:], true
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || !finite(v) || v < 0 {
			return Calls{}, tally.Errorf(tally.EInvalid, "calls per year %q: want a number ≥ 0 such as 2e9, or NAME=NUMBER", e)
		}
		key := ""
		if named {
			if key = strings.TrimPrefix(strings.TrimSpace(name), "Benchmark"); key == "" {
				return Calls{}, tally.Errorf(tally.EInvalid, "calls per year %q: no benchmark name before '=': want NAME=NUMBER, or a NUMBER for every benchmark", e)
			}
		}
		if first, ok := given[key]; ok {
			whose := key + "'s are"
			if key == "" {
				whose = "the calls a year of every benchmark are"
			}
			return Calls{}, tally.Errorf(tally.EInvalid, "calls per year %q: %s given twice (%q and %q)", e, whose, first, e)
		}
		given[key] = e
		if !named {
			c.Default = v
			continue
		}
		if c.ByName == nil {
			c.ByName = map[string]float64{}
		}
		c.ByName[key] = v
	}
	return c, nil
}

// of returns the calls a year of a benchmark named keys (its names on
// the two sides): an entry for a full name, else for a name without
// GOMAXPROCS, else the default.
func (c Calls) of(keys ...BenchKey) float64 {
	for _, k := range keys {
		if v, ok := c.ByName[k.Name]; ok {
			return v
		}
	}
	for _, k := range keys {
		if v, ok := c.ByName[stripProcs(k.Name)]; ok {
			return v
		}
	}
	return c.Default
}

// unmatched returns the names calls give a number for that name none of
// the benchmarks paired, sorted.
func (c Calls) unmatched(pairs []benchPair) []string {
	var out []string
	for name := range c.ByName {
		found := false
		for _, pr := range pairs {
			for _, k := range []BenchKey{pr.base, pr.head} {
				if k.Name == name || stripProcs(k.Name) == name {
					found = true
				}
			}
		}
		if !found {
			out = append(out, "Benchmark"+name)
		}
	}
	slices.Sort(out)
	return out
}

// ungated returns the benchmarks compared without a price under a gate
// in money alone: nothing can fail them.
func ungated(benchmarks []BenchmarkChange, pricing *Pricing, g Gate) []string {
	if pricing == nil || g.MaxIncrease >= 0 || g.MaxAnnualIncrease == nil {
		return nil
	}
	var out []string
	for _, bc := range benchmarks {
		if bc.Missing == "" && bc.Annual == nil {
			out = append(out, bc.Name)
		}
	}
	return out
}

// stripProcs removes a trailing "-8" GOMAXPROCS suffix.
func stripProcs(name string) string {
	if _, ok := procsSuffix(name); ok {
		return name[:strings.LastIndexByte(name, '-')]
	}
	return name
}

// procsSuffix returns the number after the last '-' of name, if it is one.
func procsSuffix(name string) (int, bool) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n <= 0 || name[i+1] == '+' {
		return 0, false
	}
	return n, true
}

// sideProcs returns the GOMAXPROCS a side's benchmarks ran with, as go
// test names them: N when every name ends in the same "-N", else 1 (go
// test adds no suffix for GOMAXPROCS 1; names from a -cpu list differ).
func sideProcs(names []BenchKey) int {
	procs := 0
	for _, k := range names {
		n, ok := procsSuffix(k.Name)
		if !ok || procs != 0 && n != procs {
			return 1
		}
		procs = n
	}
	return max(procs, 1)
}

func (c Calls) any() bool { return c.Default > 0 || len(c.ByName) > 0 }

// benchPair is one benchmark as each side names it.
type benchPair struct {
	base, head     BenchKey
	inBase, inHead bool
	// name is what the report calls it: its name, or its name without the
	// GOMAXPROCS suffix when the sides' suffixes differ.
	name BenchKey
}

// pairBenchmarks pairs the benchmarks of the two sides by package and full
// name, in the order they ran (the base's first). When the sides ran with
// different GOMAXPROCS, so that every name of a side ends in its own
// "-N", the benchmarks left over are paired by their names without it;
// procs then says what each side ran with (0 when nothing was paired so).
func pairBenchmarks(base, head *BenchSet) (pairs []benchPair, procs [2]int) {
	var leftBase, leftHead []BenchKey
	for _, k := range base.Names {
		if _, ok := head.Runs[k]; ok {
			pairs = append(pairs, benchPair{base: k, head: k, inBase: true, inHead: true, name: k})
		} else {
			leftBase = append(leftBase, k)
		}
	}
	for _, k := range head.Names {
		if _, ok := base.Runs[k]; !ok {
			leftHead = append(leftHead, k)
		}
	}
	pb, ph := sideProcs(base.Names), sideProcs(head.Names)
	strip := func(k BenchKey, procs int) BenchKey {
		if procs > 1 {
			k.Name = strings.TrimSuffix(k.Name, "-"+strconv.Itoa(procs))
		}
		return k
	}
	headOf := map[BenchKey]BenchKey{} // stripped name → the head's benchmark
	if pb != ph {
		nb, nh := map[BenchKey]int{}, map[BenchKey]int{}
		for _, k := range leftBase {
			nb[strip(k, pb)]++
		}
		for _, k := range leftHead {
			nh[strip(k, ph)]++
		}
		for _, k := range leftHead {
			if s := strip(k, ph); nb[s] == 1 && nh[s] == 1 {
				headOf[s] = k
			}
		}
	}
	for _, k := range leftBase {
		s := strip(k, pb)
		if h, ok := headOf[s]; ok {
			pairs = append(pairs, benchPair{base: k, head: h, inBase: true, inHead: true, name: s})
			procs = [2]int{pb, ph}
			continue
		}
		pairs = append(pairs, benchPair{base: k, inBase: true, name: k})
	}
	for _, k := range leftHead {
		if _, ok := headOf[strip(k, ph)]; !ok {
			pairs = append(pairs, benchPair{head: k, inHead: true, name: k})
		}
	}
	return pairs, procs
}

// DiffBench compares the benchmarks of a change (head) with its base. Each
// benchmark's time per operation is tested and, with calls a year and a
// price, turned into money a year; cfg.Pricing's volume fields are ignored
// in favour of calls.
//
// The verdict rests on the benchmarks with enough runs: when one of them
// (or their slowdowns together) fails, the report fails and names the
// benchmarks with too few runs in a note; when none fails and some have
// too few runs, there is no verdict. When no benchmark ran on both sides,
// nothing was compared and there is no verdict either.
func DiffBench(base, head *BenchSet, calls Calls, cfg Config) (*Report, error) {
	var pricing *Pricing
	if cfg.Pricing != nil {
		if !calls.any() {
			return nil, tally.Errorf(tally.EInvalid, "pricing benchmarks needs how often each operation runs: give calls per year")
		}
		p := *cfg.Pricing
		p.CoreHoursPerYear, p.UnitsPerYear = 0, 1 // validated here; each benchmark sets its own calls
		cfg.Pricing = &p
		pricing = &p
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if pricing != nil {
		pricing.UnitsPerYear = 0
	}
	rep := &Report{Kind: KindBenchmarks, Pricing: pricing, Gate: cfg.Gate, Alpha: cfg.Stats.Alpha, CI: cfg.Stats.Confidence}
	rep.Warnings = dedupe(append(slices.Clone(base.Warnings), head.Warnings...))
	need := cfg.Stats.MinRuns()
	var short []string
	pairs, procs := pairBenchmarks(base, head)
	if pricing != nil {
		unknown := calls.unmatched(pairs)
		if len(unknown) == len(calls.ByName) && len(unknown) > 0 && calls.Default == 0 {
			return nil, tally.Errorf(tally.EInvalid, "calls per year name no benchmark that ran (%s; the head has %s): nothing would be priced", strings.Join(unknown, ", "), benchList(head, base))
		}
		if len(unknown) > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("Calls per year name no benchmark that ran: %s.", strings.Join(unknown, ", ")))
		}
	}
	if procs[0] != 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("The sides ran with different GOMAXPROCS (benchmark names %s in the base, %s in the head): benchmarks are compared by their names without it, though time per op can change with the number of CPUs alone.", procsText(procs[0]), procsText(procs[1])))
	}
	var (
		sum      tally.Money // the significant slowdowns' point estimates
		priced   []pricedBench
		compared int
	)
	for _, pr := range pairs {
		b, h := base.Runs[pr.base], head.Runs[pr.head]
		if !pr.inBase {
			b = nil
		}
		if !pr.inHead {
			h = nil
		}
		bc := BenchmarkChange{Name: pr.name.String(), Pkg: pr.name.Pkg}
		switch {
		case len(b[unitTime]) == 0:
			bc.Missing, bc.Verdict = "base", Pass
			rep.Benchmarks = append(rep.Benchmarks, bc)
			continue
		case len(h[unitTime]) == 0:
			bc.Missing, bc.Verdict = "head", Pass
			rep.Benchmarks = append(rep.Benchmarks, bc)
			continue
		}
		compared++
		rep.BaseRuns = max(rep.BaseRuns, len(b[unitTime]))
		rep.HeadRuns = max(rep.HeadRuns, len(h[unitTime]))
		bc.Time = cfg.Stats.judged(b[unitTime], h[unitTime])
		for _, u := range []struct {
			unit string
			dst  **Change
		}{{unitAllocs, &bc.Allocs}, {unitBytes, &bc.Bytes}} {
			if len(b[u.unit]) > 0 && len(h[u.unit]) > 0 {
				c := cfg.Stats.compare(b[u.unit], h[u.unit])
				*u.dst = &c
			}
		}
		if pricing != nil {
			if n := calls.of(pr.head, pr.base); n > 0 {
				p := *pricing
				p.UnitsPerYear = n
				// Seconds per op in, nanoseconds per op priced.
				a, _ := p.annual("nanoseconds", bc.Time.Delta*1e9, bc.Time.Lo*1e9, bc.Time.Hi*1e9, 0)
				bc.Annual, bc.CallsPerYear = &a, n
			}
		}
		if len(b[unitTime]) < need || len(h[unitTime]) < need {
			bc.Verdict = Insufficient
			short = append(short, fmt.Sprintf("%s (%d+%d)", bc.Name, len(b[unitTime]), len(h[unitTime])))
		} else {
			var bb bars
			if bc.Annual != nil {
				p := *pricing
				p.UnitsPerYear = bc.CallsPerYear
				bb = cfg.Gate.bars(&p, "nanoseconds")
				for i := range bb.abs {
					bb.abs[i] /= 1e9 // the values are seconds per op
				}
			} else {
				bb = cfg.Gate.bars(nil, "")
			}
			bc.Verdict, bc.GateP = cfg.Gate.judge(cfg.Stats, b[unitTime], h[unitTime], bc.Time, bb)
			if bc.Annual != nil {
				priced = append(priced, pricedBench{base: b[unitTime], head: h[unitTime], calls: bc.CallsPerYear})
				if bc.Time.Significant && bc.Time.Delta > 0 {
					sum, _ = sum.Add(bc.Annual.Amount)
				}
			}
		}
		rep.Benchmarks = append(rep.Benchmarks, bc)
	}
	if len(rep.Benchmarks) == 0 {
		return nil, tally.Errorf(tally.EInvalid, "no benchmarks to compare")
	}

	// Failures first, then those with too few runs, warnings, passes.
	order := func(v Verdict) int {
		if v == Fail {
			return rank(Insufficient) + 1
		}
		return rank(v)
	}
	slices.SortStableFunc(rep.Benchmarks, func(a, b BenchmarkChange) int {
		if c := cmp.Compare(order(b.Verdict), order(a.Verdict)); c != 0 {
			return c
		}
		return cmp.Compare(b.Time.Rel, a.Time.Rel)
	})
	if compared == 0 {
		rep.Verdict = Insufficient
		rep.Headline = "No benchmark ran on both sides: nothing was compared."
		rep.Reason = fmt.Sprintf("The base has %s; the head has %s. Run the same benchmarks (the same -bench pattern, packages and names) on both sides.", benchList(base, head), benchList(head, base))
		return rep, nil
	}
	// The verdict of the benchmarks with enough runs.
	rep.Verdict = Pass
	for _, bc := range rep.Benchmarks {
		if bc.Verdict != Insufficient && rank(bc.Verdict) > rank(rep.Verdict) {
			rep.Verdict = bc.Verdict
		}
	}
	var added *addedCost
	if cfg.Gate.MaxAnnualIncrease != nil && pricing != nil && len(priced) > 1 {
		// Several benchmarks can each stay within the gate and together go
		// over it: test their total. With one priced benchmark its own test
		// against the gate (judge) is that test already; a second test of
		// the same quantity would double the rate of false fails.
		a := addedCostTest(pricing, priced, sum, *cfg.Gate.MaxAnnualIncrease, cfg.Stats)
		switch {
		case a.Over:
			rep.Verdict = Fail
		case a.LooksOver && rank(rep.Verdict) < rank(Warn):
			rep.Verdict = Warn
		}
		added = &a
	}
	if len(short) > 0 {
		if rep.Verdict != Fail {
			// More runs of the short benchmarks could still fail the change.
			rep.Verdict, rep.NeedRuns = Insufficient, need
			rep.Headline = fmt.Sprintf("Too few runs for a verdict: need at least %d runs of each benchmark on each side (run go test with -count=%d or more); %s.", need, max(need, 10), plural(len(short), "benchmark has", "benchmarks have")+" fewer: "+strings.Join(short, ", "))
			rep.Reason = fmt.Sprintf("With fewer than %d runs per side the Mann-Whitney U test cannot reach p < %v or the %s confidence interval of the change is unbounded.", need, cfg.Stats.Alpha, pctLabel(cfg.Stats.Confidence))
			return rep, nil
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("Too few runs to judge %s: a benchmark needs at least %d runs on each side (run go test with -count=%d or more); the verdict rests on the others.", strings.Join(short, ", "), need, max(need, 10)))
	}
	rep.Headline, rep.Reason = benchHeadline(rep, sum, added)
	if unpriced := ungated(rep.Benchmarks, pricing, cfg.Gate); len(unpriced) > 0 {
		rep.Reason += fmt.Sprintf(" Not gated: %s, with no calls a year to price, under a gate in money alone; give their calls a year, or a relative threshold too.", strings.Join(unpriced, ", "))
	}
	return rep, nil
}

// benchFailReason says why benchmark f failed the gate g.
func benchFailReason(f BenchmarkChange, g Gate) string {
	return fmt.Sprintf("%s got %s slower per op (%s), significantly more than the gate allows (%s against the gate, which %s).", f.Name, strings.TrimPrefix(formatPct(f.Time.Rel), "+"), pText(f.Time.P), pText(f.GateP), g)
}

// procsText describes the GOMAXPROCS suffix of a side's benchmark names.
func procsText(procs int) string {
	if procs <= 1 {
		return "without a -N suffix"
	}
	return fmt.Sprintf("ending in -%d", procs)
}

// benchList names a few benchmarks of side, with their packages when a
// name is on the other side too (in another package).
func benchList(side, other *BenchSet) string {
	names := map[string]bool{}
	for _, k := range other.Names {
		names[k.Name] = true
	}
	withPkg := false
	for _, k := range side.Names {
		withPkg = withPkg || names[k.Name]
	}
	const show = 3
	var parts []string
	for i, k := range side.Names {
		if i == show {
			parts = append(parts, fmt.Sprintf("%d more", len(side.Names)-show))
			break
		}
		s := k.String()
		if withPkg && k.Pkg != "" {
			s += " (" + k.Pkg + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func rank(v Verdict) int {
	switch v {
	case Warn:
		return 1
	case Fail:
		return 2
	case Insufficient:
		return 3
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// benchHeadline writes the outcome of a benchmark diff; sum is the money a
// year of the significant slowdowns and added, when not nil, the test of
// the slowdowns' total against the gate.
func benchHeadline(r *Report, sum tally.Money, added *addedCost) (headline, reason string) {
	ci := pctLabel(r.CI) + " CI"
	// Benchmarks with too few runs are not judged (a note names them).
	var slower []BenchmarkChange
	for _, b := range r.Benchmarks {
		if b.Missing == "" && b.Verdict != Insufficient && b.Time.Significant && b.Time.Delta > 0 {
			slower = append(slower, b)
		}
	}
	if len(slower) == 0 {
		faster := 0
		for _, b := range r.Benchmarks {
			if b.Missing == "" && b.Verdict != Insufficient && b.Time.Significant && b.Time.Delta < 0 {
				faster++
			}
		}
		headline = "No benchmark got significantly slower"
		if faster > 0 {
			headline += fmt.Sprintf("; %s faster", plural(faster, "got", "got"))
		}
		return headline + ".", fmt.Sprintf("No significant slowdown (α=%v); the gate %s.", r.Alpha, r.Gate)
	}
	// Worst first: the priced by money, then the others by relative
	// change. The money is the priced ones' alone.
	slices.SortStableFunc(slower, func(a, b BenchmarkChange) int {
		switch {
		case a.Annual != nil && b.Annual != nil:
			c, _ := b.Annual.Amount.Cmp(a.Annual.Amount)
			return c
		case a.Annual != nil || b.Annual != nil:
			return cmp.Compare(boolInt(b.Annual != nil), boolInt(a.Annual != nil))
		}
		return cmp.Compare(b.Time.Rel, a.Time.Rel)
	})
	top := slower[0]
	priced := 0
	for _, s := range slower {
		if s.Annual != nil {
			priced++
		}
	}
	var b strings.Builder
	switch {
	case top.Annual != nil && priced == 1:
		fmt.Fprintf(&b, "This change adds %s/yr", formatMoney(top.Annual.Amount, top.Annual.places()))
		if top.Annual.Bounded {
			fmt.Fprintf(&b, " (%s %s)", ci, top.Annual.rangeText())
		}
		fmt.Fprintf(&b, ", in %s (%s per op)", top.Name, formatPct(top.Time.Rel))
	case top.Annual != nil:
		fmt.Fprintf(&b, "This change adds %s/yr across %d benchmarks, most in %s: %s/yr", formatMoney(sum, autoPlaces(sum)), priced, top.Name, formatMoney(top.Annual.Amount, top.Annual.places()))
		if top.Annual.Bounded {
			fmt.Fprintf(&b, " (%s %s)", ci, top.Annual.rangeText())
		}
	default:
		fmt.Fprintf(&b, "This change makes %s %s slower per op (%s %s … %s)", top.Name, strings.TrimPrefix(formatPct(top.Time.Rel), "+"), ci, formatPct(top.Time.RelLo), formatPct(top.Time.RelHi))
		if len(slower) > 1 {
			fmt.Fprintf(&b, "; %s slower too", plural(len(slower)-1, "other benchmark is", "other benchmarks are"))
		}
	}
	if unpriced := len(slower) - priced; priced > 0 && unpriced > 0 {
		fmt.Fprintf(&b, "; %s", plural(unpriced, "other benchmark is slower too, with no calls a year to price it", "other benchmarks are slower too, with no calls a year to price them"))
	}
	b.WriteString(".")
	switch r.Verdict {
	case Fail:
		if added != nil && added.Over {
			reason = fmt.Sprintf("Together the slowdowns add %s/yr, at least %s/yr with %s confidence: significantly over the gate, which %s.", formatMoney(sum, autoPlaces(sum)), formatMoney(added.Lo, autoPlaces(added.Lo)), pctLabel(added.Confidence), r.Gate)
		}
		for _, f := range r.Benchmarks {
			if f.Verdict == Fail {
				reason = benchFailReason(f, r.Gate)
				break
			}
		}
	case Warn:
		reason = fmt.Sprintf("Slowdowns stay within the gate or are not significant; the gate %s.", r.Gate)
		for _, w := range r.Benchmarks {
			if w.Verdict == Warn && w.GateP < r.Alpha {
				reason = fmt.Sprintf("%s got %s slower per op (%s) and the U test finds it over the gate (%s against the gate, which %s), %s.", w.Name, strings.TrimPrefix(formatPct(w.Time.Rel), "+"), pText(w.Time.P), pText(w.GateP), r.Gate, notSure(w.Time, r.CI))
				break
			}
		}
		if added != nil && added.LooksOver {
			reason = fmt.Sprintf("Together the slowdowns add %s/yr, over the gate, which %s, but not significantly: with %s confidence they add at least %s/yr (more runs would tell).", formatMoney(sum, autoPlaces(sum)), r.Gate, pctLabel(added.Confidence), formatMoney(added.Lo, autoPlaces(added.Lo)))
		}
	default:
		reason = fmt.Sprintf("No significant slowdown over the gate, which %s.", r.Gate)
	}
	return b.String(), reason
}
