package rightsizing

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// ContainerInput is one container of one workload to recommend for.
type ContainerInput struct {
	Workload  tally.WorkloadRef
	Container string
	// ContainerKind is tally.ContainerRegular or tally.ContainerSidecar (a
	// native sidecar, whose patch goes under initContainers). Classic init
	// containers run to completion and are not right-sized (see
	// Recommendable).
	ContainerKind string
	// Position is the container's place in its list of the pod's spec,
	// counted from 1 (spec.containers, or spec.initContainers for a native
	// sidecar); 0 when not known. A custom kind's patch addresses the
	// container by it.
	Position int
	History  History
	// Replicas is the workload's average number of running pods (see
	// AverageReplicas): below 1 for pods that run part of the time, such as a
	// CronJob's. Savings are per replica times Replicas.
	Replicas float64
	// HPASource says where History.HPA came from: HPASourceAgent or
	// HPASourceFlag ("" without one).
	HPASource string
}

// ContainerResult is the recommendation for one container of a workload,
// priced at the workload's unit prices.
type ContainerResult struct {
	Workload  tally.WorkloadRef `json:"workload"`
	Container string            `json:"container"`
	// ContainerKind is "" for a container of spec.containers, "sidecar"
	// for a native sidecar (spec.initContainers, restartPolicy Always).
	ContainerKind string `json:"containerKind,omitempty"`
	// Position is ContainerInput.Position: counted from 1, 0 when not
	// known.
	Position       int            `json:"position,omitempty"`
	Strategy       string         `json:"strategy"`
	Replicas       float64        `json:"replicas"`
	Current        Resources      `json:"current"`
	Recommendation Recommendation `json:"recommendation"`
	Prices         UnitPrices     `json:"prices"`
	MonthlySavings tally.Money    `json:"monthlySavings"`
	// ReplicasVary is the 10th and 90th percentiles of its replica count
	// over time when they are far apart and no HPA is known: an
	// autoscaler seems to scale it (see RecommendContainers).
	ReplicasVary []int `json:"replicasVary,omitempty"`
	// HPA is the autoscaler the recommendation was made for, nil without
	// one; HPASource says where it came from (HPASourceAgent: the node
	// agents reported it; HPASourceFlag: --hpa, which overrides theirs).
	HPA       *HPA   `json:"hpa,omitempty"`
	HPASource string `json:"hpaSource,omitempty"`
}

// Target names the container as recommendations are stored:
// cluster/namespace/Kind/name/container.
func (c *ContainerResult) Target() string {
	w := c.Workload
	return string(w.Cluster) + "/" + w.Namespace + "/" + w.Kind + "/" + w.Name + "/" + c.Container
}

// RecommendContainers recommends every input with r and prices the savings
// with pricer; a workload the pricer cannot price is an error.
func RecommendContainers(inputs []ContainerInput, r Recommender, pricer Pricer, now time.Time) ([]ContainerResult, error) {
	out := make([]ContainerResult, 0, len(inputs))
	for _, in := range inputs {
		rec := r.Recommend(in.History, now)
		prices, err := pricer.UnitPrices(in.Workload)
		if err != nil {
			return nil, fmt.Errorf("price %s: %w", in.Workload, err)
		}
		replicas := max(in.Replicas, 0)
		saving, err := MonthlySavings(in.History.Current, rec.Resources, replicas, prices)
		if err != nil {
			return nil, fmt.Errorf("savings of %s/%s: %w", in.Workload, in.Container, err)
		}
		if h := in.History.HPA; h != nil {
			switch {
			case h.CPUTargetUtilization == 0 && h.MemoryTargetUtilization == 0:
				rec.Notes = append(rec.Notes, fmt.Sprintf("an HPA scales it on metrics other than CPU and memory utilization: the requests do not set its replica count; "+
					"replicas %.1f on average, savings assume it keeps that count", replicas))
			case h.CPUTargetUtilization > 0:
				rec.Notes = append(rec.Notes, fmt.Sprintf("replicas %.1f on average; savings assume the HPA keeps that count", replicas))
			}
			if h.OtherMetrics && (h.CPUTargetUtilization > 0 || h.MemoryTargetUtilization > 0) {
				rec.Notes = append(rec.Notes, "the HPA also scales on metrics other than CPU and memory utilization: its replica count follows them too")
			}
		}
		res := ContainerResult{Workload: in.Workload, Container: in.Container, ContainerKind: in.ContainerKind, Position: in.Position, Strategy: r.Name(),
			Replicas: replicas, Current: in.History.Current, Recommendation: rec, Prices: prices, MonthlySavings: saving.Round(2)}
		if in.History.HPA != nil {
			res.HPA, res.HPASource = in.History.HPA, in.HPASource
		}
		if k := in.Workload.Kind; in.History.HPA == nil && k != tally.KindJob && k != tally.KindCronJob && k != tally.KindDaemonSet {
			if low, high := ReplicaRange(&in.History); high >= low+2 && float64(high) >= 1.5*float64(low) {
				// Not told of an autoscaler, but one seems to scale it: a
				// smaller CPU request makes an HPA on CPU add replicas.
				res.ReplicasVary = []int{low, high}
				res.Recommendation.Notes = append(res.Recommendation.Notes, fmt.Sprintf(
					"replicas ranged from %d to %d (10th to 90th percentile over time): an autoscaler seems to scale it; if an HPA scales it on CPU or memory, "+
						"a smaller request makes it add replicas, so the request must keep usage at its target utilization and the saving is not certain", low, high))
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// containerRisk is the stored risk document of a container recommendation.
type containerRisk struct {
	ConfidenceDays float64   `json:"confidenceDays"`
	Lower          Resources `json:"lower"`
	Upper          Resources `json:"upper"`
	Notes          []string  `json:"notes,omitempty"`
}

// containerState is the stored current or recommended state.
type containerState struct {
	Resources
	Replicas float64    `json:"replicas"`
	Prices   UnitPrices `json:"prices"`
	Strategy string     `json:"strategy,omitempty"`
	// ContainerKind is "sidecar" for a native sidecar: its resources are
	// set under spec.initContainers.
	ContainerKind string `json:"containerKind,omitempty"`
}

// Record returns the result as a stored recommendation of kind
// tally.RecommendContainer.
func (c *ContainerResult) Record(now time.Time) (tally.Recommendation, error) {
	cur, err := json.Marshal(containerState{Resources: c.Current, Replicas: c.Replicas, Prices: c.Prices, ContainerKind: c.ContainerKind})
	if err != nil {
		return tally.Recommendation{}, err
	}
	rec, err := json.Marshal(containerState{Resources: c.Recommendation.Resources, Replicas: c.Replicas, Prices: c.Prices, Strategy: c.Strategy,
		ContainerKind: c.ContainerKind})
	if err != nil {
		return tally.Recommendation{}, err
	}
	risk, err := json.Marshal(containerRisk{ConfidenceDays: c.Recommendation.Confidence, Lower: c.Recommendation.Lower,
		Upper: c.Recommendation.Upper, Notes: c.Recommendation.Notes})
	if err != nil {
		return tally.Recommendation{}, err
	}
	return tally.Recommendation{Kind: tally.RecommendContainer, Target: c.Target(), CreatedAt: now,
		MonthlySavings: c.MonthlySavings, Current: cur, Recommended: rec, Risk: risk, Explanation: c.Explain()}, nil
}

// Recommendable reports whether a container of kind (a tally.Container
// kind) is right-sized: the pod's containers and its native sidecars run
// for the pod's lifetime; a classic init container runs to completion
// before them, so a request sized from its minutes of usage means little
// (VPA and KRR leave init containers alone too).
func Recommendable(kind string) bool { return kind != tally.ContainerInit }

// Explain says in one line what changes and why.
func (c *ContainerResult) Explain() string {
	r := c.Recommendation.Resources
	var b strings.Builder
	if c.ContainerKind == tally.ContainerSidecar {
		b.WriteString("native sidecar (initContainers): ")
	}
	fmt.Fprintf(&b, "CPU request %s, ", CPUChange(c.Current.CPURequest, r.CPURequest))
	if c.Current.CPULimit > 0 || r.CPULimit > 0 {
		// Said when there is one before or after: the patch removes a CPU
		// limit the recommendation drops (cpu: null).
		fmt.Fprintf(&b, "CPU limit %s, ", CPUChange(c.Current.CPULimit, r.CPULimit))
	}
	fmt.Fprintf(&b, "memory request %s, memory limit %s (%s, %s of history)",
		MemoryChange(c.Current.MemoryRequest, r.MemoryRequest), MemoryChange(c.Current.MemoryLimit, r.MemoryLimit), c.Strategy, FormatHistory(c.Recommendation.Confidence))
	for _, n := range c.Recommendation.Notes {
		b.WriteString("; ")
		b.WriteString(n)
	}
	return b.String()
}

// CPUChange says a CPU request before → after in millicores, 0 as none.
func CPUChange(before, after float64) string {
	return setOrNone(before, Millicores(before)) + " → " + setOrNone(after, Millicores(after))
}

// MemoryChange says an amount of memory before → after in one unit, 0 as none.
func MemoryChange(before, after int64) string {
	s := MemoryIn(before, after)
	return setOrNone(float64(before), s[0]) + " → " + setOrNone(float64(after), s[1])
}

// Record returns the plan as a stored recommendation of kind tally.RecommendNode.
func (p *NodePlan) Record(now time.Time) (tally.Recommendation, error) {
	current := map[string]any{"nodes": p.Current, "monthly": p.CurrentMonthly}
	planned := map[string]any{"nodes": p.Planned, "monthly": p.PlannedMonthly,
		"cpuUtilization": p.CPUUtilization, "memoryUtilization": p.MemoryUtilization}
	if a := p.Averaged; a != nil {
		// The amounts are averages over the history: the nodes that ran on
		// average, beside the nodes at the end and at the peak.
		current["averageNodes"], planned["averageNodes"], current["over"] = a.CurrentNodes, a.PlannedNodes, a.Over
	}
	if c := p.Committed; c != nil {
		// The commitments covering the nodes, and the savings after they end.
		current["commitments"], planned["commitments"] = c.Commitments, c
	}
	if p.Zones != nil {
		planned["zones"] = p.Zones
	}
	if p.Kept != nil {
		planned["kept"] = p.Kept
	}
	cur, err := json.Marshal(current)
	if err != nil {
		return tally.Recommendation{}, err
	}
	rec, err := json.Marshal(planned)
	if err != nil {
		return tally.Recommendation{}, err
	}
	risk, err := json.Marshal(map[string]any{"unplaced": p.Unplaced})
	if err != nil {
		return tally.Recommendation{}, err
	}
	return tally.Recommendation{Kind: tally.RecommendNode, Target: string(p.Cluster) + "/" + p.Group, CreatedAt: now,
		MonthlySavings: p.MonthlySavings.Round(2), Current: cur, Recommended: rec, Risk: risk, Explanation: p.Explanation}, nil
}
