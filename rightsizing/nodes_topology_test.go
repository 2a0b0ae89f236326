package rightsizing

import (
	"maps"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// threeZones is a group of three m5.2xlarge nodes, one per zone.
func threeZones() NodeGroup {
	return NodeGroup{Name: "general", Families: []string{"m5"}, Spot: SpotNever, Zones: []string{"us-west-2a", "us-west-2b", "us-west-2c"},
		Current: []NodeCount{{Type: "m5.2xlarge", Purchase: tally.PurchaseOnDemand, Count: 3, Hourly: usd("0.384"),
			Names: []string{"n1", "n2", "n3"}, Zones: []string{"us-west-2a", "us-west-2b", "us-west-2c"}}}}
}

func withTopology(ps []PodRequest, t Topology) []PodRequest {
	for i := range ps {
		ps[i].Topology = &t
	}
	return ps
}

func plannedNodes(p NodePlan) int {
	n := 0
	for _, c := range p.Planned {
		n += c.Count
	}
	return n
}

func TestPlanNodesTopology(t *testing.T) {
	tests := []struct {
		name      string
		group     func(g *NodeGroup)
		pods      []PodRequest
		nodes     int
		zones     map[string]int // nil: not checked
		unplaced  int
		reasons   []string // each in Kept's reasons; none: Kept nil
		packed    int
		notReason string
	}{
		{name: "zone spread keeps a node in each zone",
			pods:  withTopology(pods(3, 0.25, GiB/2), Topology{Group: "shop/Deployment/web", ZoneSkew: 1}),
			nodes: 3, zones: map[string]int{"us-west-2a": 1, "us-west-2b": 1, "us-west-2c": 1}, packed: 1,
			reasons: []string{"shop/Deployment/web spreads its 3 pods over 3 of the group's zones (us-west-2a, us-west-2b, us-west-2c; topology spread on topology.kubernetes.io/zone, maxSkew 1)"}},
		// 3 m5.large hold them as they hold the pods alone: 2 of web's
		// a zone, the others in the room left, nothing to say.
		{name: "zone spread of 6 pods, 2 a zone, with unconstrained pods filling the room left",
			pods: append(withTopology(pods(6, 0.5, GiB), Topology{Group: "shop/Deployment/web", ZoneSkew: 1}),
				PodRequest{Name: "one", CPU: 1, Memory: GiB}, PodRequest{Name: "other", CPU: 1, Memory: GiB}),
			nodes: 3, zones: map[string]int{"us-west-2a": 1, "us-west-2b": 1, "us-west-2c": 1}},
		{name: "zone anti-affinity: one per zone, the fourth pod fits no zone",
			pods:  withTopology(pods(4, 0.25, GiB/2), Topology{Group: "shop/StatefulSet/kafka", MaxPerZone: 1}),
			nodes: 3, unplaced: 1, packed: 1,
			reasons: []string{"required pod anti-affinity on topology.kubernetes.io/zone"}},
		{name: "minDomains above the zones: at most maxSkew a zone",
			pods:  withTopology(pods(7, 0.25, GiB/2), Topology{Group: "shop/Deployment/web", ZoneSkew: 2, MinZones: 5}),
			nodes: 3, unplaced: 1, packed: 1, reasons: []string{"minDomains 5"}},
		{name: "hostname anti-affinity from the spec: one per node",
			pods: func() []PodRequest {
				ps := pods(4, 0.25, GiB/2)
				for i := range ps {
					ps[i].Spread = "shop/Deployment/api"
				}
				return ps
			}(),
			group: func(g *NodeGroup) { g.Zones = nil; g.Current[0].Zones = nil },
			nodes: 4, packed: 1, reasons: []string{"shop/Deployment/api runs its 4 pods one per node (required pod anti-affinity on kubernetes.io/hostname)"}},
		{name: "hostname topology spread: at most maxSkew per node",
			pods:  withTopology(pods(4, 0.25, GiB/2), Topology{Group: "shop/Deployment/api", MaxPerNode: 2}),
			group: func(g *NodeGroup) { g.Zones = nil; g.Current[0].Zones = nil },
			nodes: 2, packed: 1, reasons: []string{"shop/Deployment/api runs at most 2 of its 4 pods per node (topology spread on kubernetes.io/hostname, maxSkew 2)"}},
		{name: "minimum size",
			pods: pods(2, 0.25, GiB/2),
			group: func(g *NodeGroup) {
				g.MinNodes, g.MinNodesWhy = 3, "the group's minimum size is 3 (--min-nodes prod/general=3)"
			},
			nodes: 3, zones: map[string]int{"us-west-2a": 1, "us-west-2b": 1, "us-west-2c": 1}, packed: 1,
			reasons: []string{"the group's minimum size is 3 (--min-nodes prod/general=3)"}},
		{name: "a minimum met with nodes sharing the pods, not empty ones",
			pods:  pods(6, 1.5, 5*GiB),
			group: func(g *NodeGroup) { g.MinNodes = 3 },
			nodes: 3, packed: 2, reasons: []string{"the group's minimum size is 3"}},
		{name: "a minimum with no pods",
			group: func(g *NodeGroup) { g.MinNodes = 2 },
			nodes: 2, zones: map[string]int{"us-west-2a": 1, "us-west-2b": 1}, packed: 0,
			reasons: []string{"the group's minimum size is 2"}},
		{name: "no constraint: packs as before, nothing said",
			pods: pods(3, 0.25, GiB/2), nodes: 1, zones: map[string]int{"us-west-2a": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := threeZones()
			if tt.group != nil {
				tt.group(&g)
			}
			plan, err := PlanNodes(g, tt.pods, catalog)
			if err != nil {
				t.Fatal(err)
			}
			if n := plannedNodes(plan); n != tt.nodes || len(plan.Unplaced) != tt.unplaced {
				t.Errorf("%d nodes, %d unplaced %v; want %d, %d: %s", n, len(plan.Unplaced), plan.Unplaced, tt.nodes, tt.unplaced, plan.Explanation)
			}
			if tt.unplaced > 0 && (len(plan.NoZone) != tt.unplaced || !strings.Contains(plan.Explanation, "fit in no zone of the group") ||
				strings.Contains(plan.Explanation, "fit no allowed instance type")) {
				t.Errorf("no zone %v; explanation: %s", plan.NoZone, plan.Explanation)
			}
			if tt.zones != nil && !maps.Equal(plan.Zones, tt.zones) {
				t.Errorf("zones %v, want %v", plan.Zones, tt.zones)
			}
			if len(tt.reasons) == 0 {
				if plan.Kept != nil {
					t.Errorf("kept %+v, want nil", plan.Kept)
				}
				return
			}
			if plan.Kept == nil {
				t.Fatalf("kept nil, want reasons %q: %s", tt.reasons, plan.Explanation)
			}
			if plan.Kept.Nodes != tt.nodes || plan.Kept.PackedNodes != tt.packed {
				t.Errorf("kept %d nodes, packed %d; want %d, %d", plan.Kept.Nodes, plan.Kept.PackedNodes, tt.nodes, tt.packed)
			}
			all := strings.Join(plan.Kept.Reasons, "; ")
			for _, r := range tt.reasons {
				if !strings.Contains(all, r) {
					t.Errorf("reasons %q lack %q", all, r)
				}
			}
			if !strings.Contains(plan.Explanation, "kept "+itoa(tt.nodes)+" nodes (the pods alone pack onto "+itoa(tt.packed)+", ") ||
				strings.Contains(plan.Explanation, "  a month") {
				t.Errorf("explanation does not say what kept the nodes: %s", plan.Explanation)
			}
		})
	}
}

// The current nodes are kept (already right-sized) only when they hold the
// pods under their constraints: a zone-spread workload whose pods all run
// in one zone now is moved, and a group below its minimum is not kept.
func TestPlanNodesTopologyCurrent(t *testing.T) {
	g := threeZones()
	g.Current[0].Type, g.Current[0].Hourly = "m5.large", usd("0.096")
	ps := withTopology(pods(3, 0.25, GiB/2), Topology{Group: "shop/Deployment/web", ZoneSkew: 1})
	for i := range ps {
		ps[i].Node = "n1"
	}
	plan, err := PlanNodes(g, ps, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plan.Explanation, "already right-sized") || plannedNodes(plan) != 3 {
		t.Errorf("3 m5.large in 3 zones for 3 zone-spread pods: %s", plan.Explanation)
	}
	g.MinNodes = 4
	if plan, err = PlanNodes(g, ps, catalog); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(plan.Explanation, "already right-sized") || plannedNodes(plan) != 4 || plan.Zones["us-west-2a"]+plan.Zones["us-west-2b"]+plan.Zones["us-west-2c"] != 4 {
		t.Errorf("minimum 4 over 3 nodes: %d nodes %v: %s", plannedNodes(plan), plan.Zones, plan.Explanation)
	}
}

// Pods that run where their constraints let the scheduler put them stay
// there when the current nodes are checked: 6 replicas spread by hostname
// (maxSkew 1) at 2 a node on 3 nodes, and a zone spread of maxSkew 2 at
// 2, 1 and 0 pods a zone, are already right-sized, not "not fitted".
func TestPlanNodesTopologyCurrentPlacementStays(t *testing.T) {
	g := threeZones()
	g.Current[0].Type, g.Current[0].Hourly = "m5.large", usd("0.096")
	hostname := withTopology(pods(6, 0.9, GiB), Topology{Group: "shop/Deployment/api", MaxPerNode: 1})
	for i := range hostname {
		hostname[i].Node = []string{"n1", "n2", "n3"}[i%3]
	}
	plan, err := PlanNodes(g, hostname, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plan.Explanation, "already right-sized") {
		t.Errorf("hostname spread, 2 a node now: %s", plan.Explanation)
	}
	zoned := withTopology(pods(3, 0.9, GiB), Topology{Group: "shop/Deployment/web", ZoneSkew: 2})
	for i, n := range []string{"n1", "n1", "n2"} {
		zoned[i].Node = n
	}
	zoned = append(zoned, PodRequest{Name: "big", CPU: 1.5, Memory: GiB, Node: "n3"})
	if plan, err = PlanNodes(g, zoned, catalog); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plan.Explanation, "already right-sized") {
		t.Errorf("zone spread of maxSkew 2 at 2, 1, 0: %s", plan.Explanation)
	}
}
