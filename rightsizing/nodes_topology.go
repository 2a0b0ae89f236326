package rightsizing

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

// Topology is how a pod must be placed relative to the other pods of its
// Group (its workload's replicas), besides one per node (Spread): read from
// its topology spread constraints and its zone anti-affinity.
type Topology struct {
	// Group names the pods constrained together: the workload.
	Group string `json:"group"`
	// MaxPerNode, when positive, is the most pods of the group one node
	// holds: a topology spread constraint on kubernetes.io/hostname with
	// this maxSkew, as Karpenter provisions for it (a new node, or a node
	// of another group the pods may run on, is a domain holding none).
	// Pods that run on a node now may stay there beyond it: the scheduler
	// placed them under the constraint, over the nodes it saw.
	MaxPerNode int `json:"maxPerNode,omitempty"`
	// MaxPerZone, when positive, is the most pods of the group one zone
	// holds: 1 for required pod anti-affinity on topology.kubernetes.io/zone.
	MaxPerZone int `json:"maxPerZone,omitempty"`
	// ZoneSkew, when positive, is the maxSkew of a topology spread
	// constraint on topology.kubernetes.io/zone: the group's pods in any
	// two of the group's zones differ by at most this many.
	ZoneSkew int `json:"zoneSkew,omitempty"`
	// MinZones is the constraint's minDomains: with fewer zones, each
	// zone holds at most ZoneSkew of the group's pods.
	MinZones int `json:"minZones,omitempty"`
}

// spreadsByZone reports whether t constrains its group across zones.
func (t *Topology) spreadsByZone() bool { return t != nil && (t.MaxPerZone > 0 || t.ZoneSkew > 0) }

// Kept says what raised a plan above the packing of its pods alone.
type Kept struct {
	// Nodes are the nodes planned; PackedNodes and PackedMonthly are
	// those the pods alone pack onto and what those cost a month at the
	// catalog's prices (nil when commitments price the plan: their fees
	// are paid whatever the packing, see CommittedSavings).
	Nodes         int          `json:"nodes"`
	PackedNodes   int          `json:"packedNodes"`
	PackedMonthly *tally.Money `json:"packedMonthly,omitempty"`
	// Reasons are the constraints that raised it, one sentence each.
	Reasons []string `json:"reasons"`
}

// String says it in one line: "kept 3 nodes (the pods alone pack onto 1):
// shop/Deployment/web spreads over 3 zones …", or, when the constraints
// raised only the nodes' types, "kept 3 nodes of costlier types than the
// pods alone pack onto: …".
func (k *Kept) String() string {
	reasons := strings.Join(k.Reasons, "; ")
	if k.Nodes <= k.PackedNodes {
		cost := ""
		if m := k.PackedMonthly; m != nil {
			cost = " (" + moneyWords(*m) + " a month)"
		}
		return fmt.Sprintf("kept %d nodes of costlier types than the pods alone pack onto%s: %s", k.Nodes, cost, reasons)
	}
	cost := ""
	if m := k.PackedMonthly; m != nil {
		cost = ", " + moneyWords(*m) + " a month"
	}
	return fmt.Sprintf("kept %d nodes (the pods alone pack onto %d%s): %s", k.Nodes, k.PackedNodes, cost, reasons)
}

// binTopology is what a bin tracks of its pods' topology.
type binTopology struct {
	zone    string         // its zone; "" until a pod bound to a zone lands on it
	perNode map[string]int // pods per Topology.Group
}

func (b *bin) fitsTopology(p PodRequest) bool {
	if t := p.Topology; t != nil && t.MaxPerNode > 0 && b.topo.perNode[t.Group] >= t.MaxPerNode {
		return false
	}
	return p.zone == "" || b.topo.zone == "" || b.topo.zone == p.zone
}

func (b *bin) addTopology(p PodRequest) {
	if t := p.Topology; t != nil && t.MaxPerNode > 0 {
		if b.topo.perNode == nil {
			b.topo.perNode = map[string]int{}
		}
		b.topo.perNode[t.Group]++
	}
	if p.zone != "" && b.topo.zone == "" {
		b.topo.zone = p.zone
	}
}

// topologyKey tells bins apart by their topology in fitAll's search.
func (b *bin) topologyKey() string {
	if b.topo.zone == "" && len(b.topo.perNode) == 0 {
		return ""
	}
	keys := make([]string, 0, len(b.topo.perNode))
	for g, n := range b.topo.perNode {
		keys = append(keys, fmt.Sprintf("%s=%d", g, n))
	}
	slices.Sort(keys)
	return b.topo.zone + "\x00" + strings.Join(keys, "\x00")
}

// staying is p as it may stay on the node it runs on: beyond its
// MaxPerNode, which the scheduler applied over the nodes it saw.
func staying(p PodRequest) PodRequest {
	if t := p.Topology; t != nil && t.MaxPerNode > 0 {
		c := *t
		c.MaxPerNode = 0
		p.Topology = &c
	}
	return p
}

// nodeZones maps the group's current nodes to their zones.
func (g *NodeGroup) nodeZones() map[string]string {
	out := map[string]string{}
	for _, n := range g.Current {
		for i, name := range n.Names {
			if i < len(n.Zones) && n.Zones[i] != "" {
				out[name] = n.Zones[i]
			}
		}
	}
	return out
}

// withZones returns a copy of pods in which each pod whose Topology spreads
// its group across zones is bound to a zone of the group's Zones, the
// group's pods spread as evenly as they can be (which holds any maxSkew),
// a pod staying in the zone it runs in while that zone's share allows, and
// the pods no zone may take (more than the zones hold under anti-affinity,
// or under minDomains above the zones there are). With fewer than two
// zones known nothing is bound: one zone is one domain.
func (g *NodeGroup) withZones(pods []PodRequest) (out []PodRequest, unplaceable []string) {
	out = slices.Clone(pods)
	zones := g.Zones
	if len(zones) < 2 {
		return out, nil
	}
	nodeZone := g.nodeZones()
	groups := map[string][]int{}
	var names []string
	for i, p := range out {
		if !p.Topology.spreadsByZone() {
			continue
		}
		if _, ok := groups[p.Topology.Group]; !ok {
			names = append(names, p.Topology.Group)
		}
		groups[p.Topology.Group] = append(groups[p.Topology.Group], i)
	}
	slices.Sort(names)
	var drop []int
	for _, name := range names {
		idx := groups[name]
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(out[a].Name, out[b].Name) })
		limit := len(idx) // per zone
		for _, i := range idx {
			t := out[i].Topology
			if t.MaxPerZone > 0 {
				limit = min(limit, t.MaxPerZone)
			}
			if t.ZoneSkew > 0 && t.MinZones > len(zones) {
				limit = min(limit, t.ZoneSkew)
			}
		}
		// Zones in order of the group's pods running there now, then from
		// a place of the group's own, so that the zones holding one pod
		// more differ from one group to the next.
		now := map[string]int{}
		for _, i := range idx {
			now[nodeZone[out[i].Node]]++
		}
		h := fnv.New32a()
		h.Write([]byte(name))
		off := int(h.Sum32() % uint32(len(zones)))
		order := append(slices.Clone(zones[off:]), zones[:off]...)
		slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(now[b], now[a]) })
		if keepsZones(out, idx, nodeZone, zones, limit) {
			for _, i := range idx {
				out[i].zone = nodeZone[out[i].Node]
			}
			continue
		}
		quota := map[string]int{}
		for k, z := range order {
			q := len(idx) / len(zones)
			if k < len(idx)%len(zones) {
				q++
			}
			quota[z] = min(q, limit)
		}
		var rest []int
		for _, i := range idx {
			if z := nodeZone[out[i].Node]; z != "" && quota[z] > 0 {
				out[i].zone = z
				quota[z]--
				continue
			}
			rest = append(rest, i)
		}
		for _, i := range rest {
			for _, z := range order {
				if quota[z] > 0 {
					out[i].zone = z
					quota[z]--
					break
				}
			}
			if out[i].zone == "" {
				drop = append(drop, i)
			}
		}
	}
	if len(drop) == 0 {
		return out, nil
	}
	slices.Sort(drop)
	kept := out[:0:0]
	for i, p := range out {
		if _, found := slices.BinarySearch(drop, i); found {
			unplaceable = append(unplaceable, p.Name)
			continue
		}
		kept = append(kept, p)
	}
	return kept, unplaceable
}

// keepsZones reports whether the group's pods (out[idx]) all run in the
// group's zones now, as their constraints allow: at most limit a zone and,
// under a zone spread, zones differing by at most its smallest maxSkew
// (zones holding none count).
func keepsZones(out []PodRequest, idx []int, nodeZone map[string]string, zones []string, limit int) bool {
	count := map[string]int{}
	skew := 0
	for _, i := range idx {
		z := nodeZone[out[i].Node]
		if !slices.Contains(zones, z) {
			return false
		}
		count[z]++
		if t := out[i].Topology; t.ZoneSkew > 0 && (skew == 0 || t.ZoneSkew < skew) {
			skew = t.ZoneSkew
		}
	}
	lo, hi := len(idx), 0
	for _, z := range zones {
		lo, hi = min(lo, count[z]), max(hi, count[z])
	}
	return hi <= limit && (skew == 0 || hi-lo <= skew)
}

// packing is cheapestPacking under the group's topology: pods bound to
// zones (withZones), at least MinNodes nodes, and every node in a zone when
// zones are known. Besides the packings cheapestPacking tries, it tries
// MinNodes nodes of each type opened first, filled least-loaded first, so
// that a minimum is met with nodes that share the pods rather than with
// empty ones.
func (g *NodeGroup) packing(pods []PodRequest, cands []candidate) (best []*bin, unplaced []string, cost tally.Money, err error) {
	pods, unplaced = g.withZones(pods)
	best, missed, cost, err := cheapestPacking(pods, cands)
	if err != nil {
		return nil, nil, cost, err
	}
	if len(best) < g.MinNodes || len(g.Zones) > 0 {
		g.pad(&best, cands)
		if cost, err = binsHourly(best); err != nil {
			return nil, nil, cost, err
		}
	}
	consider := func(bins []*bin, m []string) error {
		shrink(bins, cands)
		g.pad(&bins, cands)
		c, err := binsHourly(bins)
		if err != nil {
			return err
		}
		if len(m) < len(missed) || (len(m) == len(missed) && cmpMoney(c, cost) < 0) {
			best, missed, cost = bins, m, c
		}
		return nil
	}
	sorted := slices.Clone(pods)
	sortPods(sorted)
	if slices.ContainsFunc(pods, func(p PodRequest) bool { return p.zone != "" }) {
		// The pods bound to a zone first, the others filling the room
		// they leave (first, they would fill nodes a zone's pods need).
		bound := slices.Clone(sorted)
		slices.SortStableFunc(bound, func(a, b PodRequest) int {
			return cmp.Compare(boolInt(a.zone == ""), boolInt(b.zone == ""))
		})
		var totCPU float64
		var totMem int64
		for _, p := range pods {
			totCPU, totMem = totCPU+p.CPU, totMem+p.Memory
		}
		for i := range cands {
			if err := consider(ffd(bound, &cands[i], cands)); err != nil {
				return nil, nil, cost, err
			}
		}
		if err := consider(ffdEfficient(bound, cands, totCPU, totMem)); err != nil {
			return nil, nil, cost, err
		}
	}
	if g.MinNodes > 1 && len(pods) > 0 {
		for i := range cands {
			if err := consider(g.seeded(sorted, &cands[i], cands)); err != nil {
				return nil, nil, cost, err
			}
		}
	}
	return best, append(unplaced, missed...), cost, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seeded opens MinNodes nodes of type c, in the group's zones in turn, and
// places pods (sorted) each on the least loaded node that holds it, opening
// more (as ffd does) for those none holds.
func (g *NodeGroup) seeded(pods []PodRequest, c *candidate, cands []candidate) (bins []*bin, unplaced []string) {
	for k := range g.MinNodes {
		b := &bin{c: c}
		if len(g.Zones) > 0 {
			b.topo.zone = g.Zones[k%len(g.Zones)]
		}
		bins = append(bins, b)
	}
	load := func(b *bin) float64 { return b.cpu/b.c.cpu + float64(b.memory)/float64(b.c.memory) }
	for _, p := range pods {
		var pick *bin
		for _, b := range bins {
			if b.fits(p) && (pick == nil || load(b) < load(pick)) {
				pick = b
			}
		}
		if pick != nil {
			pick.add(p)
			continue
		}
		n := c
		if !fitsEmpty(n, p) {
			n = cheapestFitting(cands, p.CPU, p.Memory)
		}
		if n == nil {
			unplaced = append(unplaced, p.Name)
			continue
		}
		bins = append(bins, newBin(n, p))
	}
	return bins, unplaced
}

// pad puts every node in a zone when the group's zones are known (the
// zone with the fewest nodes, the zones in order) and adds nodes of the
// cheapest type, each in the zone with the fewest, up to MinNodes.
func (g *NodeGroup) pad(bins *[]*bin, cands []candidate) {
	count := map[string]int{}
	for _, b := range *bins {
		count[b.topo.zone]++
	}
	fewest := func() string {
		z := ""
		for _, c := range g.Zones {
			if z == "" || count[c] < count[z] {
				z = c
			}
		}
		return z
	}
	for _, b := range *bins {
		if b.topo.zone == "" && len(g.Zones) > 0 {
			count[""]--
			b.topo.zone = fewest()
			count[b.topo.zone]++
		}
	}
	cheapest := cheapestFitting(cands, 0, 0)
	for cheapest != nil && len(*bins) < g.MinNodes {
		b := &bin{c: cheapest}
		b.topo.zone = fewest()
		count[b.topo.zone]++
		*bins = append(*bins, b)
	}
}

// zoneCounts counts bins per zone ("" when zones are unknown).
func zoneCounts(bins []*bin) map[string]int {
	out := map[string]int{}
	for _, b := range bins {
		if b.topo.zone != "" {
			out[b.topo.zone]++
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// stripTopology returns pods without their constraints against one
// another (keepNode keeps Spread and MaxPerNode).
func stripTopology(pods []PodRequest, keepNode bool) []PodRequest {
	out := slices.Clone(pods)
	for i := range out {
		p := &out[i]
		if !keepNode {
			p.Spread, p.Topology = "", nil
			continue
		}
		if t := p.Topology; t != nil {
			p.Topology = &Topology{Group: t.Group, MaxPerNode: t.MaxPerNode}
		}
	}
	return out
}

// kept compares the plan's nodes (planned, costing hourly) with the packing
// of the pods alone, and when the plan has more nodes or costs more, says
// which constraints raised it: the pods' per-node constraints, their zone
// constraints, the group's minimum size, each named when adding it to the
// ones before raised the packing.
func (g *NodeGroup) kept(pods []PodRequest, cands []candidate, planned int, hourly tally.Money) (*Kept, error) {
	pure, _, pureCost, err := cheapestPacking(stripTopology(pods, false), cands)
	if err != nil {
		return nil, err
	}
	if planned <= len(pure) && cmpMoney(hourly, pureCost) <= 0 {
		return nil, nil
	}
	monthly, err := MulQuantity(pureCost, HoursPerMonth)
	if err != nil {
		return nil, err
	}
	k := &Kept{Nodes: planned, PackedNodes: len(pure), PackedMonthly: &monthly}
	node, _, nodeCost, err := cheapestPacking(stripTopology(pods, true), cands)
	if err != nil {
		return nil, err
	}
	if len(node) > len(pure) || cmpMoney(nodeCost, pureCost) > 0 {
		k.Reasons = append(k.Reasons, nodeReasons(pods)...)
	}
	noMin := *g
	noMin.MinNodes = 0
	zoned, _, zonedCost, err := noMin.packing(pods, cands)
	if err != nil {
		return nil, err
	}
	if len(zoned) > len(node) || cmpMoney(zonedCost, nodeCost) > 0 {
		k.Reasons = append(k.Reasons, zoneReasons(pods, g.Zones)...)
	}
	if planned > len(zoned) || cmpMoney(hourly, zonedCost) > 0 {
		if g.MinNodes > len(zoned) {
			why := g.MinNodesWhy
			if why == "" {
				why = fmt.Sprintf("the group's minimum size is %d", g.MinNodes)
			}
			k.Reasons = append(k.Reasons, why)
		} else {
			k.Reasons = append(k.Reasons, "the current nodes hold the pods for no more than a new mix")
		}
	}
	if len(k.Reasons) == 0 {
		// Each step alone packed no worse; together they do.
		k.Reasons = append(nodeReasons(pods), zoneReasons(pods, g.Zones)...)
	}
	return k, nil
}

// maxReasons bounds the workloads named per kind of constraint.
const maxReasons = 3

// nodeReasons names the workloads of several pods kept apart per node.
func nodeReasons(pods []PodRequest) []string {
	type agg struct {
		pods     int
		one      bool // Spread
		assumed  bool
		perNode  int
		fromSpec bool
	}
	by := map[string]*agg{}
	var names []string
	get := func(n string) *agg {
		a := by[n]
		if a == nil {
			a = &agg{}
			by[n] = a
			names = append(names, n)
		}
		return a
	}
	for _, p := range pods {
		if p.Spread != "" {
			a := get(p.Spread)
			a.pods++
			a.one = true
			a.assumed = a.assumed || p.SpreadAssumed
		} else if t := p.Topology; t != nil && t.MaxPerNode > 0 {
			a := get(t.Group)
			a.pods++
			if a.perNode == 0 || t.MaxPerNode < a.perNode {
				a.perNode = t.MaxPerNode
			}
		}
	}
	var out []string
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(by[b].pods, by[a].pods), strings.Compare(a, b)) })
	for _, n := range names {
		a := by[n]
		switch {
		case a.pods < 2 || (!a.one && a.pods <= a.perNode):
			continue
		case a.one && a.assumed:
			out = append(out, fmt.Sprintf("%s runs its %d pods one per node (assumed of a StatefulSet: its agents did not send its pods' constraints)", n, a.pods))
		case a.one:
			out = append(out, fmt.Sprintf("%s runs its %d pods one per node (required pod anti-affinity on %s)", n, a.pods, tally.TopologyHostname))
		default:
			out = append(out, fmt.Sprintf("%s runs at most %d of its %d pods per node (topology spread on %s, maxSkew %d)", n, a.perNode, a.pods, tally.TopologyHostname, a.perNode))
		}
	}
	return capReasons(out)
}

// zoneReasons names the workloads spread across the zones.
func zoneReasons(pods []PodRequest, zones []string) []string {
	type agg struct {
		pods               int
		perZone, skew, min int
	}
	by := map[string]*agg{}
	var names []string
	for _, p := range pods {
		t := p.Topology
		if !t.spreadsByZone() {
			continue
		}
		a := by[t.Group]
		if a == nil {
			a = &agg{}
			by[t.Group] = a
			names = append(names, t.Group)
		}
		a.pods++
		a.perZone, a.skew, a.min = max(a.perZone, t.MaxPerZone), max(a.skew, t.ZoneSkew), max(a.min, t.MinZones)
	}
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(by[b].pods, by[a].pods), strings.Compare(a, b)) })
	var out []string
	for _, n := range names {
		a := by[n]
		if a.pods < 2 {
			continue
		}
		over := min(a.pods, len(zones))
		var how []string
		if a.perZone > 0 {
			how = append(how, fmt.Sprintf("required pod anti-affinity on %s", tally.TopologyZone))
		}
		if a.skew > 0 {
			s := fmt.Sprintf("topology spread on %s, maxSkew %d", tally.TopologyZone, a.skew)
			if a.min > 0 {
				s += fmt.Sprintf(", minDomains %d", a.min)
			}
			how = append(how, s)
		}
		out = append(out, fmt.Sprintf("%s spreads its %d pods over %d of the group's zones (%s; %s)", n, a.pods, over, strings.Join(zones, ", "), strings.Join(how, "; ")))
	}
	return capReasons(out)
}

func capReasons(out []string) []string {
	if len(out) > maxReasons {
		out = append(out[:maxReasons], fmt.Sprintf("and %d more workloads", len(out)-maxReasons))
	}
	return out
}

// clone copies t (its per-group counts are a map).
func (t binTopology) clone() binTopology {
	if t.perNode != nil {
		t.perNode = maps.Clone(t.perNode)
	}
	return t
}

// noZoneText says why p's NoZone pods are not placed.
func noZoneText(p *NodePlan) string {
	return fmt.Sprintf("%d pods fit in no zone of the group (%s): their workload's anti-affinity or minDomains on %s allows fewer of its pods there; they would stay Pending",
		len(p.NoZone), strings.Join(p.NoZone, ", "), tally.TopologyZone)
}
