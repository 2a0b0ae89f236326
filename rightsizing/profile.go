package rightsizing

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Profile is Tally's recommender: a set of parameters for how close to
// measured usage requests and limits may go. The three built-in profiles
// trade savings against risk; every parameter is documented on the field.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`

	// History is how far back usage is read.
	History time.Duration `json:"history"`

	// CPUPercentile of the decaying histogram of 5-minute CPU averages
	// becomes the CPU request, after CPUMargin.
	CPUPercentile float64       `json:"cpuPercentile"`
	CPUHalfLife   time.Duration `json:"cpuHalfLife"`
	CPUMargin     float64       `json:"cpuMargin"` // +10% is 0.10
	// CPUTrendHorizon: when the daily CPU percentile grows steadily, the
	// request covers it extrapolated this far ahead.
	CPUTrendHorizon time.Duration `json:"cpuTrendHorizon"`
	// CPULimitRatio sets a CPU limit of request × ratio; 0 sets none (the
	// default: CPU limits throttle a container even when the node is idle).
	CPULimitRatio float64 `json:"cpuLimitRatio,omitempty"`

	// MemoryPercentile of the decaying histogram of 5-minute peak working
	// sets becomes the memory request, after MemoryMargin.
	MemoryPercentile float64       `json:"memoryPercentile"`
	MemoryHalfLife   time.Duration `json:"memoryHalfLife"`
	MemoryMargin     float64       `json:"memoryMargin"`
	// MemoryLimitMargin puts the memory limit at the highest peak in the
	// history × (1 + margin): limits kill, so they cover every peak seen.
	MemoryLimitMargin float64 `json:"memoryLimitMargin"`
	// TrendHorizon: when daily memory peaks grow steadily (a leak, a growing
	// cache), the limit covers the peak extrapolated this far ahead.
	TrendHorizon time.Duration `json:"trendHorizon"`

	// OOMBumpRatio and OOMBumpMin: after an OOM kill at M bytes, request and
	// limit are at least max(M × ratio, M + min) (VPA's rule).
	OOMBumpRatio float64 `json:"oomBumpRatio"`
	OOMBumpMin   int64   `json:"oomBumpMinBytes"`

	// MinCPU and MinMemory are floors for the request of any container.
	MinCPU    float64 `json:"minCpuCores"`
	MinMemory int64   `json:"minMemoryBytes"`

	// RequestWidening and LimitWidening widen the bounds when the history is
	// short, as VPA's confidence multipliers do; the requests themselves are
	// the percentiles with their margins whatever the history's length. The
	// lower bounds of the requests are × (1 + RequestWidening ÷ confidence
	// days)^-2 (VPA's lower-bound rule, with 0.001 there); the memory limit,
	// and with it the upper bound of memory, is × (1 + LimitWidening ÷
	// confidence days): limits kill, so they cover more than the little seen
	// (but the limit rises at most to the container's current one).
	// The upper bound of CPU is × (1 + 1 ÷ confidence days), as VPA's.
	RequestWidening float64 `json:"requestWidening"`
	LimitWidening   float64 `json:"limitWidening"`
}

// The built-in profiles.
var (
	// Production keeps requests near the top of observed usage and memory
	// requests at the highest peak: for latency-sensitive services.
	Production = Profile{
		Name:        "production",
		Description: "CPU p99 +10%; memory request at the highest 5-minute peak +10%, limit +40%; 14 days, 72 h half-life",
		History:     14 * 24 * time.Hour, CPUPercentile: 0.99, CPUHalfLife: 72 * time.Hour, CPUMargin: 0.10,
		CPUTrendHorizon: 48 * time.Hour, MemoryPercentile: 1.0, MemoryHalfLife: 72 * time.Hour, MemoryMargin: 0.10,
		MemoryLimitMargin: 0.40, TrendHorizon: 7 * 24 * time.Hour, OOMBumpRatio: 1.2, OOMBumpMin: 100e6,
		MinCPU: 0.025, MinMemory: 128 * MiB, RequestWidening: 0.2, LimitWidening: 1,
	}
	// Balanced is the default: KRR's CPU percentile, made to follow drift
	// (decay, trend), with memory requests below the rare peaks and limits
	// well above them.
	Balanced = Profile{
		Name:        "balanced",
		Description: "CPU p95; memory request p99 of 5-minute peaks +5%, limit highest peak +30% and trend; 14 days, 72 h half-life",
		History:     14 * 24 * time.Hour, CPUPercentile: 0.95, CPUHalfLife: 72 * time.Hour, CPUMargin: 0,
		CPUTrendHorizon: 12 * time.Hour, MemoryPercentile: 0.99, MemoryHalfLife: 72 * time.Hour, MemoryMargin: 0,
		MemoryLimitMargin: 0.30, TrendHorizon: 3 * 24 * time.Hour, OOMBumpRatio: 1.2, OOMBumpMin: 100e6,
		MinCPU: 0.010, MinMemory: 64 * MiB, RequestWidening: 0.05, LimitWidening: 0.5,
	}
	// Aggressive packs tightest: for batch and development workloads.
	Aggressive = Profile{
		Name:        "aggressive",
		Description: "CPU p90; memory request p95 of 5-minute peaks, limit highest peak +20% and trend; 7 days, 24 h half-life",
		History:     7 * 24 * time.Hour, CPUPercentile: 0.90, CPUHalfLife: 24 * time.Hour, CPUMargin: 0,
		CPUTrendHorizon: 24 * time.Hour, MemoryPercentile: 0.95, MemoryHalfLife: 24 * time.Hour, MemoryMargin: 0,
		MemoryLimitMargin: 0.20, TrendHorizon: 2 * 24 * time.Hour, OOMBumpRatio: 1.2, OOMBumpMin: 100e6,
		MinCPU: 0.005, MinMemory: 32 * MiB, RequestWidening: 0.05, LimitWidening: 0.25,
	}
)

// Profiles are the built-in profiles, most conservative first.
var Profiles = []Profile{Production, Balanced, Aggressive}

// ProfileByName returns the built-in profile called name.
func ProfileByName(name string) (Profile, error) {
	for _, p := range Profiles {
		if p.Name == name {
			return p, nil
		}
	}
	names := make([]string, len(Profiles))
	for i, p := range Profiles {
		names[i] = p.Name
	}
	return Profile{}, fmt.Errorf("profile %q: want one of %s", name, strings.Join(names, ", "))
}

// Validate checks the parameters are in range.
func (p Profile) Validate() error {
	switch {
	case p.History <= 0:
		return fmt.Errorf("profile %s: history must be positive", p.Name)
	case p.CPUPercentile <= 0 || p.CPUPercentile > 1, p.MemoryPercentile <= 0 || p.MemoryPercentile > 1:
		return fmt.Errorf("profile %s: percentiles must be in (0, 1]", p.Name)
	case p.CPUMargin < 0, p.MemoryMargin < 0, p.MemoryLimitMargin < 0, p.RequestWidening < 0, p.LimitWidening < 0:
		return fmt.Errorf("profile %s: margins must not be negative", p.Name)
	case p.OOMBumpRatio < 1:
		return fmt.Errorf("profile %s: the OOM bump ratio must be at least 1", p.Name)
	}
	return nil
}

// RecommenderName is the profile's name as a strategy: tally-<profile>.
func (p Profile) RecommenderName() string { return "tally-" + p.Name }

// profileRecommender adapts a Profile to the Recommender interface.
type profileRecommender struct{ p Profile }

// Recommender returns the profile as a Recommender named tally-<profile>.
func (p Profile) Recommender() Recommender { return profileRecommender{p} }

func (r profileRecommender) Name() string { return r.p.RecommenderName() }

func (r profileRecommender) Recommend(h History, now time.Time) Recommendation {
	return r.p.Recommend(h, now)
}

// Recommend recommends requests and limits for one container.
func (p Profile) Recommend(h History, now time.Time) Recommendation {
	h = h.Since(now.Add(-p.History))
	var rec Recommendation
	if len(h.Samples) == 0 {
		rec.Resources, rec.Lower, rec.Upper = h.Current, h.Current, h.Current
		rec.Notes = append(rec.Notes, "no usage in the history: keep the current resources")
		return rec
	}
	conf := max(confidence(&h), 1.0/24)
	rec.Confidence = conf
	// Short history widens the bounds and the memory limit, never the
	// requests: a request from an hour of usage is that hour's percentile,
	// marked low confidence, not a multiple of it.
	lowerWiden := math.Pow(1+p.RequestWidening/conf, -2)
	limWiden := 1 + p.LimitWidening/conf

	cpu := NewHistogram(CPUHistogramOptions(p.CPUHalfLife))
	mem := NewHistogram(MemoryHistogramOptions(p.MemoryHalfLife))
	var peak int64
	for _, s := range h.Samples {
		cpu.Add(s.CPU, 1, s.Start)
		mem.Add(float64(s.MemoryPeak), 1, s.Start)
		peak = max(peak, s.MemoryPeak)
	}

	// CPU.
	cpuTarget := cpu.Quantile(p.CPUPercentile)
	cpuReq := cpuTarget * (1 + p.CPUMargin)
	if grown, ok := dailyTrend(h.Samples, dayCPUPercentile(p.CPUPercentile), p.CPUTrendHorizon); ok && grown > cpuTarget {
		cpuTarget = grown
		cpuReq = max(cpuReq, grown*(1+p.CPUMargin))
		rec.Notes = append(rec.Notes, fmt.Sprintf("CPU usage grows steadily: the request covers p%s usage extrapolated %s ahead", pct(p.CPUPercentile), fmtDuration(p.CPUTrendHorizon)))
	}
	rec.Lower.CPURequest = cpu.Quantile(0.5) * lowerWiden
	rec.Upper.CPURequest = cpu.Quantile(max(p.CPUPercentile, 0.99)) * (1 + p.CPUMargin) * (1 + 1/conf)
	if hpa := h.HPA; hpa != nil && hpa.CPUTargetUtilization > 0 {
		// Per-replica usage at the percentile should sit at the HPA's target
		// utilization: below it the HPA would add replicas for nothing, and
		// the request must not shrink so far that every replica looks busy.
		hpaReq := cpuTarget / hpa.CPUTargetUtilization
		if hpaReq > cpuReq {
			cpuReq = hpaReq
		}
		rec.Notes = append(rec.Notes, fmt.Sprintf(
			"HPA scales on CPU at %.0f%% utilization: the request is set from per-replica usage so that p%s usage sits at the target; the HPA keeps choosing the replica count",
			hpa.CPUTargetUtilization*100, pct(p.CPUPercentile)))
	}

	// Memory.
	memReq := mem.Quantile(p.MemoryPercentile) * (1 + p.MemoryMargin)
	seen := float64(peak) * (1 + p.MemoryLimitMargin)
	memUpper := seen * limWiden
	memLim := shortHistoryLimit(seen, memUpper, h.Current.MemoryLimit)
	rec.Lower.MemoryRequest = int64(mem.Quantile(0.5) * lowerWiden)
	if grown, ok := dailyTrend(h.Samples, dayPeak, p.TrendHorizon); ok && grown > float64(peak) {
		memLim = max(memLim, grown*(1+p.MemoryLimitMargin))
		memReq = max(memReq, min(grown, memLim))
		rec.Notes = append(rec.Notes, fmt.Sprintf("memory peaks grow steadily: the limit covers the peak extrapolated %s ahead", fmtDuration(p.TrendHorizon)))
	}
	if n := len(h.OOMs); n > 0 {
		rec.OOMKills = n
		var at int64
		for _, o := range h.OOMs {
			at = max(at, o.Memory)
		}
		need := max(float64(at)*p.OOMBumpRatio, float64(at+p.OOMBumpMin))
		memLim = max(memLim, need)
		memReq = max(memReq, min(need, memLim))
		amounts := MemoryIn(roundMemory(float64(at)), roundMemory(need))
		rec.Notes = append(rec.Notes, fmt.Sprintf("%d OOM kill(s) at up to %s: request and limit raised to at least %s", n, amounts[0], amounts[1]))
	}
	if hpa := h.HPA; hpa != nil && hpa.MemoryTargetUtilization > 0 {
		memReq = max(memReq, mem.Quantile(p.MemoryPercentile)/hpa.MemoryTargetUtilization)
		rec.Notes = append(rec.Notes, fmt.Sprintf("HPA scales on memory at %.0f%% utilization: the memory request keeps p%s usage at the target", hpa.MemoryTargetUtilization*100, pct(p.MemoryPercentile)))
	}
	memLim = max(memLim, memReq)
	rec.Upper.MemoryRequest = int64(max(memLim, memUpper))

	// Floors.
	if cpuReq < p.MinCPU {
		cpuReq = p.MinCPU
		rec.Notes = append(rec.Notes, fmt.Sprintf("CPU request raised to the minimum %s", Millicores(p.MinCPU)))
	}
	if memReq < float64(p.MinMemory) {
		memReq = float64(p.MinMemory)
		rec.Notes = append(rec.Notes, fmt.Sprintf("memory request raised to the minimum %s", MemoryIn(p.MinMemory)[0]))
	}
	memLim = max(memLim, memReq)

	rec.Resources = Resources{CPURequest: roundCPU(cpuReq), MemoryRequest: roundMemory(memReq), MemoryLimit: roundMemory(memLim)}
	if p.CPULimitRatio > 0 {
		rec.Resources.CPULimit = roundCPU(rec.Resources.CPURequest * p.CPULimitRatio)
	}
	rec.Lower.CPURequest = roundCPU(rec.Lower.CPURequest)
	rec.Upper.CPURequest = roundCPU(max(rec.Upper.CPURequest, rec.Resources.CPURequest))
	rec.Lower.MemoryRequest = roundMemory(float64(rec.Lower.MemoryRequest))
	rec.Upper.MemoryRequest = roundMemory(max(float64(rec.Upper.MemoryRequest), float64(rec.Resources.MemoryLimit)))
	rec.Lower.MemoryLimit, rec.Upper.MemoryLimit = rec.Resources.MemoryLimit, rec.Upper.MemoryRequest
	switch {
	case conf < MinConfidentDays:
		rec.Notes = append(rec.Notes, fmt.Sprintf("low confidence: only %s of history, under the %d days a confident recommendation needs: requests follow the usage seen so far; bounds and limits widened",
			FormatHistory(conf), MinConfidentDays))
	case conf < 7:
		rec.Notes = append(rec.Notes, fmt.Sprintf("only %s of history: bounds and limits widened", FormatHistory(conf)))
	}
	return rec
}

// shortHistoryLimit returns the memory limit from the peak seen with its
// margin (seen) and the same widened for short history (widened). The
// widening stands for peaks not seen yet, not for evidence: it raises the
// limit at most to the container's current limit, under which it already
// runs (one hour of 300 MiB peaks does not make a 4 GiB limit 17 GiB). A
// container without a limit gets the widened one.
func shortHistoryLimit(seen, widened float64, current int64) float64 {
	if current <= 0 {
		return widened
	}
	return max(seen, min(widened, float64(current)))
}

func pct(p float64) string { return fmt.Sprintf("%g", p*100) }

func fmtDuration(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
