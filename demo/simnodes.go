package demo

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// newNode adds a node of pool p launched at launch, in zone, or when zone
// is "" in the zone of the cluster's where the pool has the fewest nodes, as
// an Auto Scaling group or a regional node pool balances its zones (ties
// from a random one on).
func (s *sim) newNode(p *pool, launch time.Time, zone string) *node {
	typ := p.Types[s.r.IntN(len(p.Types))]
	s.nodeSeq++
	n := &node{c: s.c, pool: p, seq: s.nodeSeq, Launch: launch}
	n.Zone = s.balancedZone(p, s.nodeSeq+s.r.IntN(len(s.c.Zones)))
	if zone != "" {
		n.Zone = zone
	}
	n.UID = randUUID(s.r)
	if s.c.Provider == tally.ProviderAWS {
		n.typ = awsTypes[typ]
		n.InstanceID = "i-0" + randHex(s.r, 16)
		zi := strings.IndexByte("abcdef", n.Zone[len(n.Zone)-1])
		for {
			n.PrivateIP = fmt.Sprintf("10.%d.%d.%d", 20+len(s.c.ID)%7, zi*64+s.r.IntN(64), 2+s.r.IntN(250))
			if !s.ips[n.PrivateIP] {
				break
			}
		}
		s.ips[n.PrivateIP] = true
		n.Name = "ip-" + strings.ReplaceAll(n.PrivateIP, ".", "-") + "." + s.c.Region + ".compute.internal"
		n.ProviderID = "aws:///" + n.Zone + "/" + n.InstanceID
	} else {
		n.typ = gcpTypes[typ]
		group := fmt.Sprintf("%08x", uint32(strHash(string(s.c.ID)+p.Name+n.Zone)))
		n.Name = "gke-" + string(s.c.ID) + "-" + strings.TrimSuffix(p.Name, "-pool") + "-" + group + "-" + randSuffix(s.r, 4)
		n.InstanceID = n.Name
		n.ProviderID = "gce://" + s.o.gcp.ProjectID + "/" + n.Zone + "/" + n.Name
	}
	n.allocCPU, n.allocMem = n.typ.allocatable()
	n.Ready = launch.Add(time.Duration(95+s.r.IntN(70)) * time.Second)
	n.hash = strHash(n.InstanceID)
	s.c.nodes = append(s.c.nodes, n)
	return n
}

// balancedZone returns the zone of the cluster's where pool p runs the
// fewest nodes, the first of those tied counting from the from'th zone.
func (s *sim) balancedZone(p *pool, from int) string {
	nodes := map[string]int{}
	for _, n := range s.c.nodes {
		if n.pool == p && n.alive() {
			nodes[n.Zone]++
		}
	}
	best := ""
	for i := range s.c.Zones {
		z := s.c.Zones[(from+i)%len(s.c.Zones)]
		if best == "" || nodes[z] < nodes[best] {
			best = z
		}
	}
	return best
}

// launch starts a node in pool p now, in zone (any when ""); it becomes
// ready a little later.
func (s *sim) launch(p *pool, zone string) *node {
	n := s.newNode(p, s.now.Add(time.Duration(5+s.r.IntN(20))*time.Second), zone)
	s.at(n.Ready, func() { s.nodeReady(n, n.Ready) })
	return n
}

func (s *sim) nodeReady(n *node, t time.Time) {
	if !n.Term.IsZero() {
		return
	}
	for _, w := range s.c.Loads {
		if w.Kind != kindDaemonSet {
			continue
		}
		p := s.newPod(w, 0, t)
		s.bind(p, n, t.Add(time.Duration(3+s.r.IntN(12))*time.Second))
	}
	s.retryPending(t.Add(20 * time.Second))
}

// terminate stops the node's instance at t: its pods stop and the ones a
// controller owns are recreated elsewhere.
func (s *sim) terminate(n *node, t time.Time) {
	if !n.Term.IsZero() {
		return
	}
	n.Term = t
	for _, p := range n.pods {
		if !p.End.IsZero() || p.Start.After(t) {
			continue
		}
		s.stop(p, t)
		if p.w.Kind != kindDaemonSet {
			s.replace(p, t.Add(time.Duration(2+s.r.IntN(8))*time.Second))
		}
	}
}

// drain moves the node's pods away now and terminates it shortly after.
func (s *sim) drain(n *node) {
	n.draining = true
	t := s.now
	for _, p := range n.pods {
		if p.End.IsZero() && p.w.Kind != kindDaemonSet && !p.Start.After(t) {
			s.stop(p, t)
			s.replace(p, t.Add(time.Duration(2+s.r.IntN(6))*time.Second))
		}
	}
	s.at(t.Add(time.Duration(45+s.r.IntN(60))*time.Second), func() { s.terminate(n, s.now) })
}

// scaleUp launches enough nodes in pool p for its pending pods, counting
// the capacity of nodes that are still booting. A pod spread over zones
// counts only on nodes of zones its spread allows, and a node launched for
// it goes to the zone with the fewest of its workload's pods.
func (s *sim) scaleUp(p *pool) {
	var want []*pod
	for _, q := range s.pending {
		if q.w.pool == p && q.End.IsZero() {
			want = append(want, q)
		}
	}
	if len(want) == 0 {
		return
	}
	type slot struct {
		cpu, mem int64
		zone     string
	}
	var slots []slot
	count := 0
	for _, n := range s.c.nodes {
		if n.pool != p || !n.alive() {
			continue
		}
		count++
		if n.Ready.After(s.now) {
			slots = append(slots, slot{n.allocCPU - n.usedCPU - s.dsCPU(), n.allocMem - n.usedMem - s.dsMem(), n.Zone})
		}
	}
	typ := s.typeOf(p)
	cpu, mem := typ.allocatable()
	spreads := map[*workload]zoneCounts{} // counts of the spread workloads, with the pods placed so far
	for _, q := range want {
		skew := q.w.zoneSkew()
		counts := spreads[q.w]
		if skew > 0 && counts == nil {
			counts = s.zoneCounts(q.w, s.now.Add(time.Hour)) // the booting nodes too
			spreads[q.w] = counts
		}
		placed := false
		for i := range slots {
			if slots[i].cpu >= q.cpuReq && slots[i].mem >= q.memReq && (skew == 0 || counts.allows(slots[i].zone, skew)) {
				slots[i].cpu -= q.cpuReq
				slots[i].mem -= q.memReq
				if skew > 0 {
					counts[slots[i].zone]++
				}
				placed = true
				break
			}
		}
		if placed || count >= p.Max {
			continue
		}
		zone := ""
		if skew > 0 {
			zone = counts.fewest(s.c.Zones)
			counts[zone]++
		}
		n := s.launch(p, zone)
		count++
		slots = append(slots, slot{cpu - s.dsCPU() - q.cpuReq, mem - s.dsMem() - q.memReq, n.Zone})
	}
}

func (s *sim) typeOf(p *pool) *instanceType {
	if s.c.Provider == tally.ProviderAWS {
		return awsTypes[p.Types[0]]
	}
	return gcpTypes[p.Types[0]]
}

// dsCPU and dsMem are the requests of the DaemonSets on every node.
func (s *sim) dsCPU() int64 {
	var v int64
	for _, w := range s.c.Loads {
		if w.Kind == kindDaemonSet {
			for _, c := range w.Containers {
				v += int64(math.Round(c.CPUReq * 1000))
			}
		}
	}
	return v
}

func (s *sim) dsMem() int64 {
	var v int64
	for _, w := range s.c.Loads {
		if w.Kind == kindDaemonSet {
			for _, c := range w.Containers {
				v += c.MemReq
			}
		}
	}
	return v
}

func (s *sim) removeIfEmpty(n *node) {
	if !n.alive() || s.liveNodes(n.pool) <= n.pool.Min {
		return
	}
	for _, p := range n.pods {
		if p.w.Kind != kindDaemonSet && p.End.IsZero() {
			return
		}
	}
	s.terminate(n, s.now)
}

func (s *sim) liveNodes(p *pool) int {
	k := 0
	for _, n := range s.c.nodes {
		if n.pool == p && n.alive() {
			k++
		}
	}
	return k
}

// scaleDown removes the least used node of a pool when its pods fit on the
// other nodes (at most one per pool per hour).
func (s *sim) scaleDown(p *pool) {
	var nodes []*node
	for _, n := range s.c.nodes {
		if n.pool == p && n.alive() && n.Ready.Before(s.now.Add(-30*time.Minute)) {
			nodes = append(nodes, n)
		}
	}
	if len(nodes) <= p.Min || len(s.pending) > 0 {
		return
	}
	util := func(n *node) float64 { return float64(n.usedCPU-s.dsCPU()) / float64(n.allocCPU-s.dsCPU()) }
	sort.SliceStable(nodes, func(i, j int) bool { return util(nodes[i]) < util(nodes[j]) })
	for _, n := range nodes {
		if util(n) < 0.5 {
			n.lowChecks++
		} else {
			n.lowChecks = 0
		}
	}
	// Like the cluster autoscaler's scale-down-unneeded-time: a node must
	// stay under-used across two checks before it goes.
	cand := nodes[0]
	if util(cand) >= 0.5 || cand.lowChecks < 2 {
		return
	}
	// Would its pods fit elsewhere?
	free := map[*node][2]int64{}
	for _, n := range nodes[1:] {
		free[n] = [2]int64{n.allocCPU - n.usedCPU, n.allocMem - n.usedMem}
	}
	for _, q := range cand.pods {
		if !q.End.IsZero() || q.w.Kind == kindDaemonSet {
			continue
		}
		ok := false
		for _, n := range nodes[1:] {
			f := free[n]
			if f[0] >= q.cpuReq && f[1] >= q.memReq {
				free[n] = [2]int64{f[0] - q.cpuReq, f[1] - q.memReq}
				ok = true
				break
			}
		}
		if !ok {
			return
		}
	}
	s.drain(cand)
}

// rollNodes replaces every node of the rollout pools one at a time.
func (s *sim) rollNodes() {
	step := 0
	for _, p := range s.c.Pools {
		if !p.Rollout {
			continue
		}
		var old []*node
		for _, n := range s.c.nodes {
			if n.pool == p && n.alive() {
				old = append(old, n)
			}
		}
		for _, n := range old {
			n, p := n, p
			t := s.now.Add(time.Duration(step) * 12 * time.Minute)
			step++
			s.at(t, func() { s.launch(p, n.Zone) }) // a node group keeps its zones
			s.at(t.Add(4*time.Minute), func() {
				if n.alive() {
					s.drain(n)
				}
			})
		}
	}
}
