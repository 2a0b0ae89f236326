package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

// maxMinNodes bounds --min-nodes.
const maxMinNodes = 10_000

// minNodesFlags are the parsed --min-nodes.
type minNodesFlags struct {
	all     int // -1: not given
	allSpec string
	groups  map[groupKey]int
	specs   map[groupKey]string
	used    map[groupKey]bool
}

// parseMinNodes reads --min-nodes N and CLUSTER/GROUP=N.
func parseMinNodes(specs []string) (*minNodesFlags, error) {
	f := &minNodesFlags{all: -1, groups: map[groupKey]int{}, specs: map[groupKey]string{}, used: map[groupKey]bool{}}
	for _, s := range specs {
		target, n, hasTarget := strings.Cut(s, "=")
		if !hasTarget {
			n = target
		}
		v, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || v < 0 || v > maxMinNodes {
			return nil, tally.Errorf(tally.EInvalid, "--min-nodes %q: want N or CLUSTER/GROUP=N with 0 ≤ N ≤ %d, e.g. 3 or prod/general=3", s, maxMinNodes)
		}
		if !hasTarget {
			if f.all >= 0 {
				return nil, tally.Errorf(tally.EInvalid, "--min-nodes %q: N for every group given twice (%s)", s, f.allSpec)
			}
			f.all, f.allSpec = v, s
			continue
		}
		cluster, group, ok := strings.Cut(target, "/")
		if !ok || cluster == "" || group == "" {
			return nil, tally.Errorf(tally.EInvalid, "--min-nodes %q: want CLUSTER/GROUP=N, e.g. prod/general=3", s)
		}
		k := groupKey{tally.ClusterID(cluster), group}
		if prev, twice := f.specs[k]; twice {
			return nil, tally.Errorf(tally.EInvalid, "--min-nodes %q: %s/%s given twice (%s)", s, cluster, group, prev)
		}
		f.groups[k], f.specs[k] = v, s
	}
	return f, nil
}

// unused fails on the first --min-nodes CLUSTER/GROUP=N that named no
// planned group.
func (f *minNodesFlags) unused(planned []groupKey) error {
	if f == nil {
		return nil
	}
	var names []string
	for _, k := range planned {
		names = append(names, string(k.cluster)+"/"+k.name)
	}
	slices.Sort(names)
	var keys []groupKey
	for k := range f.groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupKey) int {
		return strings.Compare(string(a.cluster)+"/"+a.name, string(b.cluster)+"/"+b.name)
	})
	for _, k := range keys {
		if !slices.Contains(planned, k) {
			return tally.Errorf(tally.EInvalid, "--min-nodes %q: no node group %s/%s is planned (groups: %s)", f.specs[k], k.cluster, k.name, strings.Join(names, ", "))
		}
	}
	return nil
}

// groupTopology is what a group's pods say of its zones.
type groupTopology struct {
	spreadsByZone string // a workload spreading by zone, "" if none
	unknown       int    // pods whose constraints are unknown
}

// podTopology sets req's placement constraints from pod p's scheduling
// constraints and notes them in gt. Unknown constraints (an agent that does
// not send them) keep the StatefulSet assumption: its replicas run one per
// node. It returns the constraints left out as unusable.
func podTopology(req *rightsizing.PodRequest, p *tally.Pod, gt *groupTopology) []string {
	w := p.Workload().String()
	if p.Scheduling == nil {
		gt.unknown++
		if p.OwnerKind == tally.KindStatefulSet {
			// Its replicas run apart (a database's, a broker's): one node
			// each, as their pod anti-affinity usually has them.
			req.Spread, req.SpreadAssumed = w, true
		}
		return nil
	}
	s, dropped := p.Scheduling.Clean()
	t := rightsizing.Topology{Group: w}
	for _, k := range s.AntiAffinity {
		switch k {
		case tally.TopologyHostname:
			req.Spread = w
		case tally.TopologyZone:
			t.MaxPerZone = 1
		}
	}
	for _, c := range s.Spread {
		switch c.TopologyKey {
		case tally.TopologyHostname:
			if t.MaxPerNode == 0 || c.MaxSkew < t.MaxPerNode {
				t.MaxPerNode = c.MaxSkew
			}
		case tally.TopologyZone:
			if t.ZoneSkew == 0 || c.MaxSkew < t.ZoneSkew {
				t.ZoneSkew = c.MaxSkew
			}
			t.MinZones = max(t.MinZones, c.MinDomains)
		}
	}
	if t.MaxPerNode > 0 || t.MaxPerZone > 0 || t.ZoneSkew > 0 {
		req.Topology = &t
	}
	if (t.MaxPerZone > 0 || t.ZoneSkew > 0) && gt.spreadsByZone == "" {
		gt.spreadsByZone = w
	}
	return dropped
}

// setMinNodes sets g's minimum size: its --min-nodes CLUSTER/GROUP=N, else
// --min-nodes N, else one node per zone its nodes span when one of its
// workloads spreads by zone or its pods' constraints are unknown.
func setMinNodes(g *rightsizing.NodeGroup, k groupKey, f *minNodesFlags, gt groupTopology) {
	if f != nil {
		if n, ok := f.groups[k]; ok {
			g.MinNodes, g.MinNodesWhy = n, fmt.Sprintf("the group's minimum size is %d (--min-nodes %s)", n, f.specs[k])
			return
		}
		if f.all >= 0 {
			g.MinNodes, g.MinNodesWhy = f.all, fmt.Sprintf("the group's minimum size is %d (--min-nodes %s)", f.all, f.allSpec)
			return
		}
	}
	if len(g.Zones) < 2 {
		return
	}
	zones := fmt.Sprintf("the group keeps a node in each of the %d zones its nodes span now (%s)", len(g.Zones), strings.Join(g.Zones, ", "))
	change := fmt.Sprintf("--min-nodes %s/%s=N to change", k.cluster, k.name)
	switch {
	case gt.spreadsByZone != "":
		g.MinNodes, g.MinNodesWhy = len(g.Zones), fmt.Sprintf("%s, as %s spreads by zone (%s)", zones, gt.spreadsByZone, change)
	case gt.unknown > 0:
		g.MinNodes, g.MinNodesWhy = len(g.Zones), fmt.Sprintf("%s, as the scheduling constraints of %d of its pods are unknown: their agents do not send them (%s)",
			zones, gt.unknown, change)
	}
}

// writeNodesKept says, for each plan raised above the packing of its pods
// alone, what raised it, and for each that changes the nodes but saves
// nothing while commitments run, when it saves.
func writeNodesKept(w io.Writer, plans []rightsizing.NodePlan) {
	for _, p := range plans {
		switch {
		case p.Kept != nil:
			fmt.Fprintf(w, "%s/%s: %s\n", p.Cluster, p.Group, p.Kept)
		case p.Committed != nil && p.Committed.Later != "":
			fmt.Fprintf(w, "%s/%s: %s\n", p.Cluster, p.Group, p.Committed.Later)
		}
	}
}
