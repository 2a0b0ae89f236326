package rightsizing

import (
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/tallyhq/tally"
)

// Step is the length of the usage windows recommenders read: CPU is the
// average over a window, memory the peak working set in it (as Autopilot
// aggregates usage into 5-minute windows).
const Step = 5 * time.Minute

// MiB and GiB in bytes.
const (
	MiB = 1 << 20
	GiB = 1 << 30
)

// Sample is one replica's usage of one container over one window [Start, Start+Step).
type Sample struct {
	Start      time.Time
	CPU        float64 // average cores over the window
	MemoryPeak int64   // peak working set (bytes) in the window
	// Measured is how long the usage was measured over, from Start. A
	// window with usage stands for the whole window at least; usage
	// measured in intervals longer than Step (an agent shipping each hour,
	// an hourly import) is one sample that stands for its whole interval.
	Measured time.Duration
}

// span returns how long s stands for: Measured, and at least Step.
func (s Sample) span() time.Duration { return max(s.Measured, Step) }

// Resources are a container's requests and limits. A zero limit means none.
type Resources struct {
	CPURequest    float64 `json:"cpuRequestCores"`
	CPULimit      float64 `json:"cpuLimitCores,omitempty"`
	MemoryRequest int64   `json:"memoryRequestBytes"`
	MemoryLimit   int64   `json:"memoryLimitBytes,omitempty"`
}

// OOMEvent is a container killed for exceeding its memory limit.
type OOMEvent struct {
	At     time.Time
	Memory int64 // the working set when it was killed (its limit, or the peak seen)
}

// HPA describes a HorizontalPodAutoscaler that scales the workload.
type HPA struct {
	// CPUTargetUtilization is the HPA's target average CPU utilization as a
	// fraction of the request (0.7 for 70%); 0 when it does not scale on CPU.
	CPUTargetUtilization float64 `json:"cpuTargetUtilization,omitempty"`
	// MemoryTargetUtilization likewise for memory; 0 when it does not scale on memory.
	MemoryTargetUtilization float64 `json:"memoryTargetUtilization,omitempty"`
	MinReplicas             int     `json:"minReplicas,omitempty"`
	MaxReplicas             int     `json:"maxReplicas,omitempty"`
	// OtherMetrics says it also scales on metrics other than CPU and
	// memory utilization (as its agent reported it): its replica count
	// follows them too.
	OtherMetrics bool `json:"otherMetrics,omitempty"`
}

// Where a workload's HPA was learnt (ContainerResult.HPASource).
const (
	HPASourceAgent = "agent" // the node agents reported it (tally.PodHPA)
	HPASourceFlag  = "flag"  // tally rightsize --hpa named it
)

// HPAOf returns the autoscaler an agent reported (target utilizations in
// percent of the requests), or nil for none.
func HPAOf(h *tally.PodHPA) *HPA {
	if h == nil {
		return nil
	}
	return &HPA{CPUTargetUtilization: float64(h.CPUUtilization) / 100, MemoryTargetUtilization: float64(h.MemoryUtilization) / 100,
		MinReplicas: h.MinReplicas, MaxReplicas: h.MaxReplicas, OtherMetrics: h.OtherMetrics}
}

// History is what a recommender sees of one container of one workload:
// every replica's usage windows, pooled, so recommendations are per replica.
type History struct {
	// Samples are the usage windows of all replicas, ordered by Start
	// (replicas share Starts).
	Samples []Sample
	// Current are the container's requests and limits now.
	Current Resources
	// OOMs are the OOM kills seen in the history.
	OOMs []OOMEvent
	// HPA is the autoscaler scaling the workload, or nil.
	HPA *HPA
}

// Span returns the time the samples cover.
func (h *History) Span() time.Duration {
	if len(h.Samples) == 0 {
		return 0
	}
	last := h.Samples[len(h.Samples)-1]
	return last.Start.Add(last.span()).Sub(h.Samples[0].Start)
}

// Since returns the history restricted to samples and OOMs at or after t.
func (h History) Since(t time.Time) History {
	i := 0
	for i < len(h.Samples) && h.Samples[i].Start.Before(t) {
		i++
	}
	out := h
	out.Samples = h.Samples[i:]
	out.OOMs = nil
	for _, o := range h.OOMs {
		if !o.At.Before(t) {
			out.OOMs = append(out.OOMs, o)
		}
	}
	return out
}

// Recommendation is a recommender's answer for one container.
type Recommendation struct {
	Resources Resources `json:"recommended"`
	// Lower and Upper bound the recommendation; they widen when history is short.
	Lower Resources `json:"lower"`
	Upper Resources `json:"upper"`
	// Confidence is in days of history (VPA's measure): min(history span in
	// days, samples ÷ samples per day). Bounds widen by 1/Confidence; the
	// recommended requests do not. Below MinConfidentDays the
	// recommendation is low confidence (see LowConfidence).
	Confidence float64 `json:"confidenceDays"`
	// Notes say what shaped the recommendation (HPA, OOM bump, trend, minimums).
	Notes []string `json:"notes,omitempty"`
	// OOMKills counts the OOM kills in the history it was made from: the
	// container needed more memory than its limit.
	OOMKills int `json:"oomKills,omitempty"`
}

// MinConfidentDays is the least history, in days of confidence, that a
// recommendation is confident with. Below it the recommendation says it is
// low confidence (the dashboard rates it high risk): requests follow the
// little usage seen, and the bounds are wide.
const MinConfidentDays = 3

// LowConfidence reports whether the recommendation stands on less history
// than MinConfidentDays.
func (r *Recommendation) LowConfidence() bool { return r.Confidence < MinConfidentDays }

// FormatHistory formats days of history (a confidence) for people: hours
// below a day ("1.0 hours"), days otherwise ("14.0 days"), rounded down to
// a tenth, so that history under MinConfidentDays never reads as 3.0 days.
func FormatHistory(days float64) string {
	n, unit := historyTenths(days)
	return n + " " + unit
}

// FormatHistoryShort is FormatHistory for a table column: "14.0d", "1.0h".
func FormatHistoryShort(days float64) string {
	n, unit := historyTenths(days)
	return n + unit[:1]
}

func historyTenths(days float64) (string, string) {
	v, unit := days, "days"
	if days < 1 {
		v, unit = days*24, "hours"
	}
	// Down to a tenth (with a margin for float error: 1/24 of a day is 1.0 hours).
	return strconv.FormatFloat(math.Floor(v*10+1e-6)/10, 'f', 1, 64), unit
}

// Recommender recommends resources for one container from its history, at now.
type Recommender interface {
	Name() string
	Recommend(h History, now time.Time) Recommendation
}

// confidence is how much history backs a recommendation, in days: the span
// of the history, discounted when its samples stand for less time than two
// days of one replica would (a CronJob that runs an hour every 6 hours for
// a week has a week of evidence; a pod that lived 20 minutes has almost
// none).
func confidence(h *History) float64 {
	var measured time.Duration
	for _, s := range h.Samples {
		measured += s.span()
	}
	return h.Span().Hours() / 24 * min(1, measured.Hours()/48)
}

// AverageReplicas is the average number of the workload's pods running over
// [from, to): the time the history's samples in that span stand for (one
// sample per pod and window; see Sample.Measured), clipped to the span,
// over the span's length. It is below 1 for pods that run part of the
// time, such as a CronJob's, and 0 for an empty span.
func AverageReplicas(h *History, from, to time.Time) float64 {
	if !to.After(from) {
		return 0
	}
	var running time.Duration
	for _, s := range h.Samples {
		if !s.Start.Before(from) && s.Start.Before(to) {
			end := s.Start.Add(s.span())
			if end.After(to) {
				end = to
			}
			running += end.Sub(s.Start)
		}
	}
	return running.Seconds() / to.Sub(from).Seconds()
}

// ReplicaRange returns how many of the workload's pods ran together over
// the history's samples, low and high: the 10th and 90th percentiles over
// time of the number of samples covering each moment (each sample stands
// for its span). Pods replaced in a rollout overlap briefly and move
// neither; an autoscaler that scales the workload with its load moves
// both apart.
func ReplicaRange(h *History) (low, high int) {
	type event struct {
		at time.Time
		d  int
	}
	events := make([]event, 0, 2*len(h.Samples))
	for _, s := range h.Samples {
		events = append(events, event{s.Start, 1}, event{s.Start.Add(s.span()), -1})
	}
	slices.SortFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	ran := map[int]time.Duration{} // replicas → how long that many ran
	var total time.Duration
	n := 0
	for i, e := range events {
		if i > 0 && n > 0 {
			d := e.at.Sub(events[i-1].at)
			ran[n] += d
			total += d
		}
		n += e.d
	}
	if total == 0 {
		return 0, 0
	}
	counts := make([]int, 0, len(ran))
	for c := range ran {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	var run time.Duration
	low, high = -1, -1
	for _, c := range counts {
		run += ran[c]
		if low < 0 && run >= total/10 {
			low = c
		}
		if high < 0 && run >= total*9/10 {
			high = c
		}
	}
	return low, high
}
