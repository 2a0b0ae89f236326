package attribution

import (
	"fmt"
	"math"
	"time"

	"github.com/tallyhq/tally"
)

// nodeCost is a node's cost in one hour on the three bases.
type nodeCost struct {
	account   string
	effective tally.Money
	billed    tally.Money
	list      tally.Money
	estimated bool
}

func (c *nodeCost) add(p *linePart) error {
	var err error
	if c.effective, err = c.effective.Add(p.effective); err != nil {
		return err
	}
	if c.billed, err = c.billed.Add(p.billed); err != nil {
		return err
	}
	c.list, err = c.list.Add(p.list)
	return err
}

// costs returns the three bases in a fixed order, for splitting together.
func (c *nodeCost) costs() [3]tally.Money { return [3]tally.Money{c.effective, c.billed, c.list} }

// Weight scales: pool shares are integers so Money.Split conserves exactly.
const (
	cpuScale = 1e6        // micro-core-seconds
	ramScale = 1.0 / 1024 // KiB-seconds
	gpuScale = 1e3        // milli-GPU-seconds
	poolUnit = 1e9        // unit-price weights
)

// share is one claimant of a pool: a container, or idle.
type share struct {
	request, usage, weight float64 // in the pool's unit-seconds (core-s, byte-s, GPU-s)
}

// tenant is a container running on a node during part of an hour.
type tenant struct {
	pod           *tally.Pod
	container     *tally.Container
	seconds       float64
	ran           tally.Window // when in the hour it ran: its pod and node both alive
	cpu, ram, gpu share
}

// allocateNodeHour splits a node's cost for hour h into CPU, RAM and GPU
// pools, and each pool among the node's containers by policy, normalized so
// the containers and idle sum to the pool exactly and idle is never negative.
func (e *Engine) allocateNodeHour(ix *index, n *tally.Node, h tally.Hour, cost *nodeCost, emit func(tally.Allocation)) error {
	nodeRan := h.Window().Intersect(n.Lifetime(h.End()))
	alive := h.Window().Overlap(n.Lifetime(h.End())).Seconds()
	up := e.policy.unitPrices(providerOf(n, ix), n.Region, n.InstanceType)
	pools, err := splitPools(cost, n, up)
	if err != nil {
		return fmt.Errorf("node %s at %v: %w", n.Name, h, err)
	}
	tenants := e.tenants(ix, n, h)
	kinds := []struct {
		kind     string
		capacity float64
		scale    float64
		pick     func(*tenant) *share
	}{
		{tally.CostCPU, n.CPUCores * alive, cpuScale, func(t *tenant) *share { return &t.cpu }},
		{tally.CostRAM, float64(n.MemoryBytes) * alive, ramScale, func(t *tenant) *share { return &t.ram }},
		{tally.CostGPU, float64(n.GPUs) * alive, gpuScale, func(t *tenant) *share { return &t.gpu }},
	}
	base := tally.Allocation{
		BillingAccountID: cost.account, Hour: h, Cluster: n.Cluster, Node: n.Name, Estimated: cost.estimated,
	}
	for k, kind := range kinds {
		pool := pools[k]
		if pool[0].IsZero() && pool[1].IsZero() && pool[2].IsZero() && kind.capacity == 0 {
			continue
		}
		weights := make([]uint64, len(tenants)+1)
		var claimed float64
		for i := range tenants {
			s := kind.pick(&tenants[i])
			claimed += s.weight
			weights[i] = scaled(s.weight, kind.scale)
		}
		idle := math.Max(kind.capacity-claimed, 0) // over-committed: shares are normalized, idle is zero
		weights[len(tenants)] = scaled(idle, kind.scale)
		parts, err := splitAll(pool, weights)
		if err != nil {
			return fmt.Errorf("node %s at %v, %s pool: %w", n.Name, h, kind.kind, err)
		}
		for i := range tenants {
			t := &tenants[i]
			s := kind.pick(t)
			if s.weight == 0 && parts[0][i].IsZero() {
				continue
			}
			a := base
			a.Namespace, a.Pod, a.PodUID, a.Container = t.pod.Ref.Namespace, t.pod.Ref.Name, t.pod.Ref.UID, t.container.Name
			w := t.pod.Workload()
			a.WorkloadKind, a.Workload, a.Labels = w.Kind, w.Name, t.pod.Labels
			a.CostKind, a.Ran = kind.kind, partial(t.ran)
			a.EffectiveCost, a.BilledCost, a.ListCost = parts[0][i], parts[1][i], parts[2][i]
			setHours(&a, kind.kind, s)
			emit(a)
		}
		a := base
		a.Container, a.CostKind, a.Ran = tally.IdleName, kind.kind, partial(nodeRan)
		a.EffectiveCost, a.BilledCost, a.ListCost = parts[0][len(tenants)], parts[1][len(tenants)], parts[2][len(tenants)]
		setHours(&a, kind.kind, &share{weight: idle})
		emit(a)
	}
	return nil
}

// tenants returns the containers on n during h with their weights.
func (e *Engine) tenants(ix *index, n *tally.Node, h tally.Hour) []tenant {
	nodeLife := n.Lifetime(h.End())
	var out []tenant
	for _, p := range ix.nodePods[nodeKey{n.Cluster, n.Name}] {
		podLife := p.Lifetime(h.End())
		w := h.Window()
		ran := w.Intersect(nodeLife).Intersect(podLife)
		if !ran.End.After(ran.Start) {
			continue
		}
		secs := ran.Duration().Seconds()
		for i := range p.Containers {
			c := &p.Containers[i]
			t := tenant{pod: p, container: c, seconds: secs, ran: ran}
			if c.Kind != tally.ContainerInit {
				// A classic init container holds its request only while it
				// runs, before the others start: it is charged its usage.
				t.cpu.request = c.CPURequest * secs
				t.ram.request = float64(c.MemoryRequest) * secs
				t.gpu.request = float64(c.GPURequest) * secs
			}
			if u, ok := ix.usage[usageKey{p.Ref.Cluster, p.Ref.UID, c.Name, h}]; ok {
				t.cpu.usage = u.CPUCoreSeconds
				t.ram.usage = u.MemoryByteSeconds
			}
			t.gpu.usage = t.gpu.request // GPU usage is not measured: whole GPUs by request
			for _, s := range []*share{&t.cpu, &t.ram, &t.gpu} {
				s.weight = e.weight(s)
			}
			out = append(out, t)
		}
	}
	return out
}

func (e *Engine) weight(s *share) float64 {
	switch e.policy.Share {
	case ShareRequest:
		return s.request
	case ShareUsage:
		return s.usage
	}
	return math.Max(s.request, s.usage)
}

// splitPools divides the node's cost into CPU, RAM and GPU pools by the
// relative unit prices of its resources.
func splitPools(cost *nodeCost, n *tally.Node, up UnitPrices) ([3][3]tally.Money, error) {
	w := []uint64{
		scaled(n.CPUCores*up.CPUCoreHour, poolUnit),
		scaled(float64(n.MemoryBytes)/(1<<30)*up.RAMGiBHour, poolUnit),
		scaled(float64(n.GPUs)*up.GPUHour, poolUnit),
	}
	if w[0]+w[1]+w[2] == 0 {
		w[0] = 1 // a node of unknown shape: all cost is CPU (and idle)
	}
	var pools [3][3]tally.Money
	for basis, m := range cost.costs() {
		parts, err := m.Split(w)
		if err != nil {
			return pools, err
		}
		for k := range parts {
			pools[k][basis] = parts[k]
		}
	}
	return pools, nil
}

// splitAll splits the three bases of a pool by the same weights; parts[basis][i].
func splitAll(pool [3]tally.Money, weights []uint64) ([3][]tally.Money, error) {
	var out [3][]tally.Money
	var total uint64
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		weights[len(weights)-1] = 1 // nothing claimed and no capacity: all idle
	}
	for b, m := range pool {
		parts, err := m.Split(weights)
		if err != nil {
			return out, err
		}
		out[b] = parts
	}
	return out, nil
}

func setHours(a *tally.Allocation, kind string, s *share) {
	switch kind {
	case tally.CostCPU:
		a.CPUCoreHours, a.CPURequestCoreHours, a.CPUUsageCoreHours = s.weight/3600, s.request/3600, s.usage/3600
	case tally.CostRAM:
		a.RAMByteHours, a.RAMRequestByteHours, a.RAMUsageByteHours = s.weight/3600, s.request/3600, s.usage/3600
	case tally.CostGPU:
		a.GPUHours = s.weight / 3600
	}
}

func scaled(v, scale float64) uint64 {
	if v <= 0 || math.IsNaN(v) {
		return 0
	}
	return uint64(math.Round(v * scale))
}

// partial returns ran, a part of an hour, as an allocation's Ran: zero
// when it is the whole hour (or empty).
func partial(ran tally.Window) tally.Window {
	if !ran.End.After(ran.Start) || ran.Duration() >= time.Hour {
		return tally.Window{}
	}
	return tally.Window{Start: ran.Start.UTC(), End: ran.End.UTC()}
}

// providerOf returns the node's cloud: its cluster's, or from its providerID.
func providerOf(n *tally.Node, ix *index) string {
	if c, ok := ix.clusters[n.Cluster]; ok && c.Provider != "" {
		return c.Provider
	}
	if len(n.ProviderID) > 3 && n.ProviderID[:3] == "gce" {
		return tally.ProviderGCP
	}
	return tally.ProviderAWS
}
