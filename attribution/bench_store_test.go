package attribution_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// timedStore measures each store call, to show where a run's time goes.
type timedStore struct {
	attribution.Store
	mu    sync.Mutex
	spent map[string]time.Duration
}

func (s *timedStore) time(name string, start time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spent == nil {
		s.spent = map[string]time.Duration{}
	}
	s.spent[name] += time.Since(start)
}

func (s *timedStore) report() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for k, v := range s.spent {
		parts = append(parts, fmt.Sprintf("%s %s", k, v.Round(time.Millisecond)))
	}
	sort.Strings(parts)
	s.spent = nil
	return strings.Join(parts, ", ")
}

func (s *timedStore) Pods(ctx context.Context, c tally.ClusterID, w tally.Window) ([]tally.Pod, error) {
	defer s.time("pods", time.Now())
	return s.Store.Pods(ctx, c, w)
}

func (s *timedStore) Nodes(ctx context.Context, c tally.ClusterID, w tally.Window) ([]tally.Node, error) {
	defer s.time("nodes", time.Now())
	return s.Store.Nodes(ctx, c, w)
}

func (s *timedStore) CostLinesOverlapping(ctx context.Context, w tally.Window) ([]tally.CostLine, error) {
	defer s.time("lines", time.Now())
	return s.Store.CostLinesOverlapping(ctx, w)
}

func (s *timedStore) HourlyUsage(ctx context.Context, w tally.Window) ([]attribution.HourUsage, error) {
	defer s.time("usage", time.Now())
	return s.Store.HourlyUsage(ctx, w)
}

func (s *timedStore) AllFunctionSamples(ctx context.Context, w tally.Window) ([]tally.FunctionSample, error) {
	defer s.time("samples", time.Now())
	return s.Store.AllFunctionSamples(ctx, w)
}

func (s *timedStore) SavedStackCosts(ctx context.Context, w tally.Window) ([]attribution.StackCost, []attribution.WorkloadCPU, error) {
	defer s.time("savedStacks", time.Now())
	return s.Store.SavedStackCosts(ctx, w)
}

func (s *timedStore) BilledThrough(ctx context.Context) (map[string]time.Time, error) {
	defer s.time("billedThrough", time.Now())
	return s.Store.BilledThrough(ctx)
}

func (s *timedStore) SaveHours(ctx context.Context, hours []attribution.HourState, allocs []tally.Allocation, stacks []attribution.StackCost) error {
	defer s.time("saveHours", time.Now())
	return s.Store.SaveHours(ctx, hours, allocs, stacks)
}
