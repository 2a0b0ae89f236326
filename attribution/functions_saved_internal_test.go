package attribution

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestStackCostsFromSaved: in an hour whose samples were pruned, a
// container's new CPU cost is split as its saved stack costs split the old
// one, and the part no stack took (pods not profiled) stays unsplit; with
// nothing saved but samples (the hour cost nothing then), the stacks split
// all of it by their samples; a container with no saved stacks gets none,
// and hours from the prune on are split by their samples.
func TestStackCostsFromSaved(t *testing.T) {
	pruned := time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC)
	h := tally.HourOf(pruned.Add(-time.Hour))
	saved := func(workload string, stack int64, cost string, samples int64) StackCost {
		return StackCost{Cluster: "prod", Hour: h, Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: workload,
			Container: "app", Image: "shop/" + workload + ":1", StackID: stack, Cost: usd(cost), Samples: samples}
	}
	cpu := func(workload, cost string) WorkloadCPU {
		return WorkloadCPU{Cluster: "prod", Hour: h, Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: workload,
			Container: "app", Cost: usd(cost)}
	}
	alloc := func(workload, pod, cost string) tally.Allocation {
		return tally.Allocation{Cluster: "prod", Hour: h, Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: workload,
			PodUID: pod, Container: "app", CostKind: tally.CostCPU, EffectiveCost: usd(cost)}
	}
	s := newStackCosts(nil, nil).withSaved(pruned,
		[]StackCost{
			// api: two pods, one profiled; its stacks took 0.06 of 0.10.
			saved("api", 1, "0.045", 30), saved("api", 2, "0.015", 10),
			// batch: it cost nothing then.
			saved("batch", 3, "0", 1), saved("batch", 4, "0", 3),
		},
		[]WorkloadCPU{cpu("api", "0.10"), cpu("batch", "0")})
	got, err := s.hour(nil, h, []tally.Allocation{
		alloc("api", "a1", "0.08"), alloc("api", "a2", "0.12"), // 0.20 now
		alloc("batch", "b1", "0.04"),
		alloc("web", "w1", "0.50"), // no saved stacks
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, r := range got {
		rows = append(rows, fmt.Sprintf("%s %d %v %d", r.Workload, r.StackID, r.Cost, r.Samples))
	}
	slices.Sort(rows)
	want := []string{"api 1 0.09 USD 30", "api 2 0.03 USD 10", "batch 3 0.01 USD 1", "batch 4 0.03 USD 3"}
	if !slices.Equal(rows, want) {
		t.Errorf("stack costs from the saved ones = %q, want %q", rows, want)
	}

	// From the prune on, samples split the cost.
	later := tally.HourOf(pruned)
	s = newStackCosts([]tally.FunctionSample{{Cluster: "prod", Hour: later, PodUID: "a1", Container: "app", StackID: 1, Samples: 1}},
		[]tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", UID: "a1"}, OwnerKind: tally.KindDeployment, OwnerName: "api",
			Containers: []tally.Container{{Name: "app", Image: "shop/api:2"}}}}).withSaved(pruned, nil, nil)
	a := alloc("api", "a1", "0.08")
	a.Hour = later
	if got, err := s.hour(nil, later, []tally.Allocation{a}); err != nil || len(got) != 1 || got[0].Cost.String() != "0.08 USD" || got[0].Image != "shop/api:2" {
		t.Errorf("stack costs after the prune = %+v, %v; want stack 1 at 0.08 USD from the samples", got, err)
	}
}
