package tally

import "fmt"

// Bounds of what Tally keeps of a HorizontalPodAutoscaler: larger replica
// counts and target utilizations are no configuration a cluster runs.
const (
	// MaxHPAReplicas bounds an HPA's minReplicas and maxReplicas.
	MaxHPAReplicas = 10000
	// MaxHPAUtilization bounds a target utilization, in percent of the
	// request (above 100 is valid: usage may exceed a request up to its
	// limit).
	MaxHPAUtilization = 1000
)

// PodAutoscaling is what scales the replica count of a pod's workload, as
// the agent sees it. A non-nil PodAutoscaling with a nil HPA says no
// HorizontalPodAutoscaler targets the workload.
type PodAutoscaling struct {
	// HPA is the autoscaling/v2 HorizontalPodAutoscaler whose
	// scaleTargetRef is the pod's workload, or nil.
	HPA *PodHPA `json:"hpa,omitempty"`
}

// PodHPA is a HorizontalPodAutoscaler reduced to what right-sizing reads:
// its replica bounds and its Resource metrics' target average utilization
// of cpu and memory, in percent of the pods' requests.
type PodHPA struct {
	Name string `json:"name"`
	// MinReplicas and MaxReplicas bound the replica count; 0 when unknown.
	MinReplicas int `json:"minReplicas,omitempty"`
	MaxReplicas int `json:"maxReplicas,omitempty"`
	// CPUUtilization is the target averageUtilization of its cpu Resource
	// metric (70 for 70%); 0 when it does not scale on CPU utilization.
	CPUUtilization int `json:"cpuUtilization,omitempty"`
	// MemoryUtilization likewise for memory.
	MemoryUtilization int `json:"memoryUtilization,omitempty"`
	// OtherMetrics says it also scales on metrics Tally does not read
	// (Pods, Object, External, ContainerResource metrics, or a Resource
	// target by value): its replica count follows more than CPU and memory
	// utilization.
	OtherMetrics bool `json:"otherMetrics,omitempty"`
}

// Clean returns the usable part of a — its HPA with replica bounds and
// target utilizations in range — and why each other part was dropped: a
// bad replica bound leaves both unknown (0); a bad target counts as a
// metric Tally does not read (OtherMetrics). It never fails: HPAs are
// cluster objects, which Tally does not control.
func (a *PodAutoscaling) Clean() (*PodAutoscaling, []string) {
	if a == nil {
		return nil, nil
	}
	if a.HPA == nil {
		return &PodAutoscaling{}, nil
	}
	h := *a.HPA
	var dropped []string
	if h.MinReplicas != 0 || h.MaxReplicas != 0 {
		if h.MinReplicas < 1 || h.MaxReplicas > MaxHPAReplicas || h.MinReplicas > h.MaxReplicas {
			dropped = append(dropped, fmt.Sprintf("hpa: minReplicas %d and maxReplicas %d are not 1 ≤ min ≤ max ≤ %d", h.MinReplicas, h.MaxReplicas, MaxHPAReplicas))
			h.MinReplicas, h.MaxReplicas = 0, 0
		}
	}
	for _, t := range []struct {
		name string
		pct  *int
	}{{"cpuUtilization", &h.CPUUtilization}, {"memoryUtilization", &h.MemoryUtilization}} {
		if *t.pct != 0 && (*t.pct < 1 || *t.pct > MaxHPAUtilization) {
			dropped = append(dropped, fmt.Sprintf("hpa.%s: %d is not within 1 … %d (counted as a metric Tally does not read)", t.name, *t.pct, MaxHPAUtilization))
			*t.pct, h.OtherMetrics = 0, true
		}
	}
	return &PodAutoscaling{HPA: &h}, dropped
}
