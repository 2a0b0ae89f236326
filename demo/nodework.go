package demo

import (
	"sort"
	"time"
)

// interval is one hour of a node: what the agent reports for it and what
// the instance was billed for.
type interval struct {
	h          int
	start, end time.Time // the agent's interval; start == end when the agent did not run
	billed     int64     // seconds the instance ran (was billed) in the hour
	entries    []entry
}

// entry is one container's (or host process's) usage in an interval.
type entry struct {
	p    *pod // nil for host processes
	ci   int
	host string
	secs int64
	u    ctrUsage
}

// hostProcesses are the node processes the agent reports outside pods.
var hostProcesses = []string{"host/kubelet", "host/containerd"}

// nodeIntervals computes a node's hourly usage over the window.
func (o *org) nodeIntervals(n *node) []interval {
	first, billed := o.billedHours(n)
	if len(billed) == 0 {
		return nil
	}
	nodeEnd := n.end(o.end)
	ivs := make([]interval, len(billed))
	for i, b := range billed {
		h := first + i
		hs := o.hourTime(h)
		s, e := latest(hs, n.Ready, o.start), earliest(hs.Add(time.Hour), nodeEnd)
		if !e.After(s) {
			s, e = hs, hs
		}
		ivs[i] = interval{h: h, start: s, end: e, billed: b}
	}
	for _, p := range n.pods {
		if p.Start.IsZero() {
			continue
		}
		ps, pe := latest(p.Start, o.start), earliest(p.end(o.end), nodeEnd)
		if !pe.After(ps) {
			continue
		}
		h0 := int(ps.Sub(o.start) / time.Hour)
		h1 := int((pe.Sub(o.start) - 1) / time.Hour)
		for h := h0; h <= h1; h++ {
			iv := &ivs[h-first]
			s, e := latest(ps, iv.start), earliest(pe, iv.end)
			if !e.After(s) {
				continue
			}
			secs := int64(e.Sub(s) / time.Second)
			for ci := range p.w.Containers {
				iv.entries = append(iv.entries, entry{p: p, ci: ci, secs: secs, u: o.containerUsage(p, ci, h, secs)})
			}
		}
	}
	for i := range ivs {
		iv := &ivs[i]
		secs := int64(iv.end.Sub(iv.start) / time.Second)
		if secs == 0 {
			continue
		}
		for _, name := range hostProcesses {
			iv.entries = append(iv.entries, entry{host: name, secs: secs, u: o.hostUsage(n, name, iv.h, secs)})
		}
		// The CPU cannot deliver more than its cores: under contention
		// every container gets proportionally less and is throttled.
		var used float64
		for _, e := range iv.entries {
			used += e.u.cpuSec
		}
		capacity := 0.98 * float64(n.typ.VCPU) * float64(secs)
		if used > capacity {
			f := capacity / used
			for k := range iv.entries {
				u := &iv.entries[k].u
				cut := u.cpuSec * (1 - f)
				u.cpuSec = roundMilli(u.cpuSec * f)
				if iv.entries[k].p != nil {
					u.throttled = roundMilli(u.throttled + cut)
				}
			}
		}
		sort.SliceStable(iv.entries, func(a, b int) bool {
			ea, eb := iv.entries[a], iv.entries[b]
			if (ea.p == nil) != (eb.p == nil) {
				return eb.p == nil
			}
			if ea.p != eb.p {
				return ea.p.Start.Before(eb.p.Start) || (ea.p.Start.Equal(eb.p.Start) && ea.p.UID < eb.p.UID)
			}
			return ea.ci < eb.ci || (ea.ci == eb.ci && ea.host < eb.host)
		})
	}
	return ivs
}

func roundMilli(v float64) float64 {
	return float64(int64(v*1000+0.5)) / 1000
}
