package rightsizing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// fitBudget bounds the placements tried when fitting pods onto the current
// nodes.
const fitBudget = 200_000

// currentLayout places the pods, at their recommended requests, on the
// group's current nodes: each pod stays on the node it runs on (its Node)
// while it fits there, and the others (pods on an unknown node, or pushed
// off theirs because their requests grew) go wherever there is room, found
// by a depth-first search whose first try is first-fit decreasing, bounded
// by fitBudget placements. It returns the nodes with their pods, or why the
// current nodes were not shown to hold the pods.
func currentLayout(g *NodeGroup, pods []PodRequest, catalog []InstanceType) ([]*bin, string) {
	var bins []*bin
	named := map[string]*bin{}
	for _, n := range g.Current {
		if n.Count <= 0 {
			continue
		}
		i := slices.IndexFunc(catalog, func(t InstanceType) bool { return t.Name == n.Type })
		if i < 0 {
			return nil, fmt.Sprintf("the catalog lacks the current type %s", n.Type)
		}
		t := &catalog[i]
		c := &candidate{t: t, offer: Offer{Purchase: n.Purchase, Hourly: n.Hourly}, cpu: t.CPU - g.DaemonSetCPU, memory: t.Memory - g.DaemonSetMemory}
		for k := range n.Count {
			b := &bin{c: c}
			if k < len(n.Zones) {
				b.topo.zone = n.Zones[k]
			}
			if k < len(n.Names) && n.Names[k] != "" {
				named[n.Names[k]] = b
			}
			bins = append(bins, b)
		}
	}
	sorted, unplaceable := g.withZones(pods)
	if len(unplaceable) > 0 {
		return nil, fmt.Sprintf("%d pods fit in none of the group's zones", len(unplaceable))
	}
	sortPods(sorted)
	var moving []PodRequest
	for _, p := range sorted {
		if b := named[p.Node]; p.Node != "" && b != nil && b.fits(staying(p)) {
			b.add(p)
			continue
		}
		moving = append(moving, p)
	}
	var maxCPU float64
	var maxMem int64
	for _, b := range bins {
		maxCPU, maxMem = max(maxCPU, b.c.cpu), max(maxMem, b.c.memory)
	}
	share := func(p PodRequest) float64 {
		return p.CPU/max(maxCPU, 1e-9) + float64(p.Memory)/float64(max(maxMem, 1))
	}
	slices.SortStableFunc(moving, func(a, b PodRequest) int { return cmp.Compare(share(b), share(a)) })
	if !fitAll(bins, moving, fitBudget) {
		return nil, "the pods at their recommended requests were not fitted onto the current nodes"
	}
	return bins, ""
}

// fitAll places every pod (sorted, largest first) onto bins, searching
// depth-first, and reports whether it found a placement within budget
// placements. Nodes of one type holding the same requests are tried once.
func fitAll(bins []*bin, pods []PodRequest, budget int) bool {
	restCPU := make([]float64, len(pods)+1)
	restMem := make([]int64, len(pods)+1)
	for i := len(pods) - 1; i >= 0; i-- {
		restCPU[i], restMem[i] = restCPU[i+1]+pods[i].CPU, restMem[i+1]+pods[i].Memory
	}
	var freeCPU float64
	var freeMem int64
	for _, b := range bins {
		freeCPU += max(b.c.cpu-b.cpu, 0)
		freeMem += max(b.c.memory-b.memory, 0)
	}
	type state struct {
		c      *candidate
		cpu    float64
		memory int64
		spread string // the Spread of its pods: nodes holding different ones are not alike
		topo   string // likewise its zone and pods per Topology.Group
	}
	steps := 0
	var place func(i int, freeCPU float64, freeMem int64) bool
	place = func(i int, freeCPU float64, freeMem int64) bool {
		if i == len(pods) {
			return true
		}
		if restCPU[i] > freeCPU+1e-6 || restMem[i] > freeMem {
			return false
		}
		p := pods[i]
		tried := map[state]bool{}
		for _, b := range bins {
			if !b.fits(p) {
				continue
			}
			s := state{b.c, b.cpu, b.memory, strings.Join(b.spread, "\x00"), b.topologyKey()}
			if tried[s] {
				continue
			}
			tried[s] = true
			if steps++; steps > budget {
				return false
			}
			cpu, memory, names, spread, topo := b.cpu, b.memory, b.podNames, b.spread, b.topo.clone()
			b.add(p)
			if place(i+1, freeCPU-p.CPU, freeMem-p.Memory) {
				return true
			}
			b.cpu, b.memory, b.podNames, b.spread, b.topo = cpu, memory, names, spread, topo
		}
		return false
	}
	return place(0, freeCPU, freeMem)
}
