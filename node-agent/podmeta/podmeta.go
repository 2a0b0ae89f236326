// Package podmeta attributes sampled processes to Kubernetes pods and
// containers: cgroup id → cgroup path (cgroup v2; /proc/<pid>/cgroup for
// v1 and hybrid hierarchies) → pod UID and container id (kubelet's systemd
// and cgroupfs naming; containerd, CRI-O and Docker) → the pod, from a
// client-go informer limited to this node (spec.nodeName). Processes outside
// pods are "host/<comm>"; kernel threads are "kernel". A pod is sent with
// its scheduling constraints and with the HorizontalPodAutoscaler scaling
// its workload, from a second informer on the cluster's HPAs.
package podmeta

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/tallyhq/tally/node-agent/cgroups"
)

// Container names for usage outside pods.
const (
	KernelContainer = "kernel"
	HostPrefix      = "host/"
	// PodContainer names a pod's own cgroup and its sandbox (pause)
	// container, which belong to no container of the spec.
	PodContainer = "POD"
)

// Target is where a sample's CPU time goes.
type Target struct {
	PodUID      string // "" outside pods
	Container   string // container name, "host/<comm>" or "kernel"
	ContainerID string
	CgroupPath  string
}

// Config configures Meta.
type Config struct {
	Client   kubernetes.Interface // nil: no pod names, only UIDs from cgroups
	NodeName string
	Mounts   cgroups.Mounts
	Proc     string // default /proc
	Logger   *slog.Logger
	// Resync is the informer's resync period (default 10 minutes).
	Resync time.Duration
}

// Meta resolves samples to pods.
type Meta struct {
	cfg      Config
	log      *slog.Logger
	factory  informers.SharedInformerFactory
	informer cache.SharedIndexInformer
	owners   *owners
	cancel   context.CancelFunc
	// hpaFactory runs the HorizontalPodAutoscaler informer (every
	// namespace), nil when the API refused to list HPAs.
	hpaFactory informers.SharedInformerFactory

	mu      sync.Mutex
	paths   map[uint64]string // cgroup v2 id → path, from the last walk
	seen    map[uint64]string // cgroup v2 id → path, remembered this drain
	walked  time.Time
	procs   map[procKey]Target // this drain's resolutions
	deleted map[string]deletedPod
	// warned are the pods whose unusable scheduling constraints were
	// logged (once each, not every drain), and the workloads whose HPAs'.
	warned map[string]bool
	// hpas are the cluster's HorizontalPodAutoscalers, indexed by scale
	// target (hpaTargetIndex); nil until synced, or when not listed.
	hpas cache.Indexer
}

// procKey names a program of a process in a cgroup: a pid that exec'd
// another program, or was reused within a drain by a process in another
// cgroup (another pod) or of another program, is resolved again.
type procKey struct {
	pid    uint32
	gen    uint64
	cgroup uint64
}

type deletedPod struct {
	pod *corev1.Pod
	at  time.Time
}

// keepDeleted is how long a deleted pod stays resolvable, so samples and
// usage of its last interval are still attributed.
const keepDeleted = 5 * time.Minute

// New returns a Meta; call Start before Attribute when a client is set.
func New(cfg Config) *Meta {
	if cfg.Proc == "" {
		cfg.Proc = "/proc"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Resync == 0 {
		cfg.Resync = 10 * time.Minute
	}
	m := &Meta{cfg: cfg, log: cfg.Logger, paths: map[uint64]string{}, seen: map[uint64]string{}, procs: map[procKey]Target{}, deleted: map[string]deletedPod{}, warned: map[string]bool{}}
	if cfg.Client != nil {
		m.owners = newOwners(cfg.Client)
	}
	return m
}

// Start starts the pod informer (pods on this node only) and the
// HorizontalPodAutoscaler informer (every namespace; see startHPAs), and
// waits until they have synced or ctx ends.
func (m *Meta) Start(ctx context.Context) error {
	if m.cfg.Client == nil {
		return nil
	}
	ctx, m.cancel = context.WithCancel(ctx)
	m.factory = informers.NewSharedInformerFactoryWithOptions(m.cfg.Client, m.cfg.Resync,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", m.cfg.NodeName).String()
		}))
	m.informer = m.factory.Core().V1().Pods().Informer()
	if err := m.informer.AddIndexers(cache.Indexers{"uid": func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok {
			return []string{string(p.UID)}, nil
		}
		return nil, nil
	}}); err != nil {
		return fmt.Errorf("index pods: %w", err)
	}
	if _, err := m.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: m.onDelete}); err != nil {
		return fmt.Errorf("watch pods: %w", err)
	}
	m.factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), m.informer.HasSynced) {
		return fmt.Errorf("sync pods of node %s: %w", m.cfg.NodeName, ctx.Err())
	}
	return m.startHPAs(ctx)
}

// Stop stops the informers and waits for them.
func (m *Meta) Stop() {
	if m.cancel != nil {
		m.cancel()
	}
	if m.factory != nil {
		m.factory.Shutdown()
	}
	if m.hpaFactory != nil {
		m.hpaFactory.Shutdown()
	}
}

func (m *Meta) onDelete(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		m.mu.Lock()
		m.deleted[string(p.UID)] = deletedPod{pod: p, at: time.Now()}
		m.mu.Unlock()
	}
}

// Pod returns the pod with uid, including pods deleted in the last minutes.
func (m *Meta) Pod(uid string) (*corev1.Pod, bool) {
	if m.informer != nil {
		objs, err := m.informer.GetIndexer().ByIndex("uid", uid)
		if err == nil {
			for _, o := range objs {
				if p, ok := o.(*corev1.Pod); ok && (p.Spec.NodeName == m.cfg.NodeName || m.cfg.NodeName == "") {
					return p, true
				}
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.deleted[uid]; ok {
		return d.pod, true
	}
	return nil, false
}

// EndDrain forgets this drain's per-process resolutions, remembered
// cgroups and old deleted pods.
func (m *Meta) EndDrain() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.procs = map[procKey]Target{}
	m.seen = map[uint64]string{}
	for uid, d := range m.deleted {
		if time.Since(d.at) > keepDeleted {
			delete(m.deleted, uid)
			delete(m.warned, uid)
		}
	}
}

// RememberCgroup records that the cgroup v2 id had path while the drain's
// samples were taken (the usage tracker saw it), so samples of a container
// whose cgroup is gone when they are attributed still find their pod. The
// memory lasts until EndDrain.
func (m *Meta) RememberCgroup(id uint64, path string) {
	if id == 0 {
		return
	}
	m.mu.Lock()
	m.seen[id] = path
	m.mu.Unlock()
}

// Process is a sampled process, as Attribute reads it.
type Process struct {
	PID uint32
	// Gen is the generation of the program it ran (0 if unknown): each
	// program of a pid is resolved on its own.
	Gen    uint64
	Cgroup uint64 // its cgroup v2 id
	// Name is the program's name (comm) as read while it ran, "" if
	// unknown: /proc/<pid>/comm at the drain then names a host process,
	// else Comm.
	Name    string
	Comm    string // the sampled thread's comm
	Kthread bool
}

// Attribute returns where a sample of process p belongs. A process in no
// pod is "host/" and its program's name: the name read while the program
// ran, as the program it exec'd (a wrapper's, an entrypoint's) or the
// process that took its pid has another. Resolutions are cached for the
// drain by pid, program and cgroup.
func (m *Meta) Attribute(p Process) Target {
	if p.Kthread {
		return Target{Container: KernelContainer}
	}
	k := procKey{p.PID, p.Gen, p.Cgroup}
	m.mu.Lock()
	if t, ok := m.procs[k]; ok {
		m.mu.Unlock()
		return t
	}
	m.mu.Unlock()
	t := m.resolve(p)
	m.mu.Lock()
	m.procs[k] = t
	m.mu.Unlock()
	return t
}

func (m *Meta) resolve(p Process) Target {
	var candidates []string
	if path := m.cgroupPath(p.Cgroup); path != "" {
		candidates = append(candidates, path)
	}
	// v1 and hybrid: the process's paths in each hierarchy.
	candidates = append(candidates, procCgroups(filepath.Join(m.cfg.Proc, strconv.Itoa(int(p.PID)), "cgroup"))...)
	for _, path := range candidates {
		loc, ok := cgroups.ParsePath(path)
		if !ok {
			continue
		}
		return Target{PodUID: loc.PodUID, ContainerID: loc.ContainerID, CgroupPath: path,
			Container: m.ContainerName(loc.PodUID, loc.ContainerID)}
	}
	name := p.Name
	if name == "" {
		name = processComm(m.cfg.Proc, p.PID)
	}
	if name == "" {
		name = p.Comm
	}
	if name == "" {
		name = "unknown"
	}
	return Target{Container: HostPrefix + name}
}

// ContainerName names the container with id in pod uid: from the pod's
// container statuses (regular, init and ephemeral), current or, for a
// container that restarted (after an OOM kill, say), its previous
// instance's id in lastState; PodContainer for the pod's own cgroup and
// sandbox.
func (m *Meta) ContainerName(uid, id string) string {
	if id == "" {
		return PodContainer
	}
	p, ok := m.Pod(uid)
	if !ok {
		return id[:min(12, len(id))] // a pod the informer does not know (yet)
	}
	lists := [][]corev1.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses, p.Status.EphemeralContainerStatuses}
	for _, list := range lists {
		for _, cs := range list {
			if runtimeID(cs.ContainerID) == id {
				return cs.Name
			}
		}
	}
	for _, list := range lists {
		for _, cs := range list {
			if t := cs.LastTerminationState.Terminated; t != nil && runtimeID(t.ContainerID) == id {
				return cs.Name
			}
		}
	}
	if len(p.Status.ContainerStatuses) == 0 && len(p.Status.InitContainerStatuses) == 0 && len(p.Spec.Containers) == 1 && len(p.Spec.InitContainers) == 0 {
		return p.Spec.Containers[0].Name // statuses not reported yet, and no other container it could be
	}
	return PodContainer
}

// Termination is a container instance's end, from the pod's status.
type Termination struct {
	Container   string // the container's name
	ContainerID string // the instance's runtime id
	FinishedAt  time.Time
}

// OOMKilled returns the containers of pod uid (regular, init and
// ephemeral) whose latest termination is an OOM kill that ended at or
// after since, the most recent first: the status kubelet reports once the
// runtime saw the container's main process killed by the kernel.
func (m *Meta) OOMKilled(uid string, since time.Time) []Termination {
	p, ok := m.Pod(uid)
	if !ok {
		return nil
	}
	since = since.Truncate(time.Second) // statuses say the time to the second
	var out []Termination
	for _, list := range [][]corev1.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses, p.Status.EphemeralContainerStatuses} {
		for _, cs := range list {
			t := cs.State.Terminated // not restarted (yet, or restartPolicy: Never)
			if t == nil {
				t = cs.LastTerminationState.Terminated
			}
			if t != nil && t.Reason == "OOMKilled" && !t.FinishedAt.IsZero() && !t.FinishedAt.Time.Before(since) {
				out = append(out, Termination{Container: cs.Name, ContainerID: runtimeID(t.ContainerID), FinishedAt: t.FinishedAt.Time})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FinishedAt.After(out[j].FinishedAt) })
	return out
}

// runtimeID strips the runtime from a status's container id
// ("containerd://<id>").
func runtimeID(s string) string {
	_, id, _ := strings.Cut(s, "://")
	return id
}

// cgroupPath returns the cgroup v2 path of id, walking the hierarchy again
// (at most every few seconds) when id is new; a cgroup gone by then is
// found among those remembered this drain.
func (m *Meta) cgroupPath(id uint64) string {
	if m.cfg.Mounts.V2 == "" || id == 0 {
		return ""
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p, ok := m.paths[id]; ok {
		return p
	}
	if p, ok := m.seen[id]; ok {
		return p
	}
	if time.Since(m.walked) < 2*time.Second {
		return ""
	}
	m.walked = time.Now()
	paths := map[uint64]string{}
	root := m.cfg.Mounts.V2
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				paths[st.Ino] = "/" + strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
			}
		}
		return nil
	})
	m.paths = paths
	return paths[id]
}

// procCgroups returns the paths of a /proc/<pid>/cgroup file, v1 cpu/cpuacct first.
func procCgroups(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var first, rest []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if strings.Contains(parts[1], "cpu") {
			first = append(first, parts[2])
		} else {
			rest = append(rest, parts[2])
		}
	}
	return append(first, rest...)
}

func processComm(proc string, pid uint32) string {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(int(pid)), "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
