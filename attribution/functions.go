package attribution

import (
	"errors"
	"fmt"
	"time"

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

// WorkloadCPU is the CPU cost of a workload's container in an hour, summed
// over its pods: what its stack costs in the hour split, and more where
// some of its pods were not profiled.
type WorkloadCPU struct {
	Cluster      tally.ClusterID
	Hour         tally.Hour
	Namespace    string
	WorkloadKind string
	Workload     string
	Container    string
	Cost         tally.Money
}

// workloadContainer is a workload's container in an hour: the key of
// WorkloadCPU, and of the stack costs it split.
type workloadContainer struct {
	cluster                              tally.ClusterID
	hour                                 tally.Hour
	namespace, kind, workload, container string
}

// stackCosts splits the CPU cost of a run's hours by their samples, or,
// for the hours before samplesPruned, whose samples were dropped, as their
// saved stack costs split the CPU cost saved with them.
type stackCosts struct {
	samples map[containerHour][]tally.FunctionSample
	pods    map[podKey]*tally.Pod

	samplesPruned time.Time
	saved         map[workloadContainer][]StackCost
	savedCPU      map[workloadContainer]tally.Money
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

// withSaved makes s split the CPU cost of the hours before samplesPruned
// by stacks, the stack costs saved for them, and cpu, the CPU cost those
// split.
func (s *stackCosts) withSaved(samplesPruned time.Time, stacks []StackCost, cpu []WorkloadCPU) *stackCosts {
	s.samplesPruned = samplesPruned
	s.saved = make(map[workloadContainer][]StackCost)
	s.savedCPU = make(map[workloadContainer]tally.Money, len(cpu))
	for _, st := range stacks {
		k := workloadContainer{st.Cluster, st.Hour, st.Namespace, st.WorkloadKind, st.Workload, st.Container}
		s.saved[k] = append(s.saved[k], st)
	}
	for _, c := range cpu {
		s.savedCPU[workloadContainer{c.Cluster, c.Hour, c.Namespace, c.WorkloadKind, c.Workload, c.Container}] = c.Cost
	}
	return s
}

// hour splits each container's CPU cost in the hour's allocations by its
// samples, and appends the hour's stack costs to out.
func (s *stackCosts) hour(out []StackCost, h tally.Hour, allocs []tally.Allocation) ([]StackCost, error) {
	if h.Start().Before(s.samplesPruned) {
		return s.hourFromSaved(out, h, allocs)
	}
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

// hourFromSaved splits the CPU cost of each workload's container in the
// hour's allocations as its saved stack costs split the CPU cost saved with
// them, and appends the results to out: the stacks take the same shares of
// the new cost, and the part of the old cost no stack took (pods not
// profiled) stays unsplit. Where the saved costs are all zero (the hour
// cost nothing then: unbilled, say), the stacks split the whole new cost by
// their samples.
func (s *stackCosts) hourFromSaved(out []StackCost, h tally.Hour, allocs []tally.Allocation) ([]StackCost, error) {
	cpu := map[workloadContainer]tally.Money{}
	for i := range allocs {
		a := &allocs[i]
		k := workloadContainer{a.Cluster, h, a.Namespace, a.WorkloadKind, a.Workload, a.Container}
		if a.CostKind != tally.CostCPU || a.PodUID == "" || s.saved[k] == nil {
			continue
		}
		v, err := cpu[k].Add(a.EffectiveCost)
		if err != nil {
			return out, err
		}
		cpu[k] = v
	}
	for k, cost := range cpu {
		stacks := s.saved[k]
		// The last weight is the old cost no stack took.
		weights := make([]uint64, len(stacks)+1)
		var took uint64
		for i, st := range stacks {
			weights[i] = unitsOf(st.Cost)
			took += weights[i]
		}
		weights[len(stacks)] = unitsOf(s.savedCPU[k]) - min(took, unitsOf(s.savedCPU[k]))
		parts, err := cost.Split(weights)
		if errors.Is(err, tally.ErrZeroWeights) {
			for i, st := range stacks {
				weights[i] = uint64(max(st.Samples, 0))
			}
			parts, err = cost.Split(weights)
		}
		if errors.Is(err, tally.ErrZeroWeights) {
			continue // no cost and no samples saved: nothing to split by
		}
		if err != nil {
			return out, err
		}
		for i, st := range stacks {
			st.Cost = parts[i]
			out = append(out, st)
		}
	}
	return out, nil
}

// unitsOf returns m in 10^-tally.Scale units, as a weight: 0 for a
// negative amount, or one too large for an int64.
func unitsOf(m tally.Money) uint64 {
	n, ok := m.Units()
	if !ok || n < 0 {
		return 0
	}
	return uint64(n)
}
