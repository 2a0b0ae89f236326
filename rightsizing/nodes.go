package rightsizing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// Purchase options of an offer, besides tally.PurchaseOnDemand and tally.PurchaseSpot.
const PurchaseCommitted = "committed"

// Offer is an instance type's effective hourly price under one purchase
// option, as the caller knows it: on-demand, spot, or the effective rate of
// capacity a Savings Plan, reservation or CUD already covers.
type Offer struct {
	Purchase string      `json:"purchase"`
	Hourly   tally.Money `json:"hourly"`
}

// InstanceType is a candidate node type.
type InstanceType struct {
	Name   string  `json:"name"`
	Family string  `json:"family"` // e.g. m5, n2
	Arch   string  `json:"arch"`   // amd64, arm64
	CPU    float64 `json:"allocatableCpuCores"`
	Memory int64   `json:"allocatableMemoryBytes"`
	Offers []Offer `json:"offers"`
}

// Spot policies of a node group.
const (
	SpotNever   = "never"   // on-demand (or committed) capacity only
	SpotAllowed = "allowed" // spot where it is cheapest
	SpotOnly    = "only"    // spot capacity only
)

// NodeCount is a number of nodes of one type and purchase option.
type NodeCount struct {
	Type     string      `json:"type"`
	Purchase string      `json:"purchase"`
	Count    int         `json:"count"`
	Hourly   tally.Money `json:"hourlyEach"`
}

// NodeGroup is a set of nodes that the cluster autoscaler (or Karpenter
// node pool) can shape, with its constraints.
type NodeGroup struct {
	Cluster  tally.ClusterID `json:"cluster"`
	Name     string          `json:"name"`
	Families []string        `json:"families,omitempty"` // allowed instance families; empty: any
	Arch     string          `json:"arch,omitempty"`     // required architecture; empty: any
	Spot     string          `json:"spot"`               // SpotNever, SpotAllowed, SpotOnly
	Current  []NodeCount     `json:"current"`
	// DaemonSetCPU and DaemonSetMemory are what per-node DaemonSet pods
	// request on every node, taken off each node's allocatable capacity.
	DaemonSetCPU    float64 `json:"daemonSetCpuCores,omitempty"`
	DaemonSetMemory int64   `json:"daemonSetMemoryBytes,omitempty"`
}

// PodRequest is one pod's total requests, to be placed on a node.
type PodRequest struct {
	Name   string  `json:"name"`
	CPU    float64 `json:"cpuCores"`
	Memory int64   `json:"memoryBytes"`
}

// PlannedNodes are nodes of one type and purchase option in a plan.
type PlannedNodes struct {
	NodeCount
	CPUUsed    float64 `json:"cpuRequested"`
	MemoryUsed int64   `json:"memoryRequested"`
}

// NodePlan is the cheapest mix of nodes found for a group's pods.
type NodePlan struct {
	Cluster           tally.ClusterID `json:"cluster"`
	Group             string          `json:"group"`
	Current           []NodeCount     `json:"current"`
	Planned           []PlannedNodes  `json:"planned"`
	CurrentMonthly    tally.Money     `json:"currentMonthly"`
	PlannedMonthly    tally.Money     `json:"plannedMonthly"`
	MonthlySavings    tally.Money     `json:"monthlySavings"`
	CPUUtilization    float64         `json:"cpuUtilization"`    // requested ÷ allocatable, planned
	MemoryUtilization float64         `json:"memoryUtilization"` // likewise
	Unplaced          []string        `json:"unplaced,omitempty"`
	Explanation       string          `json:"explanation"`
}

// candidate is an allowed instance type at its cheapest allowed offer, with
// the capacity left for pods.
type candidate struct {
	t      *InstanceType
	offer  Offer
	cpu    float64
	memory int64
}

// bin is one planned node.
type bin struct {
	c        *candidate
	cpu      float64 // requested
	memory   int64
	podNames []string
}

func (b *bin) fits(p PodRequest) bool {
	return b.cpu+p.CPU <= b.c.cpu+1e-9 && b.memory+p.Memory <= b.c.memory
}

func fitsEmpty(c *candidate, p PodRequest) bool { return p.CPU <= c.cpu+1e-9 && p.Memory <= c.memory }

// candidates filters the catalog by the group's constraints and picks each
// type's cheapest allowed offer.
func (g *NodeGroup) candidates(catalog []InstanceType) ([]candidate, error) {
	var out []candidate
	for i := range catalog {
		t := &catalog[i]
		if len(g.Families) > 0 && !slices.Contains(g.Families, t.Family) {
			continue
		}
		if g.Arch != "" && t.Arch != "" && t.Arch != g.Arch {
			continue
		}
		var best *Offer
		for j := range t.Offers {
			o := &t.Offers[j]
			spot := o.Purchase == tally.PurchaseSpot
			if (g.Spot == SpotOnly && !spot) || ((g.Spot == SpotNever || g.Spot == "") && spot) {
				continue
			}
			if best == nil {
				best = o
				continue
			}
			c, err := o.Hourly.Cmp(best.Hourly)
			if err != nil {
				return nil, fmt.Errorf("instance type %s: %w", t.Name, err)
			}
			if c < 0 {
				best = o
			}
		}
		if best == nil {
			continue
		}
		c := candidate{t: t, offer: *best, cpu: t.CPU - g.DaemonSetCPU, memory: t.Memory - g.DaemonSetMemory}
		if c.cpu <= 0 || c.memory <= 0 {
			continue
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b candidate) int { return strings.Compare(a.t.Name, b.t.Name) })
	return out, nil
}

// PlanNodes packs pods onto the group's allowed instance types with
// first-fit decreasing (pods sorted by CPU, then memory, as Karpenter does)
// and returns the cheapest mix it finds: for each candidate type, FFD onto
// nodes of that type (a pod too large for it opens the cheapest type that
// holds it), then every node is shrunk to the cheapest type that holds its
// pods. Prices are the caller's effective rates.
func PlanNodes(g NodeGroup, pods []PodRequest, catalog []InstanceType) (NodePlan, error) {
	plan := NodePlan{Cluster: g.Cluster, Group: g.Name, Current: g.Current}
	var err error
	if plan.CurrentMonthly, err = monthlyOf(g.Current); err != nil {
		return plan, err
	}
	cands, err := g.candidates(catalog)
	if err != nil {
		return plan, err
	}
	if len(cands) == 0 {
		return plan, tally.Errorf(tally.EInvalid, "node group %s/%s: no instance type in the catalog satisfies its constraints (families %v, arch %q, spot %s)",
			g.Cluster, g.Name, g.Families, g.Arch, g.Spot)
	}
	sorted := slices.Clone(pods)
	slices.SortStableFunc(sorted, func(a, b PodRequest) int {
		if c := cmp.Compare(b.CPU, a.CPU); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Memory, a.Memory); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	var best []*bin
	var bestCost tally.Money
	var bestUnplaced []string
	for i := range cands {
		bins, unplaced := ffd(sorted, &cands[i], cands)
		shrink(bins, cands)
		cost, err := binsHourly(bins)
		if err != nil {
			return plan, err
		}
		better := best == nil || len(unplaced) < len(bestUnplaced)
		if !better && len(unplaced) == len(bestUnplaced) {
			c, err := cost.Cmp(bestCost)
			if err != nil {
				return plan, err
			}
			better = c < 0
		}
		if better {
			best, bestCost, bestUnplaced = bins, cost, unplaced
		}
	}
	plan.Unplaced = bestUnplaced
	var capCPU, usedCPU float64
	var capMem, usedMem int64
	index := map[string]int{}
	for _, b := range best {
		key := b.c.t.Name + "/" + b.c.offer.Purchase
		i, ok := index[key]
		if !ok {
			i = len(plan.Planned)
			index[key] = i
			plan.Planned = append(plan.Planned, PlannedNodes{NodeCount: NodeCount{Type: b.c.t.Name, Purchase: b.c.offer.Purchase, Hourly: b.c.offer.Hourly}})
		}
		p := &plan.Planned[i]
		p.Count++
		p.CPUUsed += b.cpu
		p.MemoryUsed += b.memory
		capCPU, usedCPU = capCPU+b.c.cpu, usedCPU+b.cpu
		capMem, usedMem = capMem+b.c.memory, usedMem+b.memory
	}
	slices.SortFunc(plan.Planned, func(a, b PlannedNodes) int { return strings.Compare(a.Type+a.Purchase, b.Type+b.Purchase) })
	if capCPU > 0 {
		plan.CPUUtilization = usedCPU / capCPU
	}
	if capMem > 0 {
		plan.MemoryUtilization = float64(usedMem) / float64(capMem)
	}
	if plan.PlannedMonthly, err = MulQuantity(bestCost, HoursPerMonth); err != nil {
		return plan, err
	}
	if plan.MonthlySavings, err = plan.CurrentMonthly.Sub(plan.PlannedMonthly); err != nil {
		return plan, err
	}
	plan.Explanation = explainPlan(&plan, len(pods))
	return plan, nil
}

// ffd places pods (sorted) first-fit onto nodes of type def; a pod that does
// not fit an empty def node opens the cheapest candidate that holds it.
func ffd(pods []PodRequest, def *candidate, cands []candidate) (bins []*bin, unplaced []string) {
	for _, p := range pods {
		placed := false
		for _, b := range bins {
			if b.fits(p) {
				b.cpu, b.memory, b.podNames = b.cpu+p.CPU, b.memory+p.Memory, append(b.podNames, p.Name)
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		c := def
		if !fitsEmpty(c, p) {
			c = cheapestFitting(cands, p.CPU, p.Memory)
		}
		if c == nil {
			unplaced = append(unplaced, p.Name)
			continue
		}
		bins = append(bins, &bin{c: c, cpu: p.CPU, memory: p.Memory, podNames: []string{p.Name}})
	}
	return bins, unplaced
}

// shrink moves each node to the cheapest candidate that holds its pods.
func shrink(bins []*bin, cands []candidate) {
	for _, b := range bins {
		if c := cheapestFitting(cands, b.cpu, b.memory); c != nil {
			if cmpMoney(c.offer.Hourly, b.c.offer.Hourly) < 0 {
				b.c = c
			}
		}
	}
}

func cheapestFitting(cands []candidate, cpu float64, memory int64) *candidate {
	var best *candidate
	for i := range cands {
		c := &cands[i]
		if cpu > c.cpu+1e-9 || memory > c.memory {
			continue
		}
		if best == nil || cmpMoney(c.offer.Hourly, best.offer.Hourly) < 0 {
			best = c
		}
	}
	return best
}

// cmpMoney compares amounts known to share a currency (a catalog's prices).
func cmpMoney(a, b tally.Money) int {
	c, err := a.Cmp(b)
	if err != nil {
		return 0
	}
	return c
}

func binsHourly(bins []*bin) (tally.Money, error) {
	var sum tally.Money
	for _, b := range bins {
		var err error
		if sum, err = sum.Add(b.c.offer.Hourly); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func monthlyOf(nodes []NodeCount) (tally.Money, error) {
	var sum tally.Money
	for _, n := range nodes {
		each, err := MulQuantity(n.Hourly, float64(n.Count)*HoursPerMonth)
		if err != nil {
			return sum, err
		}
		if sum, err = sum.Add(each); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func explainPlan(p *NodePlan, pods int) string {
	var cur, planned []string
	for _, n := range p.Current {
		cur = append(cur, fmt.Sprintf("%d × %s (%s)", n.Count, n.Type, n.Purchase))
	}
	for _, n := range p.Planned {
		planned = append(planned, fmt.Sprintf("%d × %s (%s)", n.Count, n.Type, n.Purchase))
	}
	s := fmt.Sprintf("%d pods at their recommended requests fit on %s instead of %s (first-fit decreasing; planned nodes %.0f%% CPU and %.0f%% memory requested)",
		pods, strings.Join(planned, " + "), orNone(strings.Join(cur, " + ")), p.CPUUtilization*100, p.MemoryUtilization*100)
	if len(p.Unplaced) > 0 {
		s += fmt.Sprintf("; %d pods fit no allowed instance type", len(p.Unplaced))
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "no nodes"
	}
	return s
}

// EstimateAllocatable estimates a node's allocatable capacity from its
// capacity when the cluster has not reported it, with GKE's published
// reservations: CPU 6% of the first core, 1% of the second, 0.5% of the
// next two and 0.25% above; memory 25% of the first 4 GiB, 20% of the next
// 4, 10% of the next 8, 6% of the next 112 and 2% above, plus 100 MiB for
// the eviction threshold.
func EstimateAllocatable(cores float64, memory int64) (float64, int64) {
	reserved := 0.0
	for _, t := range []struct{ upto, rate float64 }{{1, 0.06}, {2, 0.01}, {4, 0.005}, {1e9, 0.0025}} {
		prev := 0.0
		switch t.upto {
		case 2:
			prev = 1
		case 4:
			prev = 2
		case 1e9:
			prev = 4
		}
		if cores > prev {
			reserved += (min(cores, t.upto) - prev) * t.rate
		}
	}
	gib := float64(memory) / GiB
	memReserved := 0.0
	prev := 0.0
	for _, t := range []struct{ upto, rate float64 }{{4, 0.25}, {8, 0.20}, {16, 0.10}, {128, 0.06}, {1e12, 0.02}} {
		if gib > prev {
			memReserved += (min(gib, t.upto) - prev) * t.rate
		}
		prev = t.upto
	}
	return cores - reserved, memory - int64(memReserved*GiB) - 100*MiB
}
