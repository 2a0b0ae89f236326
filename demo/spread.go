package demo

import (
	"time"

	"github.com/tallyhq/tally"
)

// zoneSkew returns the maxSkew of w's topology spread over zones, or 0 when
// its pods declare none.
func (w *workload) zoneSkew() int {
	if w.Scheduling == nil {
		return 0
	}
	for _, c := range w.Scheduling.Spread {
		if c.TopologyKey == tally.TopologyZone {
			return c.MaxSkew
		}
	}
	return 0
}

// zoneCounts are a workload's bound pods by zone, as the scheduler's
// PodTopologySpread counts them: every zone with a node of the workload's
// node group is a domain, with 0 where none of its pods runs.
type zoneCounts map[string]int

// zoneCounts counts w's bound pods by zone, over the zones of its pool's
// nodes ready by readyBy.
func (s *sim) zoneCounts(w *workload, readyBy time.Time) zoneCounts {
	c := zoneCounts{}
	for _, n := range s.c.nodes {
		if n.pool == w.pool && n.alive() && !n.Ready.After(readyBy) {
			c[n.Zone] += 0
		}
	}
	for _, q := range s.live[w] {
		if q.node != nil {
			c[q.node.Zone]++
		}
	}
	return c
}

// allows reports whether one more pod in zone keeps the counts within
// maxSkew of their least (DoNotSchedule). A zone that is not a domain yet
// (its first node) counts 0.
func (c zoneCounts) allows(zone string, maxSkew int) bool {
	least := c[zone]
	for _, k := range c {
		least = min(least, k)
	}
	return c[zone]+1-least <= maxSkew
}

// fewest returns the zone of zones with the fewest pods, the first of
// those tied: where the cluster autoscaler adds a node for a pod that its
// spread keeps out of the others.
func (c zoneCounts) fewest(zones []string) string {
	best := ""
	for _, z := range zones {
		if best == "" || c[z] < c[best] {
			best = z
		}
	}
	return best
}
