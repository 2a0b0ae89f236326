package cicheck

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
)

// Run is one measured run of a workload: what one profile recorded, divided
// by the units of work the run did. Self and Total hold, per function name,
// the value of the samples where the function is the leaf frame (self) or
// anywhere on the stack (total).
type Run struct {
	Name  string             // where the run came from (a file name), for messages
	Unit  string             // unit of the values: "nanoseconds" for CPU time, else the profile's sample unit
	Value float64            // the run's total per unit of work
	Self  map[string]float64 // per function, per unit of work
	Total map[string]float64 // per function, per unit of work
	Funcs map[string]Source  // where each function is defined, when the profile says
}

// Source is where a function is defined.
type Source struct {
	File string `json:"file,omitempty"`
	Line int64  `json:"line,omitempty"`
}

// ProfileOptions says how to read a profile into a Run.
type ProfileOptions struct {
	// SampleType picks the profile's sample type by name ("cpu", "samples").
	// Empty: the CPU time type if the profile has one, else its default, else its last.
	SampleType string
	// UnitsOfWork is how many units of work the profiled run did; the Run's
	// values are divided by it. Zero means 1 (the profile is the unit).
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
		Name:  name,
		Unit:  unit,
		Self:  map[string]float64{},
		Total: map[string]float64{},
		Funcs: map[string]Source{},
	}
	seen := map[string]bool{}
	for _, s := range p.Sample {
		if idx >= len(s.Value) {
			continue
		}
		v := float64(s.Value[idx]) * scale
		if v == 0 {
			continue
		}
		run.Value += v
		clear(seen)
		for i, loc := range s.Location {
			if len(loc.Line) == 0 {
				if i == 0 {
					run.Self[tally.UnknownFunction] += v
				}
				if !seen[tally.UnknownFunction] {
					seen[tally.UnknownFunction] = true
					run.Total[tally.UnknownFunction] += v
				}
				continue
			}
			for j, ln := range loc.Line {
				fn := funcName(ln.Function)
				if i == 0 && j == 0 {
					run.Self[fn] += v
				}
				if !seen[fn] {
					seen[fn] = true
					run.Total[fn] += v
				}
				if _, ok := run.Funcs[fn]; !ok && ln.Function != nil && ln.Function.Filename != "" {
					line := ln.Function.StartLine
					if line == 0 {
						line = ln.Line
					}
					run.Funcs[fn] = Source{File: ln.Function.Filename, Line: line}
				}
			}
		}
	}
	if run.Value == 0 {
		return nil, &tally.Error{Code: tally.EInvalid, Message: fmt.Sprintf("%s: sample type %s/%s", name, st.Type, st.Unit), Err: ErrNoSamples}
	}
	return run, nil
}

func funcName(f *profile.Function) string {
	if f == nil || f.Name == "" {
		return tally.UnknownFunction
	}
	return f.Name
}

// sampleIndex picks the sample type to read.
func sampleIndex(p *profile.Profile, want string) (int, error) {
	if len(p.SampleType) == 0 {
		return 0, errors.New("profile has no sample types")
	}
	if want != "" {
		var have []string
		for i, st := range p.SampleType {
			if st.Type == want {
				return i, nil
			}
			have = append(have, st.Type)
		}
		return 0, fmt.Errorf("sample type %q not in profile (it has %q)", want, have)
	}
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			return i, nil
		}
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
