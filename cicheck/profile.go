package cicheck

import (
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
)

// Run is one measured run of a workload: what one profile recorded, divided
// by the units of work the run did. Self and Total hold, per function name,
// the value of the samples where the function is the leaf frame (self) or
// anywhere on the stack (total). Frames the runtime injects to preempt a
// goroutine are not leaves: their time is the preempted function's.
type Run struct {
	Name string // where the run came from (a file name), for messages
	// SampleType is the profile's sample type the values were read from,
	// as type/unit ("cpu/nanoseconds", "samples/count"): runs compared
	// must have the same.
	SampleType string
	Unit       string             // unit of the values: "nanoseconds" for CPU time, else the profile's sample unit
	Value      float64            // the run's total per unit of work
	Self       map[string]float64 // per function, per unit of work
	Total      map[string]float64 // per function, per unit of work
	Funcs      map[string]Source  // where each function is defined, when the profile says
}

// Source is where a function is defined.
type Source struct {
	File string `json:"file,omitempty"`
	Line int64  `json:"line,omitempty"`
}

// ProfileOptions says how to read a profile into a Run.
type ProfileOptions struct {
	// SampleType picks the profile's sample type by name ("cpu", "samples",
	// "delay"). Empty: the profile must be a CPU profile: its CPU time type
	// ("cpu"), else, when its period is CPU time, its default type, else
	// its last; any other profile (block, mutex, heap) is an error.
	SampleType string
	// UnitsOfWork is how many units of work the profiled run did; the Run's
	// values are divided by it. Zero means 1 (the profile is the unit);
	// callers taking it from a user should reject zero themselves.
	UnitsOfWork float64
}

// ErrNoSamples is returned for a profile whose chosen sample type sums to zero.
var ErrNoSamples = errors.New("profile has no samples")

// ReadProfile parses a pprof profile (gzip-compressed protobuf or a legacy
// format) from r into a Run. name labels the run in messages.
func ReadProfile(name string, r io.Reader, opt ProfileOptions) (*Run, error) {
	p, err := profile.Parse(r)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "%s: not a pprof profile: %v", name, err)
	}
	return ProfileRun(name, p, opt)
}

// ProfileRun turns a parsed profile into a Run.
func ProfileRun(name string, p *profile.Profile, opt ProfileOptions) (*Run, error) {
	units := opt.UnitsOfWork
	if units == 0 {
		units = 1
	}
	if !(units > 0) || math.IsInf(units, 0) {
		return nil, tally.Errorf(tally.EInvalid, "%s: units of work %v: want a positive number", name, units)
	}
	idx, err := sampleIndex(p, opt.SampleType)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "%s: %v", name, err)
	}
	st := p.SampleType[idx]
	if !sampleName.MatchString(st.Type) || !sampleName.MatchString(st.Unit) {
		return nil, tally.Errorf(tally.EInvalid, "%s: sample type %q, unit %q: not a pprof sample type and unit (up to 64 letters, digits, _, . and -)", name, st.Type, st.Unit)
	}
	unit, scale := st.Unit, 1.0
	switch {
	case st.Unit == "nanoseconds":
	case st.Unit == "microseconds":
		unit, scale = "nanoseconds", 1e3
	case st.Unit == "milliseconds":
		unit, scale = "nanoseconds", 1e6
	case st.Unit == "seconds":
		unit, scale = "nanoseconds", 1e9
	case st.Unit == "count" && p.PeriodType != nil && p.PeriodType.Unit == "nanoseconds" && p.Period > 0:
		// Sample counts of a CPU profile: each sample stands for one period.
		unit, scale = "nanoseconds", float64(p.Period)
	}
	scale /= units

	run := &Run{
		Name:       name,
		SampleType: st.Type + "/" + st.Unit,
		Unit:       unit,
		Self:       map[string]float64{},
		Total:      map[string]float64{},
		Funcs:      map[string]Source{},
	}
	// Index functions by name once; accumulate in slices; stamp "seen" per
	// sample with the sample's number so nothing is cleared.
	ix := map[string]int{}
	var names []string
	index := func(fn string) int {
		k, ok := ix[fn]
		if !ok {
			k = len(names)
			ix[fn] = k
			names = append(names, fn)
		}
		return k
	}
	frames := map[*profile.Location][]int{} // functions of a location, innermost first
	framesOf := func(loc *profile.Location) []int {
		if f, ok := frames[loc]; ok {
			return f
		}
		var f []int
		if len(loc.Line) == 0 {
			f = []int{index(tally.UnknownFunction)}
		}
		for _, ln := range loc.Line {
			fn := funcName(ln.Function)
			f = append(f, index(fn))
			if _, ok := run.Funcs[fn]; !ok && ln.Function != nil && ln.Function.Filename != "" {
				line := ln.Function.StartLine
				if line == 0 {
					line = ln.Line
				}
				run.Funcs[fn] = Source{File: ln.Function.Filename, Line: line}
			}
		}
		frames[loc] = f
		return f
	}
	var self, total []float64
	var seen []int
	for si, s := range p.Sample {
		if idx >= len(s.Value) {
			continue
		}
		if s.Value[idx] < 0 {
			return nil, tally.Errorf(tally.EInvalid, "%s: sample %s/%s value %d: negative (a diff profile? compare the original profiles)", name, st.Type, st.Unit, s.Value[idx])
		}
		v := float64(s.Value[idx]) * scale
		if v == 0 || len(s.Location) == 0 {
			run.Value += v
			continue
		}
		run.Value += v
		stamp := si + 1
		leaf := true
		for _, loc := range s.Location {
			for _, k := range framesOf(loc) {
				for len(self) < len(names) {
					self, total, seen = append(self, 0), append(total, 0), append(seen, 0)
				}
				if leaf && injected[names[k]] {
					continue
				}
				if leaf {
					self[k] += v
					leaf = false
				}
				if seen[k] != stamp {
					seen[k] = stamp
					total[k] += v
				}
			}
		}
	}
	for k, fn := range names {
		if k < len(self) && self[k] != 0 {
			run.Self[fn] = self[k]
		}
		if k < len(total) && total[k] != 0 {
			run.Total[fn] = total[k]
		}
	}
	if run.Value == 0 {
		return nil, &tally.Error{Code: tally.EInvalid, Message: fmt.Sprintf("%s: sample type %s/%s", name, st.Type, st.Unit), Err: ErrNoSamples}
	}
	return run, nil
}

// injected are the runtime's frames that a goroutine never calls: the
// scheduler pushes them onto the stack of a goroutine it preempts
// asynchronously. A sample in them is the preempted function's time (saving
// and restoring its registers), so it is counted there: under CPU
// contention "runtime.asyncPreempt" otherwise heads the list of functions
// that grew, naming no code a pull request could change.
var injected = map[string]bool{
	"runtime.asyncPreempt":  true,
	"runtime.asyncPreempt2": true,
}

func funcName(f *profile.Function) string {
	if f == nil || f.Name == "" {
		return tally.UnknownFunction
	}
	return f.Name
}

// sampleName matches the name of a pprof sample type or unit (cpu,
// nanoseconds, alloc_space, count). The unit is shown in the pull-request
// comment and the annotations, and comes from the pull request's profiles.
var sampleName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// sampleIndex picks the sample type to read (see ProfileOptions.SampleType).
func sampleIndex(p *profile.Profile, want string) (int, error) {
	if len(p.SampleType) == 0 {
		return 0, errors.New("profile has no sample types")
	}
	if want != "" {
		for i, st := range p.SampleType {
			if st.Type == want {
				return i, nil
			}
		}
		return 0, fmt.Errorf("sample type %q not in profile (it has %s)", want, sampleTypes(p))
	}
	for i, st := range p.SampleType {
		if st.Type == "cpu" && timeUnits[st.Unit] {
			return i, nil
		}
	}
	if p.PeriodType == nil || p.PeriodType.Type != "cpu" {
		period := "none"
		if p.PeriodType != nil {
			period = p.PeriodType.Type + "/" + p.PeriodType.Unit
		}
		return 0, fmt.Errorf("not a CPU profile: it has sample types %s and period type %s, and no cpu sample type (a block, mutex or heap profile?); give --sample-type to compare one of its types", sampleTypes(p), period)
	}
	if p.DefaultSampleType != "" {
		for i, st := range p.SampleType {
			if st.Type == p.DefaultSampleType {
				return i, nil
			}
		}
	}
	return len(p.SampleType) - 1, nil
}

// timeUnits are the sample units ProfileRun reads as CPU time.
var timeUnits = map[string]bool{"nanoseconds": true, "microseconds": true, "milliseconds": true, "seconds": true}

// sampleTypes lists a profile's sample types as type/unit.
func sampleTypes(p *profile.Profile) string {
	var have []string
	for _, st := range p.SampleType {
		have = append(have, st.Type+"/"+st.Unit)
	}
	return "[" + strings.Join(have, " ") + "]"
}
