package attribution

import (
	"fmt"

	"github.com/tallyhq/tally"
)

// StackCost is the CPU cost a workload's container spent on one stack in one
// hour: the container's CPU cost times the stack's share of the container's
// CPU samples in that hour, summed over the workload's pods. Unsymbolized
// frames stay in the stacks as [unknown], so an hour's stack costs sum to the
// container's CPU cost in the hour if it was profiled. The store keeps their
// daily sums for reading.
type StackCost struct {
	Cluster      tally.ClusterID
	Hour         tally.Hour
	Namespace    string
	WorkloadKind string
	Workload     string
	Container    string
	Image        string
	StackID      int64
	Cost         tally.Money // effective (amortized) cost
	Samples      int64
}

type stackKey struct {
	cluster                                     tally.ClusterID
	namespace, kind, workload, container, image string
	stack                                       int64
}

type containerHour struct {
	cluster   tally.ClusterID
	pod       string
	container string
	hour      tally.Hour
}

// stackCosts splits the CPU cost of a run's hours by their samples.
type stackCosts struct {
	samples map[containerHour][]tally.FunctionSample
	pods    map[podKey]*tally.Pod
}

type podKey struct {
	cluster tally.ClusterID
	uid     string
}

func newStackCosts(samples []tally.FunctionSample, pods []tally.Pod) *stackCosts {
	s := &stackCosts{
		samples: make(map[containerHour][]tally.FunctionSample),
		pods:    make(map[podKey]*tally.Pod, len(pods)),
	}
	for _, fs := range samples {
		k := containerHour{fs.Cluster, fs.PodUID, fs.Container, fs.Hour}
		s.samples[k] = append(s.samples[k], fs)
	}
	for i := range pods {
		s.pods[podKey{pods[i].Ref.Cluster, pods[i].Ref.UID}] = &pods[i]
	}
	return s
}

// hour splits each container's CPU cost in the hour's allocations by its
// samples, and appends the hour's stack costs to out.
func (s *stackCosts) hour(out []StackCost, h tally.Hour, allocs []tally.Allocation) ([]StackCost, error) {
	if len(s.samples) == 0 {
		return out, nil
	}
	cpu := map[containerHour]tally.Money{}
	for i := range allocs {
		a := &allocs[i]
		if a.CostKind != tally.CostCPU || a.PodUID == "" {
			continue
		}
		k := containerHour{a.Cluster, a.PodUID, a.Container, h}
		v, err := cpu[k].Add(a.EffectiveCost)
		if err != nil {
			return out, err
		}
		cpu[k] = v
	}
	rows := map[stackKey]*StackCost{}
	for k, cost := range cpu {
		samples := s.samples[k]
		if len(samples) == 0 {
			continue
		}
		weights := make([]uint64, len(samples))
		for i, fs := range samples {
			weights[i] = uint64(max(fs.Samples, 0))
		}
		parts, err := cost.Split(weights)
		if err != nil {
			continue // no samples counted: nothing to split
		}
		p := s.pods[podKey{k.cluster, k.pod}]
		if p == nil {
			return out, fmt.Errorf("samples of pod %s in cluster %s, which has no metadata", k.pod, k.cluster)
		}
		w := p.Workload()
		image := ""
		for _, c := range p.Containers {
			if c.Name == k.container {
				image = c.Image
			}
		}
		for i, fs := range samples {
			sk := stackKey{k.cluster, w.Namespace, w.Kind, w.Name, k.container, image, fs.StackID}
			row := rows[sk]
			if row == nil {
				row = &StackCost{Cluster: k.cluster, Hour: h, Namespace: w.Namespace, WorkloadKind: w.Kind, Workload: w.Name,
					Container: k.container, Image: image, StackID: fs.StackID, Cost: tally.Zero(cost.Currency())}
				rows[sk] = row
			}
			if row.Cost, err = row.Cost.Add(parts[i]); err != nil {
				return out, err
			}
			row.Samples += fs.Samples
		}
	}
	for _, r := range rows {
		out = append(out, *r)
	}
	return out, nil
}
