// Package collector assembles one interval of a node: it drains the eBPF
// profiler, symbolizes the stacks, attributes them to pods and containers,
// joins them with the exact usage from cgroup counters and returns the
// interval in the wire format (tally.AgentBatch), with one pprof profile per
// container.
//
// Counters give the totals, samples the breakdown: a container's CPU
// core-seconds are its cgroup's; its profile splits them by function.
// Processes outside pods ("host/<comm>") and kernel threads ("kernel") have
// no cgroup of their own, so their CPU seconds are estimated from samples
// (samples × sampling period).
package collector

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/podmeta"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/ship"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// Source is the profiler as the collector uses it.
type Source interface {
	Drain() ([]profiler.Sample, error)
	Counters() (profiler.Counters, error)
	Frequency() int
}

// Sampled is a Source that lists the programs it sampled since the last
// drain (the profiler does), for Prefetch.
type Sampled interface {
	Programs() ([]profiler.Program, error)
}

// Announcer is a Source that announces each process it samples for the
// first time, and for the first time since it exec'd (the profiler does),
// for Watch.
type Announcer interface {
	Processes() (*profiler.Processes, error)
}

// Mapper is a Source that reports the processes that mapped a file
// executable (the profiler does), for Watch.
type Mapper interface {
	WaitMapped(timeout time.Duration) (bool, error)
	Mapped() []uint32
	Program(pid uint32) (gen uint64, ok bool)
}

// Config wires a Collector.
type Config struct {
	Cluster    tally.ClusterID
	Source     Source
	Symbolizer *symbolize.Symbolizer
	Meta       *podmeta.Meta
	Usage      *cgroups.Tracker // nil: no usage records
	Logger     *slog.Logger
	// NodeRefresh is how often the node's description is fetched again (default 5 min).
	NodeRefresh time.Duration
}

// Collector produces intervals.
type Collector struct {
	cfg       Config
	log       *slog.Logger
	mu        sync.Mutex
	start     time.Time
	node      tally.AgentNode
	nodeAt    time.Time
	lastDrops uint64
	stats     Stats
	unnamed   map[string]*unnamedOOM // by pod UID
	oomNamed  map[string]time.Time   // instances named by nameOOMKills, by runtime id
	learned   atomic.Uint64          // announced processes Watch passed to the symbolizer
	skipped   atomic.Uint64          // announced processes Watch left to Prefetch (over LearnRate)
	remapped  atomic.Uint64          // processes Watch read again after they mapped a file executable
}

// unnamedOOM are OOM kills in a pod that no container cgroup showed (the
// killed container's cgroup was gone by the next sample), waiting for the
// pod's container statuses to name the container.
type unnamedOOM struct {
	kills int
	since time.Time // they happened after this
	found time.Time
}

// oomNameWait is how long OOM kills wait for a container status to name
// them before they are reported on the pod itself (PodContainer): kubelet
// reports an OOM-killed container's termination within seconds. Counted
// instances are remembered for oomNamedKeep, longer than a termination
// stays in the status window nameOOMKills looks at.
const (
	oomNameWait  = 2 * time.Minute
	oomNamedKeep = 10 * time.Minute
)

// Stats are cumulative counts for self-observation.
type Stats struct {
	Samples   uint64 // samples drained
	Intervals uint64
	LastDrain time.Duration // time the last Collect took
	// Learned counts the announced processes Watch passed to the
	// symbolizer (which reads those it does not know: Prefetched in its
	// Stats); Skipped those over LearnRate, left to Prefetch.
	Learned, Skipped uint64
	// Remapped counts the processes Watch had read again because they
	// mapped a file executable after they were announced (a dlopen).
	Remapped uint64
}

// Interval is one collected interval.
type Interval struct {
	Batch    *tally.AgentBatch
	Profiles map[string]*profile.Profile // by file name, e.g. "shop_api-7d9f_api.pb.gz"
	Samples  uint64
}

// New returns a Collector; the first interval starts now.
func New(cfg Config) *Collector {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NodeRefresh == 0 {
		cfg.NodeRefresh = 5 * time.Minute
	}
	return &Collector{cfg: cfg, log: cfg.Logger, start: time.Now().UTC(),
		unnamed: map[string]*unnamedOOM{}, oomNamed: map[string]time.Time{}}
}

// Stats returns the cumulative counters.
func (c *Collector) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats
	st.Learned, st.Skipped, st.Remapped = c.learned.Load(), c.skipped.Load(), c.remapped.Load()
	return st
}

// Prefetch has the symbolizer read the mappings and open the binaries of
// the processes sampled so far in this interval that it does not know
// yet, while they run: one that exits before the interval ends (a Job, a
// CI step, a compiler) would otherwise have no /proc/<pid> left to read
// at Collect, and its samples no names. The agent calls it at its usage
// sampling tick, every few seconds, for the processes Watch did not read
// (announcements lost, or over LearnRate). It does nothing when the
// Source cannot list its processes.
func (c *Collector) Prefetch() error {
	src, ok := c.cfg.Source.(Sampled)
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	progs, err := src.Programs()
	sp := make([]symbolize.Program, len(progs))
	for i, p := range progs {
		sp[i] = symbolize.Program{PID: p.PID, Gen: p.Gen}
	}
	c.cfg.Symbolizer.Prefetch(sp) // what was read before an error
	if err != nil {
		return fmt.Errorf("prefetch processes: %w", err)
	}
	return nil
}

type target struct{ pod, container string }

type bucket struct {
	containerID string
	stacks      map[string]*ship.StackCount
	samples     int64
}

// Collect ends the current interval and returns it.
func (c *Collector) Collect(ctx context.Context) (*Interval, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	began := time.Now()
	samples, err := c.cfg.Source.Drain()
	if err != nil {
		return nil, fmt.Errorf("drain profiler: %w", err)
	}
	end := time.Now().UTC()
	start := c.start
	c.start = end
	var usage []cgroups.Usage
	if c.cfg.Usage != nil {
		usage = c.cfg.Usage.Interval()
	}
	for _, u := range usage { // cgroups seen while sampling, some gone by now
		c.cfg.Meta.RememberCgroup(u.ID, u.Path)
	}
	period := int64(time.Second) / int64(c.cfg.Source.Frequency())

	buckets := map[target]*bucket{}
	var total uint64
	for _, s := range samples {
		total += s.Count
		frames := c.frames(&s) // reads the program, if it was not, and its name
		t := c.cfg.Meta.Attribute(c.process(&s))
		key := target{t.PodUID, t.Container}
		b := buckets[key]
		if b == nil {
			b = &bucket{containerID: t.ContainerID, stacks: map[string]*ship.StackCount{}}
			buckets[key] = b
		}
		sk := stackKey(frames)
		sc := b.stacks[sk]
		if sc == nil {
			sc = &ship.StackCount{Frames: frames}
			b.stacks[sk] = sc
		}
		sc.Count += int64(s.Count)
		b.samples += int64(s.Count)
	}
	c.cfg.Symbolizer.EndDrain()
	c.cfg.Meta.EndDrain()

	// Usage records from the counters, one per container.
	records := map[target]*tally.AgentUsage{}
	var order []target
	get := func(t target) *tally.AgentUsage {
		if r := records[t]; r != nil {
			return r
		}
		r := &tally.AgentUsage{PodUID: t.pod, Container: t.container}
		records[t] = r
		order = append(order, t)
		return r
	}
	for _, u := range usage {
		if u.ContainerID == "" { // a pod's own cgroup: OOM kills no container showed
			if u.UnseenOOMKills > 0 {
				if c.unnamed[u.PodUID] == nil {
					// The tracker's previous interval ended at start.
					c.unnamed[u.PodUID] = &unnamedOOM{since: start.Add(-cgroups.DefaultSampleEvery), found: end}
				}
				c.unnamed[u.PodUID].kills += u.UnseenOOMKills
			}
			continue
		}
		t := target{u.PodUID, c.cfg.Meta.ContainerName(u.PodUID, u.ContainerID)}
		r := get(t)
		r.CPUCoreSeconds += u.CPUSeconds
		r.Throttled += u.ThrottledSeconds
		r.MemoryWorkingSet += u.WorkingSetAvg
		r.MemoryWorkingMax += u.WorkingSetMax
		r.MemoryRSSMax += u.RSSMax
		r.OOMKills += u.OOMKills
	}
	c.nameOOMKills(end, get)
	node := c.nodeInfo(ctx)
	out := &Interval{Profiles: map[string]*profile.Profile{}, Samples: total}
	for t, b := range buckets {
		r := get(t)
		if t.pod == "" { // host and kernel: no cgroup of their own
			r.CPUCoreSeconds = float64(b.samples*period) / 1e9
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].pod != order[j].pod {
			return order[i].pod < order[j].pod
		}
		return order[i].container < order[j].container
	})
	iv := tally.AgentInterval{Start: start, End: end}
	pods := map[string]tally.AgentPod{}
	for _, t := range order {
		r := records[t]
		labels := ship.Labels{Container: t.container, Node: node.Name}
		if t.pod != "" {
			p, ok := pods[t.pod]
			if !ok {
				if p, ok = c.cfg.Meta.AgentPod(t.pod); ok {
					pods[t.pod] = p
				}
			}
			labels.Namespace, labels.Pod = p.Namespace, p.Name
		}
		if b := buckets[t]; b != nil {
			stacks := make([]ship.StackCount, 0, len(b.stacks))
			for _, sc := range b.stacks {
				stacks = append(stacks, *sc)
			}
			sort.Slice(stacks, func(i, j int) bool { return stacks[i].Count > stacks[j].Count })
			prof := ship.BuildProfile(labels, start, end, period, stacks)
			data, err := ship.EncodeProfile(prof)
			if err != nil {
				return nil, fmt.Errorf("encode profile of %s: %w", t.container, err)
			}
			r.Profile = data
			out.Profiles[fileName(labels)] = prof
		}
		iv.Containers = append(iv.Containers, *r)
	}
	batch := &tally.AgentBatch{Version: tally.AgentBatchVersion, Cluster: c.cfg.Cluster, Node: node, Intervals: []tally.AgentInterval{iv}}
	uids := make([]string, 0, len(pods))
	for uid := range pods {
		uids = append(uids, uid)
	}
	sort.Strings(uids)
	for _, uid := range uids {
		batch.Pods = append(batch.Pods, pods[uid])
	}
	if cnt, err := c.cfg.Source.Counters(); err == nil {
		batch.Dropped.Samples = cnt.Dropped()
	}
	out.Batch = batch
	c.stats.Samples += total
	c.stats.Intervals++
	c.stats.LastDrain = time.Since(began)
	return out, nil
}

// nameOOMKills adds the OOM kills that no container cgroup showed to the
// container instances the pods' statuses say were OOM-killed since, leaving
// out instances already named (a status keeps showing the last termination):
// one kill to each, the most recent first, any more to the most recent (a
// container that restarted again shows only its last termination). Kills
// still unnamed after oomNameWait go to the pod (PodContainer), so they are
// counted. Instances whose kill a container cgroup showed are not left out:
// the kill it showed may have been of another process (a worker) than the
// one whose end the status reports; since, one sample period before the
// kills' interval, keeps those terminations out unless another container
// of the pod was OOM-killed within seconds.
func (c *Collector) nameOOMKills(now time.Time, get func(target) *tally.AgentUsage) {
	for id, at := range c.oomNamed {
		if now.Sub(at) > oomNamedKeep {
			delete(c.oomNamed, id)
		}
	}
	for uid, u := range c.unnamed {
		var killed []podmeta.Termination
		for _, k := range c.cfg.Meta.OOMKilled(uid, u.since) {
			if _, counted := c.oomNamed[k.ContainerID]; !counted {
				killed = append(killed, k)
			}
		}
		if len(killed) == 0 {
			if now.Sub(u.found) < oomNameWait {
				continue
			}
			c.log.Warn("OOM kills in a pod whose container is unknown", "pod", uid, "kills", u.kills)
			killed = []podmeta.Termination{{Container: podmeta.PodContainer}}
		}
		for i := range u.kills {
			k := killed[0]
			if i < len(killed) {
				k = killed[i]
			}
			get(target{uid, k.Container}).OOMKills++
			if k.ContainerID != "" {
				c.oomNamed[k.ContainerID] = now
			}
		}
		delete(c.unnamed, uid)
	}
}

// process is the process that took sample s, named by the program it ran
// (see Symbolizer.Comm): a program whose name was never read and that no
// longer runs is named by the sampled thread's comm, not by what
// /proc/<pid>/comm says now (another program's).
func (c *Collector) process(s *profiler.Sample) podmeta.Process {
	p := podmeta.Process{PID: s.PID, Gen: s.Gen, Cgroup: s.Cgroup, Comm: s.Comm, Kthread: s.Kthread}
	if s.Kthread {
		return p
	}
	name, running := c.cfg.Symbolizer.Comm(s.PID, s.Gen)
	if name == "" && !running {
		name = s.Comm
	}
	p.Name = name
	return p
}

// frames returns a sample's stack, leaf first: kernel frames, then user
// frames. A sample whose stacks could not be read keeps one unknown frame,
// so totals still sum.
func (c *Collector) frames(s *profiler.Sample) []tally.Function {
	var frames []tally.Function
	if len(s.Kernel) > 0 {
		frames = append(frames, c.cfg.Symbolizer.Kernel(s.Kernel)...)
	}
	if len(s.User) > 0 {
		frames = append(frames, c.cfg.Symbolizer.User(s.PID, s.Gen, s.User)...)
	}
	if len(frames) == 0 {
		frames = []tally.Function{{Name: tally.UnknownFunction}}
	}
	return frames
}

func stackKey(frames []tally.Function) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Name)
		b.WriteByte(0)
		b.WriteString(f.Module)
		if f.Name == tally.UnknownFunction {
			b.WriteByte(0)
			b.WriteString(strconv.FormatUint(f.Offset, 16))
		}
		b.WriteByte(1)
	}
	return b.String()
}

func (c *Collector) nodeInfo(ctx context.Context) tally.AgentNode {
	if c.node.Name != "" && time.Since(c.nodeAt) < c.cfg.NodeRefresh {
		return c.node
	}
	n, err := c.cfg.Meta.Node(ctx)
	if err != nil {
		c.log.Warn("node description from the machine only", "err", err)
	}
	c.node, c.nodeAt = n, time.Now()
	return n
}

// fileName names a container's profile file: namespace_pod_container.pb.gz.
func fileName(l ship.Labels) string {
	parts := []string{}
	for _, p := range []string{l.Namespace, l.Pod, l.Container} {
		if p != "" {
			parts = append(parts, strings.NewReplacer("/", "-", "_", "-").Replace(p))
		}
	}
	return strings.Join(parts, "_") + ".pb.gz"
}
