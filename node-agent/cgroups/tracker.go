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
	// UnseenOOMKills is set on a pod's own cgroup (ContainerID "", no other
	// field set): OOM kills that the pod's hierarchical memory.events
	// counted in the interval but no container cgroup the tracker read did.
	// They are kills of containers whose cgroup the runtime removed between
	// two samples (a container whose main process is OOM-killed exits, and
	// its cgroup goes with it); the kernel does not say which container, so
	// the caller names it (from the pod's container statuses).
	UnseenOOMKills int
}

// Tracker turns cumulative counters into per-interval usage. Call Sample
// every few seconds (memory is a gauge: its average and peak come from the
// samples) and Interval once per interval. It is safe for concurrent use.
//
// OOM kills are counted where the kernel counts them, in the memory.events
// of the killed process's container cgroup; in cgroup v2 the count also goes
// up every ancestor's memory.events, the pod's included. Each sample reads a
// pod's counter before its containers', so every kill in the pod's count is
// also in a container's count read after it, unless that container's
// cgroup is gone: the pod's count less the kills seen at its containers
// (both since tracking began) is what no container showed. In cgroup v1,
// or with the memory_localevents mount option, a pod's count is its own
// only and nothing is recovered this way.
type Tracker struct {
	mu      sync.Mutex
	mounts  Mounts
	started bool
	known   map[string]*tracked
	pods    map[string]*trackedPod // by pod UID
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

// trackedPod follows a pod cgroup's hierarchical OOM kill counter.
type trackedPod struct {
	c        Container
	base     uint64 // the counter when tracking began (0 for a pod that appeared since)
	last     uint64
	inKids   uint64 // kills counted at the pod's containers since tracking began
	reported uint64 // unseen kills already reported
	seen     bool
}

// NewTracker returns a tracker over the hierarchies in m.
func NewTracker(m Mounts) *Tracker {
	return &Tracker{mounts: m, known: map[string]*tracked{}, pods: map[string]*trackedPod{}}
}

// Sample discovers containers and records a memory sample of each.
func (t *Tracker) Sample() {
	containers, pods := t.mounts.discover()
	t.mu.Lock()
	defer t.mu.Unlock()
	// Pods first: a kill in a pod's count read now is in its container's
	// count read below, if the container's cgroup is still there.
	for _, c := range pods {
		st, err := t.mounts.Read(c.Path)
		if err != nil || !st.HasMemory {
			continue
		}
		p := t.pods[c.PodUID]
		if p == nil {
			p = &trackedPod{}
			if !t.started {
				p.base = st.OOMKills
			}
			t.pods[c.PodUID] = p
		}
		p.c, p.last, p.seen = c, st.OOMKills, true
	}
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
			k.last = k.base
			t.known[c.Path] = k
		}
		if p := t.pods[c.PodUID]; p != nil && st.OOMKills > k.last.OOMKills {
			p.inKids += st.OOMKills - k.last.OOMKills
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
// are reported with their usage up to the last sample, then forgotten. Pods
// with OOM kills no container showed are reported too (UnseenOOMKills).
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
	for uid, p := range t.pods {
		if !p.seen {
			delete(t.pods, uid)
			continue
		}
		p.seen = false
		if unseen := int64(p.last-p.base) - int64(p.inKids) - int64(p.reported); unseen > 0 {
			out = append(out, Usage{Container: p.c, UnseenOOMKills: int(unseen)})
			p.reported += uint64(unseen)
		}
	}
	return out
}

// DefaultSampleEvery is how often callers should call Sample.
const DefaultSampleEvery = 2 * time.Second
