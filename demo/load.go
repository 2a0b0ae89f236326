package demo

import (
	"math"
	"time"

	"github.com/tallyhq/tally"
)

// Everything here is a pure function of the seed, the workload and the
// hour, so the simulation, the agent batches and the ground truth agree and
// can be computed in any order.

// hourTime returns the start of hour h of the window.
func (o *org) hourTime(h int) time.Time { return o.start.Add(time.Duration(h) * time.Hour) }

// load returns a workload's load-driven CPU demand (cores, all replicas
// together; per pod for DaemonSets) in hour h.
func (o *org) load(w *workload, h int) float64 {
	t := o.hourTime(h)
	l := w.Load
	growth := o.growth(l.Growth, t)
	weekly := 1.0
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		weekly = l.Weekend
	}
	// A smooth daily cycle with its peak at PeakHour and trough twelve hours earlier.
	phase := 2 * math.Pi * float64(t.Hour()-l.PeakHour) / 24
	diurnal := l.Night + (1-l.Night)*(0.5+0.5*math.Cos(phase))
	if l.Night == 0 && l.Weekend == 0 {
		diurnal, weekly = 1, 1 // jobs: constant demand
	}
	return l.PeakCores * growth * weekly * diurnal * noise(l.Noise, o.seed, w.id, uint64(h), 1)
}

// growth is the relative demand at t of something growing by g over 90
// days. It is anchored to the window's end, so the last days look the same
// whatever the window's length (a short window still reaches the OOM).
func (o *org) growth(g float64, t time.Time) float64 {
	days := t.Sub(o.end.AddDate(0, 0, -90)).Hours() / 24
	return math.Max(0.3, 1+g*days/90)
}

// regressed reports whether the pod runs the slower version of the
// regression's workload.
func (o *org) regressed(p *pod) bool {
	return p.w.regressAt > 0 && p.Version >= p.w.regressAt
}

// cpuFactor is the relative CPU cost of a container of pod p.
func (o *org) cpuFactor(p *pod, c *containerSpec) float64 {
	if o.regressed(p) && c.Name == o.regression.Container {
		return o.regression.Factor
	}
	return 1
}

// podRequestCores is the sum of a pod's CPU requests.
func podRequestCores(w *workload) float64 {
	var s float64
	for _, c := range w.Containers {
		s += c.CPUReq
	}
	return s
}

// desiredReplicas is what the workload's controller asks for in hour h.
func (o *org) desiredReplicas(w *workload, h int) int {
	if w.HPA == nil {
		return w.Replicas
	}
	// The HPA sees the pods' total CPU, including a regression once deployed.
	f := 1.0
	if w.regressAt > 0 && !o.hourTime(h).Before(o.regression.at) {
		for _, c := range w.Containers {
			if c.Name == o.regression.Container {
				f += c.CPUShare * (o.regression.Factor - 1)
			}
		}
	}
	n := int(math.Ceil(o.load(w, h) * f / (w.HPA.Target * podRequestCores(w))))
	return max(w.HPA.Min, min(w.HPA.Max, n))
}

// refPerPod is the per-pod load at which a container's working set is
// MemBase + MemLoad.
func refPerPod(w *workload) float64 {
	switch {
	case w.Kind == kindDaemonSet || w.Cron != nil:
		return w.Load.PeakCores
	case w.HPA != nil:
		return w.HPA.Target * podRequestCores(w)
	default:
		return w.Load.PeakCores / float64(w.Replicas)
	}
}

// perPodLoad is the load-driven CPU demand of one pod in hour h.
func (o *org) perPodLoad(p *pod, h int) float64 {
	w := p.w
	switch {
	case w.Cron != nil:
		return podRequestCores(w) * w.Cron.Util * noise(0.04, o.seed, p.hash, 3)
	case w.Kind == kindDaemonSet:
		return o.load(w, h)
	case w.Kind == tally.KindStatefulSet:
		n := float64(w.Replicas)
		skew := 1 + 0.12*(float64(p.Ordinal)-(n-1)/2)/n
		return o.load(w, h) / n * skew
	default:
		return o.load(w, h) / float64(max(1, o.desiredReplicas(w, h)))
	}
}

// ctrUsage is a container's usage over its presence in one hour.
type ctrUsage struct {
	cpuSec    float64 // core-seconds
	wsAvg     int64   // bytes
	wsMax     int64   // bytes
	rssMax    int64   // bytes
	oomKills  int
	throttled float64 // seconds
}

// containerUsage computes container ci of pod p in hour h, present secs seconds.
func (o *org) containerUsage(p *pod, ci int, h int, secs int64) ctrUsage {
	c := &p.w.Containers[ci]
	per := o.perPodLoad(p, h)
	cores := (c.CPUFixed + c.CPUShare*per*o.cpuFactor(p, c)) * noise(0.05, o.seed, p.hash, uint64(ci), uint64(h), 2)
	var u ctrUsage
	if c.CPULim > 0 && cores > 0.97*c.CPULim {
		u.throttled = math.Round((cores-0.97*c.CPULim)*float64(secs)*1000) / 1000
		cores = 0.97 * c.CPULim
	}
	u.cpuSec = math.Round(cores*float64(secs)*1000) / 1000

	lf := per / refPerPod(p.w)
	ws := (float64(c.MemBase) + float64(c.MemLoad)*lf) * noise(0.03, o.seed, p.hash, uint64(ci), uint64(h), 4)
	peak := ws * c.MemPeakFactor * noise(0.025, o.seed, p.hash, uint64(ci), uint64(h), 5)
	if c.MemLim > 0 && peak > float64(c.MemLim) {
		// The kernel OOM-kills the container at its limit; it restarts
		// and rebuilds its working set.
		over := (peak - float64(c.MemLim)) / float64(16*mi)
		u.oomKills = 1 + min(2, int(over))
		peak = float64(c.MemLim)
		ws = math.Min(ws, 0.93*float64(c.MemLim))
	}
	if c.MemLim > 0 && ws > float64(c.MemLim) {
		ws = float64(c.MemLim)
	}
	u.wsAvg = pageRound(ws)
	u.wsMax = max(pageRound(peak), u.wsAvg)
	u.rssMax = pageRound(float64(u.wsMax) * 0.86)
	return u
}

// pageRound rounds bytes to 4 KiB pages.
func pageRound(b float64) int64 { return int64(math.Round(b/4096)) * 4096 }

// hostUsage is the usage of the node's own processes (outside pods).
func (o *org) hostUsage(n *node, name string, h int, secs int64) ctrUsage {
	var cores, mem float64
	switch name {
	case "host/kubelet":
		cores, mem = 0.045, float64(165*mi)
	default:
		cores, mem = 0.015, float64(70*mi)
	}
	k := strHash(name)
	cores *= noise(0.15, o.seed, n.hash, k, uint64(h))
	mem *= noise(0.04, o.seed, n.hash, k, uint64(h), 1)
	ws := pageRound(mem)
	return ctrUsage{cpuSec: math.Round(cores*float64(secs)*1000) / 1000, wsAvg: ws, wsMax: pageRound(mem * 1.05), rssMax: pageRound(mem * 0.9)}
}
