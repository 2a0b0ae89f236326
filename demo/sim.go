package demo

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// node is a machine of a cluster over its lifetime.
type node struct {
	c    *cluster
	pool *pool
	typ  *instanceType
	seq  int

	Name, UID, InstanceID, ProviderID, Zone, PrivateIP string

	Launch time.Time // billing starts (the instance runs)
	Ready  time.Time // the kubelet registered; pods can run
	Term   time.Time // billing ends; zero while it still runs at the window's end

	allocCPU, allocMem int64 // millicores, bytes
	usedCPU, usedMem   int64 // requests of bound pods
	pods               []*pod
	draining           bool
	lowChecks          int // consecutive scale-down checks that found it under-used
	hash               uint64
}

// pod is one pod over its lifetime.
type pod struct {
	w       *workload
	node    *node
	UID     string
	Name    string
	Ordinal int
	Version int
	Created time.Time
	Start   time.Time // bound and running; zero while pending
	End     time.Time // zero while it still runs at the window's end
	cpuReq  int64     // millicores
	memReq  int64     // bytes
	dur     time.Duration
	ctrIDs  []string
	hash    uint64
}

// end returns when the pod stopped, or the window end.
func (p *pod) end(windowEnd time.Time) time.Time {
	if p.End.IsZero() {
		return windowEnd
	}
	return p.End
}

// end returns when the node's instance stopped, or the window end.
func (n *node) end(windowEnd time.Time) time.Time {
	if n.Term.IsZero() {
		return windowEnd
	}
	return n.Term
}

// alive reports whether the node can host pods at its current state.
func (n *node) alive() bool { return n.Term.IsZero() && !n.draining }

// --- event queue ---

type simEvent struct {
	at  time.Time
	seq int
	fn  func()
}

type eventQueue []*simEvent

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*simEvent)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// sim simulates one cluster: Kubernetes scheduling, the cluster autoscaler,
// HPAs, CronJobs, rollouts, spot interruptions and node image rollouts.
type sim struct {
	o       *org
	c       *cluster
	r       *rand.Rand
	q       eventQueue
	seq     int
	now     time.Time
	pending []*pod
	nodeSeq int
	ips     map[string]bool
	live    map[*workload][]*pod // pods not yet stopped (running or pending)
}

func (s *sim) at(t time.Time, fn func()) {
	s.seq++
	heap.Push(&s.q, &simEvent{at: t, seq: s.seq, fn: fn})
}

// simulate runs the cluster over the window.
func (o *org) simulate(c *cluster) {
	s := &sim{o: o, c: c, r: newStream(o.seed, "sim/"+string(c.ID)), ips: map[string]bool{}, live: map[*workload][]*pod{}}
	s.planDeploys()
	s.bootstrap()
	for h := 0; h < o.hours; h++ {
		t0 := o.start.Add(time.Duration(h) * time.Hour)
		s.scheduleHour(h, t0)
		end := t0.Add(time.Hour)
		for s.q.Len() > 0 && s.q[0].at.Before(end) {
			e := heap.Pop(&s.q).(*simEvent)
			s.now = e.at
			e.fn()
		}
	}
}

// --- bootstrap: the cluster as it runs when the window opens ---

func (s *sim) bootstrap() {
	start := s.o.start
	for _, p := range s.c.Pools {
		n := p.Min
		if n == 0 {
			continue
		}
		for range n {
			launch := start.Add(-time.Duration(3+s.r.IntN(20*24)) * time.Hour).Add(-time.Duration(s.r.IntN(3600)) * time.Second)
			nd := s.newNode(p, launch, "")
			s.nodeReady(nd, nd.Ready)
		}
	}
	for _, w := range s.c.Loads {
		switch {
		case w.Kind == kindDaemonSet || w.Cron != nil:
			continue
		default:
			want := s.o.desiredReplicas(w, 0)
			for i := range want {
				created := start.Add(-time.Duration(1+s.r.IntN(120)) * time.Minute)
				p := s.newPod(w, i, created)
				s.place(p, created)
			}
		}
	}
	// Anything that did not fit waits for the autoscaler at the first tick.
}

// --- nodes ---

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

// --- pods ---

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

// --- the hourly controllers ---

func (s *sim) scheduleHour(h int, t0 time.Time) {
	for _, w := range s.c.Loads {
		w := w
		switch {
		case w.Kind == kindDaemonSet:
		case w.Cron != nil:
			for _, at := range cronTimes(w.Cron, t0) {
				s.at(at, func() { s.runJob(w, at) })
			}
		default:
			off := time.Duration(30+hashKey(w.id, 7)%540) * time.Second
			s.at(t0.Add(off), func() { s.reconcile(w, h) })
		}
	}
	// Spot interruptions: about one per 300 spot node-hours.
	for _, n := range s.c.nodes {
		if n.pool.Spot && n.alive() && n.Ready.Before(t0) && s.r.Float64() < 1.0/300 {
			n := n
			s.at(t0.Add(time.Duration(s.r.IntN(3600))*time.Second), func() { s.terminate(n, s.now) })
		}
	}
	s.at(t0.Add(35*time.Minute), func() {
		for _, p := range s.c.Pools {
			s.scaleDown(p)
		}
	})
	// A node image rollout every four weeks, on a Tuesday afternoon.
	if t0.Weekday() == time.Tuesday && t0.Hour() == 15 && (t0.YearDay()/7+int(strHash(string(s.c.ID))%4))%4 == 0 {
		s.at(t0.Add(5*time.Minute), s.rollNodes)
	}
	for _, w := range s.c.Loads {
		for _, at := range w.deploys {
			if !at.Before(t0) && at.Before(t0.Add(time.Hour)) {
				s.at(at, func() { s.rollout(w) })
			}
		}
	}
}

// reconcile brings a Deployment or StatefulSet to its desired replicas.
func (s *sim) reconcile(w *workload, h int) {
	want := s.o.desiredReplicas(w, h)
	live := append([]*pod(nil), s.live[w]...)
	if len(live) > want && w.Kind == tally.KindDeployment {
		sort.SliceStable(live, func(i, j int) bool { return live[i].Created.After(live[j].Created) })
		for _, p := range live[:len(live)-want] {
			s.stop(p, s.now)
		}
		s.retryPending(s.now)
		return
	}
	for i := len(live); i < want; i++ {
		p := s.newPod(w, i, s.now)
		s.place(p, s.now)
	}
}

// runJob starts a CronJob's pods.
func (s *sim) runJob(w *workload, at time.Time) {
	for i := range w.Cron.Parallelism {
		p := s.newPod(w, i, at.Add(time.Duration(1+i)*time.Second))
		span := int64(w.Cron.MaxDur - w.Cron.MinDur)
		p.dur = w.Cron.MinDur + time.Duration(s.r.Int64N(span+1)).Round(time.Second)
		s.place(p, p.Created)
	}
}

// cronTimes returns the schedule's fire times within [t0, t0+1h).
func cronTimes(c *cronSpec, t0 time.Time) []time.Time {
	at := t0.Add(time.Duration(c.Minute) * time.Minute)
	switch c.Every {
	case "hourly":
		return []time.Time{at}
	case "daily":
		if t0.Hour() == c.Hour {
			return []time.Time{at}
		}
	case "weekly":
		if t0.Hour() == c.Hour && t0.Weekday() == c.Weekday {
			return []time.Time{at}
		}
	}
	return nil
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

// rollout replaces a workload's pods with its new version.
func (s *sim) rollout(w *workload) {
	live := append([]*pod(nil), s.live[w]...)
	sort.SliceStable(live, func(i, j int) bool { return live[i].Ordinal > live[j].Ordinal })
	for i, old := range live {
		old := old
		t := s.now.Add(time.Duration(i*25) * time.Second)
		s.at(t, func() {
			if !old.End.IsZero() {
				return
			}
			s.stop(old, s.now)
			p := s.newPod(w, old.Ordinal, s.now.Add(2*time.Second))
			s.place(p, p.Created)
		})
	}
}

// version returns the index of w's version running at t.
func (s *sim) version(w *workload, t time.Time) int {
	v := 0
	for _, d := range w.deploys {
		if !t.Before(d) {
			v++
		}
	}
	return v
}

// planDeploys schedules routine rollouts of the cluster's Deployments (every
// five to twelve days, weekday afternoons) and the regression deploy.
func (s *sim) planDeploys() {
	reg := s.o.regression
	for _, w := range s.c.Loads {
		if w.Kind != tally.KindDeployment || len(w.Versions) < 2 {
			continue
		}
		r := newStream(s.o.seed, "deploys/"+string(s.c.ID)+"/"+w.Name)
		t := s.o.start.Add(time.Duration(r.IntN(6*24)) * time.Hour)
		for {
			t = t.Add(time.Duration(5*24+r.IntN(7*24)) * time.Hour)
			day := t.Truncate(24 * time.Hour)
			for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
				day = day.Add(24 * time.Hour)
			}
			t = day.Add(time.Duration(14*60+r.IntN(8*60)) * time.Minute)
			if !t.Before(s.o.end) || len(w.deploys)+2 >= len(w.Versions) {
				break
			}
			if reg.w == w && t.Sub(reg.at).Abs() < 36*time.Hour {
				continue
			}
			w.deploys = append(w.deploys, t)
		}
		if reg.w == w {
			w.deploys = append(w.deploys, reg.at)
			sort.Slice(w.deploys, func(i, j int) bool { return w.deploys[i].Before(w.deploys[j]) })
			for i, d := range w.deploys {
				if d.Equal(reg.at) {
					w.regressAt = i + 1
				}
			}
			// The regression ships as a new minor release.
			for i := w.regressAt; i < len(w.Versions); i++ {
				w.Versions[i] = fmt.Sprintf("v2.14.%d", i-w.regressAt)
			}
		}
	}
}
