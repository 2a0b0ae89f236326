package tally

import (
	"fmt"
	"slices"
)

// Topology keys of the scheduling constraints Tally reads: one node, one zone.
const (
	TopologyHostname = "kubernetes.io/hostname"
	TopologyZone     = "topology.kubernetes.io/zone"
)

// MaxTopologySkew bounds the maxSkew and minDomains Tally keeps; larger
// values constrain nothing a node group could hold.
const MaxTopologySkew = 1000

// maxSpreads bounds the spread constraints kept of one pod (Kubernetes
// allows one per topology key and whenUnsatisfiable).
const maxSpreads = 8

// PodScheduling is what of a pod's spec constrains where the replicas of
// its own workload may run relative to one another, reduced to what
// matters to pack pods onto nodes: required pod anti-affinity and
// topology spread constraints that select the pod's own labels (its
// workload's replicas), on the node or the zone. A non-nil PodScheduling
// with no constraint says the pod has none.
type PodScheduling struct {
	// AntiAffinity are the topology keys (TopologyHostname, TopologyZone)
	// of its requiredDuringSchedulingIgnoredDuringExecution pod
	// anti-affinity terms against its workload's pods: at most one of
	// them per node, or per zone.
	AntiAffinity []string `json:"antiAffinity,omitempty"`
	// Spread are its topologySpreadConstraints with whenUnsatisfiable
	// DoNotSchedule over its workload's pods.
	Spread []TopologySpread `json:"spread,omitempty"`
}

// TopologySpread is a topology spread constraint (DoNotSchedule): the
// numbers of the workload's pods in any two domains of TopologyKey differ
// by at most MaxSkew; with MinDomains, fewer domains than that count as
// a global minimum of zero.
type TopologySpread struct {
	TopologyKey string `json:"topologyKey"`
	MaxSkew     int    `json:"maxSkew"`
	MinDomains  int    `json:"minDomains,omitempty"`
}

// Check returns why the constraint is unusable ("" when it is usable): a
// topology key Tally does not read, or a skew or domain count out of range.
func (s TopologySpread) Check() string {
	switch {
	case s.TopologyKey != TopologyHostname && s.TopologyKey != TopologyZone:
		return fmt.Sprintf("topologyKey %q is not %s or %s", s.TopologyKey, TopologyHostname, TopologyZone)
	case s.MaxSkew < 1 || s.MaxSkew > MaxTopologySkew:
		return fmt.Sprintf("maxSkew %d is not within 1 … %d", s.MaxSkew, MaxTopologySkew)
	case s.MinDomains < 0 || s.MinDomains > MaxTopologySkew:
		return fmt.Sprintf("minDomains %d is not within 0 … %d", s.MinDomains, MaxTopologySkew)
	}
	return ""
}

// Clean returns the usable part of s — its anti-affinity on a known
// topology key (each once) and its usable spread constraints — and why
// each other part was dropped. It never fails: scheduling constraints come
// from cluster objects, which Tally does not control.
func (s *PodScheduling) Clean() (*PodScheduling, []string) {
	if s == nil {
		return nil, nil
	}
	out := &PodScheduling{}
	var dropped []string
	for i, k := range s.AntiAffinity {
		if k != TopologyHostname && k != TopologyZone {
			dropped = append(dropped, fmt.Sprintf("antiAffinity[%d]: topologyKey %q is not %s or %s", i, k, TopologyHostname, TopologyZone))
			continue
		}
		if !slices.Contains(out.AntiAffinity, k) {
			out.AntiAffinity = append(out.AntiAffinity, k)
		}
	}
	for i, c := range s.Spread {
		if why := c.Check(); why != "" {
			dropped = append(dropped, fmt.Sprintf("spread[%d]: %s", i, why))
			continue
		}
		if len(out.Spread) >= maxSpreads {
			dropped = append(dropped, fmt.Sprintf("spread[%d]: more than %d constraints", i, maxSpreads))
			continue
		}
		out.Spread = append(out.Spread, c)
	}
	return out, dropped
}
