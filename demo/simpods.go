package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/tallyhq/tally"
)

func (s *sim) newPod(w *workload, ordinal int, created time.Time) *pod {
	p := &pod{w: w, Ordinal: ordinal, Created: created, Version: s.version(w, created)}
	p.UID = randUUID(s.r)
	switch w.Kind {
	case tally.KindStatefulSet:
		p.Name = fmt.Sprintf("%s-%d", w.Name, ordinal)
	case kindDaemonSet:
		p.Name = w.Name + "-" + randSuffix(s.r, 5)
	case tally.KindCronJob:
		p.Name = fmt.Sprintf("%s-%d-%s", w.Name, created.Unix()/60, randSuffix(s.r, 5))
	default:
		p.Name = w.Name + "-" + rsHash(w, p.Version) + "-" + randSuffix(s.r, 5)
	}
	for _, c := range w.Containers {
		p.cpuReq += int64(math.Round(c.CPUReq * 1000))
		p.memReq += c.MemReq
		p.ctrIDs = append(p.ctrIDs, randHex(s.r, 64))
	}
	p.hash = strHash(p.UID)
	s.c.pods = append(s.c.pods, p)
	s.live[w] = append(s.live[w], p)
	return p
}

// rsHash is the ReplicaSet hash of a Deployment's version.
func rsHash(w *workload, version int) string {
	h := hashKey(w.id, uint64(version))
	b := make([]byte, 10)
	for i := range b {
		b[i] = podSuffixChars[h%uint64(len(podSuffixChars))]
		h = mix(h)
	}
	n := 9 + int(w.id%2)
	return string(b[:n])
}

// replace recreates a controller's pod (a new pod object) at t.
func (s *sim) replace(old *pod, t time.Time) {
	if old.w.Cron != nil && old.dur == 0 {
		return
	}
	p := s.newPod(old.w, old.Ordinal, t)
	p.dur = old.dur
	s.place(p, t)
}

func (s *sim) bind(p *pod, n *node, t time.Time) {
	p.node, p.Start = n, t
	n.usedCPU += p.cpuReq
	n.usedMem += p.memReq
	n.pods = append(n.pods, p)
	if p.dur > 0 {
		s.at(t.Add(p.dur), func() { s.jobDone(p) })
	}
}

func (s *sim) stop(p *pod, t time.Time) {
	if !p.End.IsZero() {
		return
	}
	live := s.live[p.w]
	for i, q := range live {
		if q == p {
			s.live[p.w] = append(live[:i:i], live[i+1:]...)
			break
		}
	}
	if p.node == nil {
		s.unpend(p)
		p.End = t
		p.Start = time.Time{}
		return
	}
	p.End = t
	p.node.usedCPU -= p.cpuReq
	p.node.usedMem -= p.memReq
}

func (s *sim) unpend(p *pod) {
	for i, q := range s.pending {
		if q == p {
			s.pending = append(s.pending[:i], s.pending[i+1:]...)
			return
		}
	}
}

// fits reports whether p's requests fit on n now.
func fits(n *node, p *pod) bool {
	return n.alive() && n.allocCPU-n.usedCPU >= p.cpuReq && n.allocMem-n.usedMem >= p.memReq
}

// place binds p to the ready node of its pool with the most free CPU, or
// leaves it pending and asks the autoscaler for a node.
func (s *sim) place(p *pod, t time.Time) {
	if best := s.bestNode(p, t); best != nil {
		s.bind(p, best, t)
		return
	}
	s.pending = append(s.pending, p)
	s.at(t.Add(10*time.Second), func() { s.scaleUp(p.w.pool) })
}

// bestNode is the ready node of p's pool where p fits with the most free
// CPU (the scheduler's least-allocated spread), or nil. A pod with pod
// anti-affinity on the node skips the nodes running its workload's pods;
// one spread over zones, the zones where one more of them would be more
// than its maxSkew over the zone with the fewest.
func (s *sim) bestNode(p *pod, t time.Time) *node {
	skew := p.w.zoneSkew()
	var counts zoneCounts
	if skew > 0 {
		counts = s.zoneCounts(p.w, t)
	}
	var best *node
	for _, n := range s.c.nodes {
		if n.pool != p.w.pool || n.Ready.After(t) || !fits(n, p) || p.w.antiAffinityOnHost() && runsOn(n, p.w) ||
			skew > 0 && !counts.allows(n.Zone, skew) {
			continue
		}
		if best == nil || n.allocCPU-n.usedCPU > best.allocCPU-best.usedCPU {
			best = n
		}
	}
	return best
}

// runsOn reports whether a pod of w runs on n (its anti-affinity keeps
// another off).
func runsOn(n *node, w *workload) bool {
	for _, q := range n.pods {
		if q.w == w && q.End.IsZero() {
			return true
		}
	}
	return false
}

// retryPending places pending pods in arrival order.
func (s *sim) retryPending(t time.Time) {
	pend := s.pending
	s.pending = nil
	for _, p := range pend {
		if !p.End.IsZero() {
			continue
		}
		if best := s.bestNode(p, t); best != nil {
			s.bind(p, best, t)
		} else {
			s.pending = append(s.pending, p)
		}
	}
}

// jobDone completes a Job pod; an emptied batch node goes away after ten
// idle minutes (the autoscaler's scale-down-unneeded-time).
func (s *sim) jobDone(p *pod) {
	if !p.End.IsZero() {
		return
	}
	n := p.node
	s.stop(p, s.now)
	s.retryPending(s.now)
	s.at(s.now.Add(10*time.Minute), func() { s.removeIfEmpty(n) })
}
