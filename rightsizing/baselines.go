package rightsizing

import (
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// VPA is the Kubernetes Vertical Pod Autoscaler recommender with its default
// flags, as a baseline: CPU p90 of a decaying histogram of usage samples
// weighted by max(request, 0.1 core); memory p90 of a decaying histogram of
// per-day peaks over 8 days; half-life 24 h; +15% safety margin; an OOM kill
// at M adds a peak of max(M + 100 MB, M × 1.2); pod minimums 25 mCPU and
// 250 MiB; limits scaled to keep the original limit/request ratio.
type VPA struct{}

// Name implements Recommender.
func (VPA) Name() string { return "vpa" }

// VPA defaults.
const (
	vpaHalfLife       = 24 * time.Hour
	vpaMemoryInterval = 24 * time.Hour
	vpaMemoryHistory  = 8 * vpaMemoryInterval
	vpaMargin         = 0.15
	vpaMinCPU         = 0.025
	vpaMinMemory      = 250 * MiB
	vpaMinCPUWeight   = 0.1
)

// Recommend implements Recommender.
func (VPA) Recommend(h History, now time.Time) Recommendation {
	var rec Recommendation
	if len(h.Samples) == 0 {
		rec.Resources = h.Current
		return rec
	}
	rec.Confidence = confidence(&h)
	cpu := NewHistogram(CPUHistogramOptions(vpaHalfLife))
	for _, s := range h.Samples {
		cpu.Add(s.CPU, max(h.Current.CPURequest, vpaMinCPUWeight), s.Start)
	}
	mem := NewHistogram(MemoryHistogramOptions(vpaHalfLife))
	since := now.Add(-vpaMemoryHistory)
	peaks := map[time.Time]int64{}
	for _, s := range h.Samples {
		if s.Start.Before(since) {
			continue
		}
		d := s.Start.Truncate(vpaMemoryInterval)
		peaks[d] = max(peaks[d], s.MemoryPeak)
	}
	for _, o := range h.OOMs {
		if o.At.Before(since) {
			continue
		}
		d := o.At.Truncate(vpaMemoryInterval)
		bump := int64(max(float64(o.Memory)*1.2, float64(o.Memory+100e6)))
		peaks[d] = max(peaks[d], bump)
	}
	days := make([]time.Time, 0, len(peaks))
	for d := range peaks {
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	for _, d := range days {
		mem.Add(float64(peaks[d]), 1, d.Add(vpaMemoryInterval))
	}
	cpuReq := max(cpu.Percentile(0.9)*(1+vpaMargin), vpaMinCPU)
	memReq := max(mem.Percentile(0.9)*(1+vpaMargin), vpaMinMemory)
	rec.Resources = proportionalLimits(h.Current, roundCPU(cpuReq), roundMemory(memReq))
	rec.Lower.CPURequest = roundCPU(cpu.Percentile(0.5) * (1 + vpaMargin))
	rec.Upper.CPURequest = roundCPU(cpu.Percentile(0.95) * (1 + vpaMargin) * (1 + 1/max(rec.Confidence, 1.0/24)))
	return rec
}

// proportionalLimits sets requests and scales the original limits by the
// same factor, as VPA does by default (RequestsAndLimits); no limit stays none.
func proportionalLimits(cur Resources, cpu float64, mem int64) Resources {
	r := Resources{CPURequest: cpu, MemoryRequest: mem}
	if cur.CPULimit > 0 && cur.CPURequest > 0 {
		r.CPULimit = roundCPU(cpu * cur.CPULimit / cur.CPURequest)
	}
	if cur.MemoryLimit > 0 && cur.MemoryRequest > 0 {
		r.MemoryLimit = roundMemory(float64(mem) * float64(cur.MemoryLimit) / float64(cur.MemoryRequest))
	}
	return r
}

// KRR is Robusta KRR's "simple" strategy with its defaults, as a baseline:
// over 14 days, CPU request = p95 of usage and no CPU limit; memory request
// = limit = the highest usage + 15%; after an OOM kill at M, memory ≥ M ×
// 1.25; fewer than 100 points leave the container as it is; minimums 10 mCPU
// and 100 MB.
type KRR struct{}

// Name implements Recommender.
func (KRR) Name() string { return "krr" }

// KRR defaults.
const (
	krrHistory   = 14 * 24 * time.Hour
	krrMinPoints = 100
	krrMinCPU    = 0.010
	krrMinMemory = 100e6
)

// Recommend implements Recommender.
func (KRR) Recommend(h History, now time.Time) Recommendation {
	h = h.Since(now.Add(-krrHistory))
	var rec Recommendation
	if len(h.Samples) < krrMinPoints {
		rec.Resources = h.Current
		rec.Notes = []string{"fewer than 100 points: no recommendation"}
		return rec
	}
	rec.Confidence = confidence(&h)
	cpus := make([]float64, len(h.Samples))
	var peak int64
	for i, s := range h.Samples {
		cpus[i] = s.CPU
		peak = max(peak, s.MemoryPeak)
	}
	slices.Sort(cpus)
	cpu := stat.Quantile(0.95, stat.Empirical, cpus, nil)
	mem := float64(peak) * 1.15
	for _, o := range h.OOMs {
		mem = max(mem, float64(o.Memory)*1.25)
	}
	m := roundMemory(max(mem, krrMinMemory))
	rec.Resources = Resources{CPURequest: roundCPU(max(cpu, krrMinCPU)), MemoryRequest: m, MemoryLimit: m}
	return rec
}
