package rightsizing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Patterns the trace generator knows, each a kind of workload seen in real clusters.
var Patterns = []string{"steady", "diurnal", "spiky", "growing", "batch", "leak"}

// GenerateOptions configure GenerateTrace.
type GenerateOptions struct {
	Seed       uint64
	Start      time.Time // first window (default 2026-01-05T00:00:00Z, a Monday)
	Days       int       // length of the trace (default 28)
	PerPattern int       // containers of each pattern (default 3)
}

// GenerateTrace returns a deterministic synthetic trace: for each pattern,
// PerPattern containers with 5-minute usage windows and hand-set requests
// and limits (mostly too large, some too small, as people set them):
//
//	steady   flat CPU and memory with noise
//	diurnal  a daily cycle of CPU (and some memory) with quieter weekends
//	spiky    low CPU with bursts of 4–12× (1% of windows start one), and a
//	         few times a month a memory spike of 1.3–1.8×
//	growing  CPU growing 2–5% and memory 1–5% a day (traffic growth)
//	batch    a CronJob: a pod every 4, 6 or 12 h for 30–120 min, CPU and
//	         memory ramping up to a high plateau; no samples between runs
//	leak     memory leaking 15–60 MiB an hour until a deploy
//	         (every 3–10 days) or the memory limit restarts the container
//
// The same options always give the same trace.
func GenerateTrace(o GenerateOptions) *Trace {
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	if o.Days <= 0 {
		o.Days = 28
	}
	if o.PerPattern <= 0 {
		o.PerPattern = 3
	}
	t := &Trace{}
	for pi, pattern := range Patterns {
		for i := 0; i < o.PerPattern; i++ {
			r := rand.New(rand.NewPCG(o.Seed, uint64(pi*1000+i)))
			g := &generator{r: r, start: o.Start, windows: o.Days * 288}
			c := g.container(pattern)
			c.ID = fmt.Sprintf("%s-%02d", pattern, i+1)
			t.Containers = append(t.Containers, c)
		}
	}
	return t
}

type generator struct {
	r       *rand.Rand
	start   time.Time
	windows int
}

func (g *generator) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.r.Float64() }

// noise returns a lognormal factor with median 1.
func (g *generator) noise(sigma float64) float64 { return math.Exp(sigma * g.r.NormFloat64()) }

// daily returns the phase of a daily cycle peaking at 14:00 UTC, in [-1, 1].
func daily(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	return math.Sin(2 * math.Pi * (h - 8) / 24)
}

func weekend(t time.Time) bool { return t.Weekday() == time.Saturday || t.Weekday() == time.Sunday }

func (g *generator) container(pattern string) ContainerTrace {
	c := ContainerTrace{Samples: make([]Sample, g.windows)}
	for i := range c.Samples {
		c.Samples[i].Start = g.start.Add(time.Duration(i) * Step)
	}
	switch pattern {
	case "steady":
		cpu, mem := g.uniform(0.05, 0.5), g.uniform(100, 800)*MiB
		for i := range c.Samples {
			c.Samples[i].CPU = cpu * g.noise(0.15)
			c.Samples[i].MemoryPeak = int64(mem * g.noise(0.02))
		}
	case "diurnal":
		base, amp, mem := g.uniform(0.1, 0.8), g.uniform(0.4, 0.8), g.uniform(200, 1500)*MiB
		for i := range c.Samples {
			s := &c.Samples[i]
			load := 1 + amp*daily(s.Start)
			if weekend(s.Start) {
				load *= 0.6
			}
			s.CPU = base * load * g.noise(0.12)
			s.MemoryPeak = int64(mem * (1 + 0.1*(load-1)) * g.noise(0.02))
		}
	case "spiky":
		base, mem := g.uniform(0.03, 0.2), g.uniform(150, 600)*MiB
		spike, height, memSpike, memHeight := 0, 0.0, 0, 0.0
		for i := range c.Samples {
			s := &c.Samples[i]
			if spike == 0 && g.r.Float64() < 0.01 {
				spike, height = 1+g.r.IntN(4), g.uniform(4, 12)
			}
			if memSpike == 0 && g.r.Float64() < 0.0005 { // a rare large request: a few a month
				memSpike, memHeight = 1+g.r.IntN(3), g.uniform(1.3, 1.8)
			}
			s.CPU, s.MemoryPeak = base*g.noise(0.2), int64(mem*g.noise(0.02))
			if spike > 0 {
				s.CPU *= height
				s.MemoryPeak = int64(float64(s.MemoryPeak) * (1 + 0.02*height))
				spike--
			}
			if memSpike > 0 {
				s.MemoryPeak = int64(float64(s.MemoryPeak) * memHeight)
				memSpike--
			}
		}
	case "growing":
		cpu, mem := g.uniform(0.1, 0.6), g.uniform(200, 1000)*MiB
		cpuGrowth, memGrowth := g.uniform(0.02, 0.05), g.uniform(0.01, 0.05)
		for i := range c.Samples {
			s := &c.Samples[i]
			days := s.Start.Sub(g.start).Hours() / 24
			s.CPU = cpu * (1 + cpuGrowth*days) * (1 + 0.3*daily(s.Start)) * g.noise(0.12)
			s.MemoryPeak = int64(mem * (1 + memGrowth*days) * g.noise(0.02))
		}
	case "batch":
		// A CronJob: each run is a pod that exists only while the job runs.
		period := []time.Duration{4 * time.Hour, 6 * time.Hour, 12 * time.Hour}[g.r.IntN(3)]
		length := time.Duration(g.uniform(30, 120)) * time.Minute
		busy, jobMem, baseMem := g.uniform(0.8, 2.5), g.uniform(1, 4)*GiB, g.uniform(100, 200)*MiB
		var runs []Sample
		for i := range c.Samples {
			s := c.Samples[i]
			into := s.Start.Sub(g.start) % period
			if into >= length {
				continue
			}
			ramp := min(1, float64(into+Step)/float64(length/3))
			s.CPU = busy * (0.3 + 0.7*ramp) * g.noise(0.1)
			s.MemoryPeak = int64((baseMem + (jobMem-baseMem)*ramp) * g.noise(0.03))
			runs = append(runs, s)
		}
		c.Samples = runs
	case "leak":
		cpu, mem := g.uniform(0.1, 0.4), g.uniform(200, 500)*MiB
		rate := g.uniform(15, 60) * MiB // per hour
		deployEvery := time.Duration(g.uniform(3, 10) * 24 * float64(time.Hour))
		limit := roundTo(mem+rate*deployEvery.Hours()*g.uniform(0.7, 1.3), 256*MiB)
		c.Specs = []SpecPoint{{At: g.start, Resources: Resources{CPURequest: roundTo(cpu*g.uniform(2, 4), 0.05), MemoryRequest: int64(limit / 2), MemoryLimit: int64(limit)}}}
		restart := g.start
		for i := range c.Samples {
			s := &c.Samples[i]
			if s.Start.Sub(restart) >= deployEvery {
				restart = s.Start
			}
			s.CPU = cpu * (1 + 0.2*daily(s.Start)) * g.noise(0.12)
			m := (mem + rate*s.Start.Sub(restart).Hours()) * g.noise(0.01)
			if m >= limit*0.98 { // killed by the limit and restarted
				restart, m = s.Start, mem*g.noise(0.01)
			}
			s.MemoryPeak = int64(m)
		}
		return c
	default:
		panic("rightsizing: unknown pattern " + pattern)
	}
	c.Specs = []SpecPoint{{At: g.start, Resources: g.handSet(c.Samples)}}
	if pattern == "diurnal" && g.r.IntN(2) == 0 {
		// Someone raised the request mid-way after an incident.
		at := g.start.Add(time.Duration(g.windows/2) * Step)
		r := c.Specs[0].Resources
		r.CPURequest = roundTo(r.CPURequest*1.5, 0.05)
		c.Specs = append(c.Specs, SpecPoint{At: at, Resources: r})
	}
	return c
}

// handSet picks requests and limits as a person would from the first week:
// round numbers, mostly generous, now and then too tight.
func (g *generator) handSet(samples []Sample) Resources {
	week := samples
	if end := g.start.Add(7 * 24 * time.Hour); len(samples) > 0 {
		i := 0
		for i < len(samples) && samples[i].Start.Before(end) {
			i++
		}
		week = samples[:max(i, 1)]
	}
	cpus := make([]float64, len(week))
	var memMax int64
	for i, s := range week {
		cpus[i] = s.CPU
		memMax = max(memMax, s.MemoryPeak)
	}
	slices.Sort(cpus)
	cpuP95 := cpus[len(cpus)*95/100]
	cpuFactor, memFactor := g.uniform(1.2, 3), g.uniform(1.3, 2.5)
	if g.r.IntN(5) == 0 { // too tight
		cpuFactor, memFactor = g.uniform(0.6, 0.9), g.uniform(1.05, 1.2)
	}
	r := Resources{
		CPURequest:    roundTo(max(cpuP95*cpuFactor, 0.05), 0.05),
		MemoryRequest: int64(roundTo(float64(memMax)*memFactor, 64*MiB)),
	}
	switch g.r.IntN(3) {
	case 0: // Guaranteed-style memory
		r.MemoryLimit = r.MemoryRequest
	case 1:
		r.MemoryLimit = 2 * r.MemoryRequest
	}
	if g.r.IntN(2) == 0 {
		r.CPULimit = roundTo(r.CPURequest*2, 0.05)
	}
	return r
}

func roundTo(v, step float64) float64 { return math.Ceil(v/step) * step }
