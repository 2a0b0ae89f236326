package cgroups

import (
	"sync"
	"time"
)

// Usage is one container's usage over an interval.
type Usage struct {
	Container
	CPUSeconds       float64 // core-seconds
	ThrottledSeconds float64
	WorkingSetAvg    int64 // bytes
	WorkingSetMax    int64
	RSSMax           int64
	OOMKills         int
	HasMemory        bool
}

// Tracker turns cumulative counters into per-interval usage. Call Sample
// every few seconds (memory is a gauge: its average and peak come from the
// samples) and Interval once per interval. It is safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	mounts  Mounts
	started bool
	known   map[string]*tracked
}

type tracked struct {
	c         Container
	base      Stats // counters at the start of the interval
	last      Stats
	seen      bool // readable in the current interval
	memSum    float64
	memN      int
	memMax    int64
	rssMax    int64
	hasMemory bool
}

// NewTracker returns a tracker over the hierarchies in m.
func NewTracker(m Mounts) *Tracker { return &Tracker{mounts: m, known: map[string]*tracked{}} }

// Sample discovers containers and records a memory sample of each.
func (t *Tracker) Sample() {
	containers := t.mounts.Discover()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range containers {
		st, err := t.mounts.Read(c.Path)
		if err != nil {
			continue // exited between discovery and reading
		}
		k := t.known[c.Path]
		if k == nil {
			k = &tracked{c: c}
			// A container that appears after the first sample started since:
			// all its CPU time belongs to this interval. One that was there
			// at the first sample is measured from then.
			if !t.started {
				k.base = st
			}
			t.known[c.Path] = k
		}
		k.c, k.last, k.seen = c, st, true
		if st.HasMemory {
			ws := st.WorkingSet()
			k.hasMemory = true
			k.memSum += float64(ws)
			k.memN++
			k.memMax = max(k.memMax, ws)
			k.rssMax = max(k.rssMax, st.RSS)
		}
	}
	t.started = true
}

// Interval takes a last sample and returns each container's usage since the
// previous call, then starts the next interval. Containers that vanished
// are reported with their usage up to the last sample, then forgotten.
func (t *Tracker) Interval() []Usage {
	t.Sample()
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Usage
	for path, k := range t.known {
		if !k.seen { // gone since the previous interval
			delete(t.known, path)
			continue
		}
		u := Usage{Container: k.c, HasMemory: k.hasMemory}
		cpu := k.last.CPU - k.base.CPU
		if cpu < 0 { // counter reset (cgroup recreated)
			cpu = k.last.CPU
		}
		u.CPUSeconds = cpu.Seconds()
		if th := k.last.Throttled - k.base.Throttled; th > 0 {
			u.ThrottledSeconds = th.Seconds()
		}
		if k.memN > 0 {
			u.WorkingSetAvg = int64(k.memSum / float64(k.memN))
			u.WorkingSetMax, u.RSSMax = k.memMax, k.rssMax
		}
		if d := int64(k.last.OOMKills) - int64(k.base.OOMKills); d > 0 {
			u.OOMKills = int(d)
		}
		out = append(out, u)
		*k = tracked{c: k.c, base: k.last, last: k.last}
	}
	return out
}

// DefaultSampleEvery is how often callers should call Sample.
const DefaultSampleEvery = 2 * time.Second
