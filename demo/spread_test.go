package demo

import (
	"maps"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestBestNodeKeepsZoneSpread: the simulated scheduler placed a pod on the
// node with the most free CPU whatever its workload's zone spread, so six
// replicas spread over three zones (maxSkew 1) all went to the zone of the
// one large node. They now go two to a zone, and only a workload without
// the spread packs by free CPU alone. A node launched for a pending spread
// pod goes to the zone with the fewest of its workload's pods.
func TestBestNodeKeepsZoneSpread(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	zoneSpread := &tally.PodScheduling{Spread: []tally.TopologySpread{{TopologyKey: tally.TopologyZone, MaxSkew: 1}}}
	for _, tc := range []struct {
		name       string
		scheduling *tally.PodScheduling
		want       map[string]int
	}{
		{"zone spread", zoneSpread, map[string]int{"z-a": 2, "z-b": 2, "z-c": 2}},
		{"no constraint", &tally.PodScheduling{}, map[string]int{"z-a": 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &cluster{ID: ClusterProd, Zones: []string{"z-a", "z-b", "z-c"}}
			pl := &pool{cluster: c, Name: "general", Max: 10}
			w := &workload{cluster: c, pool: pl, Kind: tally.KindDeployment, Scheduling: tc.scheduling}
			s := &sim{c: c, live: map[*workload][]*pod{}, now: t0}
			for _, z := range c.Zones {
				n := &node{c: c, pool: pl, Zone: z, Ready: t0.Add(-time.Hour), allocCPU: 4000, allocMem: 16 << 30}
				if z == "z-a" {
					n.allocCPU, n.allocMem = 32000, 128<<30 // least-allocated alone puts every replica here
				}
				c.nodes = append(c.nodes, n)
			}
			for range 6 {
				p := &pod{w: w, cpuReq: 500, memReq: 1 << 30}
				s.live[w] = append(s.live[w], p)
				n := s.bestNode(p, t0)
				if n == nil {
					t.Fatalf("no node for replica %d", len(s.live[w]))
				}
				s.bind(p, n, t0)
			}
			if got := nonZero(s.zoneCounts(w, t0)); !maps.Equal(got, tc.want) {
				t.Errorf("replicas by zone %v, want %v", got, tc.want)
			}
		})
	}
	// A node for a pending replica the spread keeps off z-a's free CPU goes
	// to the zone with the fewest replicas.
	counts := zoneCounts{"z-a": 3, "z-b": 2, "z-c": 2}
	if counts.allows("z-a", 1) || !counts.allows("z-b", 1) || counts.fewest([]string{"z-a", "z-b", "z-c"}) != "z-b" {
		t.Errorf("counts %v: allows z-a %v, z-b %v, fewest %s; want false, true, z-b", counts,
			counts.allows("z-a", 1), counts.allows("z-b", 1), counts.fewest([]string{"z-a", "z-b", "z-c"}))
	}
	if !(zoneCounts{"z-a": 1}).allows("z-b", 1) {
		t.Error("a zone with no node yet counts 0: one replica there keeps the skew")
	}
}

// nonZero returns the zones of c with pods.
func nonZero(c zoneCounts) map[string]int {
	out := map[string]int{}
	for z, k := range c {
		if k > 0 {
			out[z] = k
		}
	}
	return out
}
