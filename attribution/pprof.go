package attribution

import (
	"time"

	"github.com/google/pprof/profile"
)

// DollarsProfile returns the stacks as a pprof profile whose sample values
// are CPU samples and cost in millionths of their currency (pprof values
// are integers), so `go tool pprof -top` ranks functions by dollars. The
// unit says which: microdollars, or micro and the currency's code
// (microEUR) for stacks costed in another.
func DollarsProfile(stacks []StackSpend, w time.Duration, end time.Time) *profile.Profile {
	unit := "microdollars"
	for _, s := range stacks {
		if c := s.Cost.Currency(); c != "" && c != "USD" {
			unit = "micro" + string(c)
			break
		}
	}
	p := &profile.Profile{
		SampleType:        []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cost", Unit: unit}},
		DefaultSampleType: "cost",
		TimeNanos:         end.Add(-w).UnixNano(),
		DurationNanos:     int64(w),
		PeriodType:        &profile.ValueType{Type: "cost", Unit: unit},
		Period:            1,
	}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	for _, s := range stacks {
		sample := &profile.Sample{Value: []int64{s.Samples, micro(s)}}
		for _, fr := range s.Frames {
			name := fr.String()
			loc := locs[name]
			if loc == nil {
				fn := &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: name, Filename: fr.Module}
				funcs[name] = fn
				p.Function = append(p.Function, fn)
				loc = &profile.Location{ID: uint64(len(locs) + 1), Line: []profile.Line{{Function: fn}}}
				locs[name] = loc
				p.Location = append(p.Location, loc)
			}
			sample.Location = append(sample.Location, loc)
		}
		p.Sample = append(p.Sample, sample)
	}
	return p
}

// micro returns the stack's cost in whole micro-dollars, rounded.
func micro(s StackSpend) int64 {
	m := s.Cost.Round(6)
	units, ok := m.Units()
	if !ok {
		return 0
	}
	return units / 1e6 // Money units are 10^-12
}
