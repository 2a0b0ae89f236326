// Package ship delivers the agent's data to the backend: it builds one pprof
// profile per container per interval (github.com/google/pprof/profile),
// encodes batches as gzip-compressed JSON (tally.AgentBatch) and POSTs them
// to /api/v1/ingest/agent with a bearer token. While the backend is away,
// batches wait in a bounded buffer (memory, spilling to disk); delivery
// retries with exponential backoff and jitter, and the oldest batch is
// dropped, and counted, only when the buffer is full.
package ship

import (
	"bytes"
	"compress/gzip"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
)

// StackCount is a stack (leaf first) and how many samples landed on it.
type StackCount struct {
	Frames []tally.Function
	Count  int64
}

// Labels are attached to every sample of a profile.
type Labels struct {
	Namespace, Pod, Container, Node string
}

// BuildProfile returns a CPU profile with sample types samples/count and
// cpu/nanoseconds; each sample carries the labels. periodNanos is the
// sampling period (1e9 / frequency).
func BuildProfile(l Labels, start, end time.Time, periodNanos int64, stacks []StackCount) *profile.Profile {
	p := &profile.Profile{
		SampleType:        []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		DefaultSampleType: "cpu",
		PeriodType:        &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:            periodNanos,
		TimeNanos:         start.UnixNano(),
		DurationNanos:     end.Sub(start).Nanoseconds(),
	}
	labels := map[string][]string{"node": {l.Node}, "container": {l.Container}}
	if l.Namespace != "" {
		labels["namespace"] = []string{l.Namespace}
	}
	if l.Pod != "" {
		labels["pod"] = []string{l.Pod}
	}
	mappings := map[string]*profile.Mapping{}
	functions := map[string]*profile.Function{}
	type locKey struct {
		module, name string
		offset       uint64
	}
	locations := map[locKey]*profile.Location{}
	for _, s := range stacks {
		sample := &profile.Sample{Value: []int64{s.Count, s.Count * periodNanos}, Label: labels}
		for _, f := range s.Frames {
			name := f.Name
			if name == "" {
				name = tally.UnknownFunction
			}
			k := locKey{module: f.Module, name: name}
			if name == tally.UnknownFunction {
				k.offset = f.Offset // unknown frames differ by offset; known ones by name
			}
			loc := locations[k]
			if loc == nil {
				m := mappings[f.Module]
				if m == nil && f.Module != "" {
					m = &profile.Mapping{ID: uint64(len(p.Mapping) + 1), File: f.Module}
					mappings[f.Module] = m
					p.Mapping = append(p.Mapping, m)
				}
				fnKey := f.Module + "\x00" + name
				if name == tally.UnknownFunction {
					fnKey = f.String()
				}
				fn := functions[fnKey]
				if fn == nil {
					display := name
					if name == tally.UnknownFunction {
						display = f.String()
					}
					fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: display, SystemName: name, Filename: f.Module}
					functions[fnKey] = fn
					p.Function = append(p.Function, fn)
				}
				loc = &profile.Location{ID: uint64(len(p.Location) + 1), Mapping: m, Address: k.offset, Line: []profile.Line{{Function: fn}}}
				locations[k] = loc
				p.Location = append(p.Location, loc)
			}
			sample.Location = append(sample.Location, loc)
		}
		p.Sample = append(p.Sample, sample)
	}
	return p
}

// EncodeProfile returns p gzip-compressed, as pprof files are (with a
// pooled compressor; profile.Write would allocate a new one each time).
func EncodeProfile(p *profile.Profile) ([]byte, error) {
	var buf bytes.Buffer
	if err := compress(&buf, func(zw *gzip.Writer) error { return p.WriteUncompressed(zw) }); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
