package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// unprofiledCPU is the CPU cost of a workload's containers without CPU
// profiles over a functions view's window: its functions, costed from
// profiles, leave it out of their total.
type unprofiledCPU struct {
	CPUCost tally.Money `json:"cpuCost"`
	// Containers are the containers, each in one cluster, largest cost
	// first.
	Containers []unprofiledContainer `json:"containers"`
}

// unprofiledContainer is a container of the workload, in a cluster, with
// CPU cost and no CPU profiles.
type unprofiledContainer struct {
	Cluster   tally.ClusterID `json:"cluster"`
	Container string          `json:"container"`
	CPUCost   tally.Money     `json:"cpuCost"`
}

// unprofiled returns the CPU cost of the containers of f's workload (its
// cluster and container, when f names them) that have none of their CPU
// profiles costed over the days of f's window, in cur when there is none. A
// view of an image is of the containers that ran it, which have profiles:
// the others are not the view's, and none is returned.
func (s *Server) unprofiled(ctx context.Context, f attribution.StackFilter, cur tally.Currency) (unprofiledCPU, error) {
	u := unprofiledCPU{CPUCost: tally.Zero(cur), Containers: []unprofiledContainer{}}
	if s.allocs == nil || f.Image != "" {
		return u, nil
	}
	costs, err := s.containerCPU(ctx, f)
	if err != nil {
		return u, err
	}
	profiled, err := s.funcs.ProfiledContainers(ctx, f)
	if err != nil {
		return u, err
	}
	for _, p := range profiled {
		delete(costs, p)
	}
	for c, cost := range costs {
		if cost.Sign() <= 0 {
			continue
		}
		if u.CPUCost, err = u.CPUCost.Add(cost); err != nil {
			return u, fmt.Errorf("CPU cost of %s/%s without profiles: %w", f.Namespace, f.Workload, err)
		}
		u.Containers = append(u.Containers, unprofiledContainer{Cluster: c.Cluster, Container: c.Container, CPUCost: cost})
	}
	slices.SortFunc(u.Containers, func(a, b unprofiledContainer) int {
		larger, _ := b.CPUCost.Cmp(a.CPUCost) // in one currency: their sum is
		return cmp.Or(larger, cmp.Compare(a.Container, b.Container), cmp.Compare(a.Cluster, b.Cluster))
	})
	return u, nil
}

// containerCPU returns the CPU cost of each container of f's workload over
// f's window, by cluster and container name.
func (s *Server) containerCPU(ctx context.Context, f attribution.StackFilter) (map[attribution.ProfiledContainer]tally.Money, error) {
	rows, err := s.allocs.AllocationRows(ctx, workloadQuery(f, attribution.Dimension{Field: "container"}))
	if err != nil {
		return nil, fmt.Errorf("CPU cost of the containers of %s/%s: %w", f.Namespace, f.Workload, err)
	}
	prefix := f.Namespace + "/" + f.Workload + "/"
	costs := map[attribution.ProfiledContainer]tally.Money{}
	for _, r := range rows {
		if !ownRow(r) || r.CostKind != tally.CostCPU || len(r.Keys) == 0 {
			continue
		}
		name, ok := strings.CutPrefix(r.Keys[0], prefix)
		if !ok {
			continue
		}
		c := attribution.ProfiledContainer{Cluster: tally.ClusterID(r.Cluster), Container: name}
		if costs[c], err = costs[c].Add(r.Cost); err != nil {
			return nil, fmt.Errorf("CPU cost of %s%s in %s: %w", prefix, name, r.Cluster, err)
		}
	}
	return costs, nil
}
