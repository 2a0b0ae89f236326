package demo

import (
	"container/heap"
	"math/rand/v2"
	"time"
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
