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
	// Names are the nodes, when known (at most Count of them), so that a
	// PodRequest's Node can say where the pod runs now.
	Names []string `json:"-"`
	// Zones are the zones of Names, when known (topology.kubernetes.io/zone).
	Zones []string `json:"-"`
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
	// Zones are the zones the group's nodes run in (sorted): a plan puts
	// every node in one of them and spreads the pods whose Topology
	// spreads them by zone across them.
	Zones []string `json:"zones,omitempty"`
	// MinNodes is the group's minimum size: a plan keeps at least this
	// many nodes. MinNodesWhy says where it comes from, said when it
	// raises a plan (default "the group's minimum size is N").
	MinNodes    int    `json:"minNodes,omitempty"`
	MinNodesWhy string `json:"minNodesWhy,omitempty"`
}

// PodRequest is one pod's total requests, to be placed on a node.
type PodRequest struct {
	Name   string  `json:"name"`
	CPU    float64 `json:"cpuCores"`
	Memory int64   `json:"memoryBytes"`
	// Node is the node the pod runs on now (one of the group's
	// NodeCount.Names), or "" when unknown.
	Node string `json:"node,omitempty"`
	// Spread, when set, keeps the pod off any node holding another pod of
	// the same Spread: a StatefulSet's replicas (a database's, a broker's)
	// run apart, with pod anti-affinity, so that one node's loss does not
	// take several members.
	Spread string `json:"spread,omitempty"`
	// SpreadAssumed says Spread is assumed (a StatefulSet whose pods'
	// constraints are unknown), not read from the pod's spec.
	SpreadAssumed bool `json:"spreadAssumed,omitempty"`
	// Topology is how the pod must be placed relative to its workload's
	// other pods besides one per node; nil: no such constraint.
	Topology *Topology `json:"topology,omitempty"`
	// zone is the zone the plan binds the pod to (NodeGroup.withZones).
	zone string
}

// PlannedNodes are nodes of one type and purchase option in a plan.
type PlannedNodes struct {
	NodeCount
	CPUUsed    float64 `json:"cpuRequested"`
	MemoryUsed int64   `json:"memoryRequested"`
}

// NodePlan is the cheapest mix of nodes found for a group's pods.
type NodePlan struct {
	Cluster tally.ClusterID `json:"cluster"`
	Group   string          `json:"group"`
	Current []NodeCount     `json:"current"`
	Planned []PlannedNodes  `json:"planned"`
	// The monthly amounts are in cents (as the table and the stored record
	// show them): MonthlySavings = CurrentMonthly − PlannedMonthly exactly.
	CurrentMonthly    tally.Money `json:"currentMonthly"`
	PlannedMonthly    tally.Money `json:"plannedMonthly"`
	MonthlySavings    tally.Money `json:"monthlySavings"`
	CPUUtilization    float64     `json:"cpuUtilization"`    // requested ÷ allocatable, planned
	MemoryUtilization float64     `json:"memoryUtilization"` // likewise
	Unplaced          []string    `json:"unplaced,omitempty"`
	Explanation       string      `json:"explanation"`
	// Zones are the planned nodes per zone, when the group's zones are known.
	Zones map[string]int `json:"zones,omitempty"`
	// NoZone are the Unplaced pods that no zone of the group may take
	// (more than its zones hold under zone anti-affinity or minDomains).
	NoZone []string `json:"noZone,omitempty"`
	// Kept says what raised the plan above the packing of its pods alone
	// (pod anti-affinity, topology spread, the group's minimum size); nil
	// when nothing did.
	Kept *Kept `json:"kept,omitempty"`
	// Averaged is set when the amounts are averages over the history (a
	// group whose nodes come and go with its batch pods: PlanBatchNodes);
	// then Current are the nodes running at its end and Planned the nodes
	// for its pods at their peak.
	Averaged *Averaged `json:"averaged,omitempty"`

	// Committed, when commitments cover some of the current nodes, says
	// how they price the plan (PlanCommittedNodes).
	Committed *CommittedSavings `json:"committed,omitempty"`
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
	spread   []string // the Spread of its pods that have one
	topo     binTopology
}

func (b *bin) fits(p PodRequest) bool {
	return b.cpu+p.CPU <= b.c.cpu+1e-9 && b.memory+p.Memory <= b.c.memory && (p.Spread == "" || !slices.Contains(b.spread, p.Spread)) &&
		b.fitsTopology(p)
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

// PlanNodes packs pods onto the group's allowed instance types and returns
// the cheapest mix it finds (see cheapestPacking), unless the nodes that run
// now hold the pods at their recommended requests for no more: then the plan
// keeps them, with no saving, and says the group is already right-sized. A
// plan never costs more than the current nodes when those hold the pods.
// Prices are the caller's effective rates.
func PlanNodes(g NodeGroup, pods []PodRequest, catalog []InstanceType) (NodePlan, error) {
	plan, _, _, err := planNodes(g, pods, catalog)
	return plan, err
}

// planNodes is PlanNodes; keep reports that the plan keeps the current
// nodes, whyNot why the current nodes were not shown to hold the pods.
func planNodes(g NodeGroup, pods []PodRequest, catalog []InstanceType) (plan NodePlan, keep bool, whyNot string, err error) {
	plan = NodePlan{Cluster: g.Cluster, Group: g.Name, Current: g.Current}
	if plan.CurrentMonthly, err = monthlyOf(g.Current); err != nil {
		return plan, false, "", err
	}
	cands, err := g.candidates(catalog)
	if err != nil {
		return plan, false, "", err
	}
	if len(cands) == 0 {
		return plan, false, "", tally.Errorf(tally.EInvalid, "node group %s/%s: no instance type in the catalog satisfies its constraints (families %v, arch %q, spot %s)",
			g.Cluster, g.Name, g.Families, g.Arch, g.Spot)
	}
	best, unplaced, cost, err := g.packing(pods, cands)
	if err != nil {
		return plan, false, "", fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
	}
	var now []*bin
	now, whyNot = currentLayout(&g, pods, catalog)
	if whyNot == "" && len(now) < g.MinNodes {
		whyNot = fmt.Sprintf("the group runs fewer nodes than its minimum size %d", g.MinNodes)
	}
	if whyNot == "" {
		nowCost, err := binsHourly(now)
		if err != nil {
			return plan, false, "", fmt.Errorf("node group %s/%s: current nodes: %w", g.Cluster, g.Name, err)
		}
		c, err := nowCost.Cmp(cost)
		if err != nil {
			return plan, false, "", fmt.Errorf("node group %s/%s: current nodes against the catalog: %w", g.Cluster, g.Name, err)
		}
		if len(unplaced) > 0 || c <= 0 {
			best, unplaced, cost, keep = now, nil, nowCost, true
		}
	}
	plan.Unplaced = unplaced
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
	if keep {
		plan.PlannedMonthly = plan.CurrentMonthly
	} else if plan.PlannedMonthly, err = MulQuantity(cost, HoursPerMonth); err != nil {
		return plan, false, "", err
	}
	// In cents, as shown and stored; the saving is the difference of the two
	// amounts shown, not a third rounding.
	plan.CurrentMonthly, plan.PlannedMonthly = plan.CurrentMonthly.Round(2), plan.PlannedMonthly.Round(2)
	if plan.MonthlySavings, err = plan.CurrentMonthly.Sub(plan.PlannedMonthly); err != nil {
		return plan, false, "", err
	}
	plan.Zones = zoneCounts(best)
	_, plan.NoZone = g.withZones(pods)
	if plan.Kept, err = g.kept(pods, cands, len(best), cost); err != nil {
		return plan, false, "", fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
	}
	plan.Explanation = explainPlan(&plan, len(pods), keep, whyNot)
	if plan.Kept != nil {
		plan.Explanation += "; " + plan.Kept.String()
	}
	return plan, keep, whyNot, nil
}

// sortPods orders pods by decreasing CPU, then memory, then name (as
// Karpenter packs them).
func sortPods(pods []PodRequest) {
	slices.SortStableFunc(pods, func(a, b PodRequest) int {
		if c := cmp.Compare(b.CPU, a.CPU); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Memory, a.Memory); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// cheapestPacking returns the cheapest of several packings, fewest unplaced
// pods first: pods in decreasing order of CPU, of memory and of their larger
// share of the group's total (three orders), each packed first-fit
//   - onto nodes of one candidate type, for every type (a pod too large for
//     it opens the cheapest type that holds it), and
//   - onto nodes each opened with the type that packs the most of the
//     remaining pods per unit of price,
//
// after which every node is shrunk to the cheapest type that holds its pods.
func cheapestPacking(pods []PodRequest, cands []candidate) (best []*bin, unplaced []string, cost tally.Money, err error) {
	var totCPU float64
	var totMem int64
	for _, p := range pods {
		totCPU, totMem = totCPU+p.CPU, totMem+p.Memory
	}
	share := func(p PodRequest) float64 {
		s := 0.0
		if totCPU > 0 {
			s = p.CPU / totCPU
		}
		if totMem > 0 {
			s = max(s, float64(p.Memory)/float64(totMem))
		}
		return s
	}
	byCPU := slices.Clone(pods)
	sortPods(byCPU)
	byMemory := slices.Clone(byCPU)
	slices.SortStableFunc(byMemory, func(a, b PodRequest) int { return cmp.Compare(b.Memory, a.Memory) })
	byShare := slices.Clone(byCPU)
	slices.SortStableFunc(byShare, func(a, b PodRequest) int { return cmp.Compare(share(b), share(a)) })

	first := true
	consider := func(bins []*bin, missed []string) error {
		shrink(bins, cands)
		c, err := binsHourly(bins)
		if err != nil {
			return err
		}
		better := first || len(missed) < len(unplaced)
		if !better && len(missed) == len(unplaced) {
			d, err := c.Cmp(cost)
			if err != nil {
				return err
			}
			better = d < 0
		}
		if better {
			best, unplaced, cost, first = bins, missed, c, false
		}
		return nil
	}
	for _, order := range [][]PodRequest{byCPU, byMemory, byShare} {
		for i := range cands {
			if err := consider(ffd(order, &cands[i], cands)); err != nil {
				return nil, nil, cost, err
			}
		}
		if err := consider(ffdEfficient(order, cands, totCPU, totMem)); err != nil {
			return nil, nil, cost, err
		}
	}
	return best, unplaced, cost, nil
}

func (b *bin) add(p PodRequest) {
	b.cpu, b.memory, b.podNames = b.cpu+p.CPU, b.memory+p.Memory, append(b.podNames, p.Name)
	if p.Spread != "" {
		b.spread = append(b.spread, p.Spread)
	}
	b.addTopology(p)
}

// newBin opens a node of candidate c holding pod p.
func newBin(c *candidate, p PodRequest) *bin {
	b := &bin{c: c}
	b.add(p)
	return b
}

// ffd places pods (sorted) first-fit onto nodes of type def; a pod that does
// not fit an empty def node opens the cheapest candidate that holds it.
func ffd(pods []PodRequest, def *candidate, cands []candidate) (bins []*bin, unplaced []string) {
	for _, p := range pods {
		if b := firstFit(bins, p); b != nil {
			b.add(p)
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
		bins = append(bins, newBin(c, p))
	}
	return bins, unplaced
}

func firstFit(bins []*bin, p PodRequest) *bin {
	for _, b := range bins {
		if b.fits(p) {
			return b
		}
	}
	return nil
}

// ffdEfficient places pods (sorted) first-fit; a pod that fits no open node
// opens one of the type that, filled first-fit with this pod and the pods
// after it still unplaced, holds the largest share of the group's total
// CPU and memory per unit of price.
func ffdEfficient(pods []PodRequest, cands []candidate, totCPU float64, totMem int64) (bins []*bin, unplaced []string) {
	placed := make([]bool, len(pods))
	for i, p := range pods {
		if b := firstFit(bins, p); b != nil {
			b.add(p)
			placed[i] = true
			continue
		}
		var pick *candidate
		var pickEff float64
		for j := range cands {
			c := &cands[j]
			if !fitsEmpty(c, p) {
				continue
			}
			trial := bin{c: c}
			var value float64
			for k := i; k < len(pods); k++ {
				if q := pods[k]; !placed[k] && trial.fits(q) {
					trial.add(q)
					if totCPU > 0 {
						value += q.CPU / totCPU
					}
					if totMem > 0 {
						value += float64(q.Memory) / float64(totMem)
					}
				}
			}
			price := c.offer.Hourly.Float64()
			eff := value / max(price, 1e-12)
			if pick == nil || eff > pickEff || (eff == pickEff && cmpMoney(c.offer.Hourly, pick.offer.Hourly) < 0) {
				pick, pickEff = c, eff
			}
		}
		if pick == nil {
			unplaced = append(unplaced, p.Name)
			continue
		}
		bins = append(bins, newBin(pick, p))
		placed[i] = true
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

func explainPlan(p *NodePlan, pods int, keep bool, whyNotNow string) string {
	var cur, planned []string
	for _, n := range p.Current {
		cur = append(cur, fmt.Sprintf("%d × %s (%s)", n.Count, n.Type, n.Purchase))
	}
	for _, n := range p.Planned {
		planned = append(planned, fmt.Sprintf("%d × %s (%s)", n.Count, n.Type, n.Purchase))
	}
	if keep {
		return fmt.Sprintf("already right-sized: %d pods at their recommended requests fit on the current %s (%.0f%% CPU and %.0f%% memory requested) and no cheaper mix was found",
			pods, orNone(strings.Join(cur, " + ")), p.CPUUtilization*100, p.MemoryUtilization*100)
	}
	s := fmt.Sprintf("%d pods at their recommended requests fit on %s instead of %s (first-fit decreasing; planned nodes %.0f%% CPU and %.0f%% memory requested)",
		pods, orNone(strings.Join(planned, " + ")), orNone(strings.Join(cur, " + ")), p.CPUUtilization*100, p.MemoryUtilization*100)
	if n := len(p.Unplaced) - len(p.NoZone); n > 0 {
		s += fmt.Sprintf("; %d pods fit no allowed instance type", n)
	}
	if len(p.NoZone) > 0 {
		s += "; " + noZoneText(p)
	}
	if p.MonthlySavings.Sign() < 0 && whyNotNow != "" {
		s += "; this costs more than the current nodes because " + whyNotNow
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
