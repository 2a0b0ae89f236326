package collector_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/tallyhq/tally/internal/prereq"
	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/cgroups/cgrouptest"
	"github.com/tallyhq/tally/node-agent/collector"
	"github.com/tallyhq/tally/node-agent/podmeta"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// prerequisites skips (or, with CI=true, fails) without root, BPF, gcc and strip.
func prerequisites(t *testing.T) {
	t.Helper()
	prereq.Require(t, "agent integration test", prereq.Root, prereq.BTF, prereq.Program("gcc"), prereq.Program("strip"))
}

// tee records what the profiler drains, per process, for the assertions.
type tee struct {
	*profiler.Profiler
	mu    sync.Mutex
	byPID map[uint32]uint64
	all   []profiler.Sample
}

func (t *tee) Drain() ([]profiler.Sample, error) {
	s, err := t.Profiler.Drain()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byPID = map[uint32]uint64{}
	t.all = s
	for _, x := range s {
		t.byPID[x.PID] += x.Count
	}
	return s, err
}

type binaries struct{ goStripped, c, jit string }

var (
	buildOnce sync.Once
	built     binaries
	buildErr  error
)

// build compiles the workloads once: the Go one stripped, the C ones
// (a plain one and a fake JIT) with frame pointers.
func build(t *testing.T) binaries {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tally-agent-workloads")
		if err != nil {
			buildErr = err
			return
		}
		goBin := filepath.Join(dir, "gowork")
		steps := [][]string{
			{"go", "build", "-o", goBin, "./testdata/gowork"},
			{"strip", goBin},
			{"gcc", "-O2", "-fno-omit-frame-pointer", "-o", filepath.Join(dir, "cwork"), "testdata/cwork.c"},
			{"gcc", "-O1", "-fno-omit-frame-pointer", "-o", filepath.Join(dir, "cjit"), "testdata/cjit.c"},
		}
		for _, s := range steps {
			if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("%v: %v\n%s", s, err, out)
				return
			}
		}
		built = binaries{goStripped: goBin, c: filepath.Join(dir, "cwork"), jit: filepath.Join(dir, "cjit")}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// workload is a started workload process, gated on stdin.
type workload struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func startWorkload(t *testing.T, bin string, args ...string) *workload {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &workload{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	t.Cleanup(func() { w.cmd.Process.Kill(); w.cmd.Wait() })
	return w
}

func (w *workload) pid() uint32 { return uint32(w.cmd.Process.Pid) }
func (w *workload) go_()        { io.WriteString(w.stdin, "go\n") }

// cpuTime waits for the workload's own getrusage report.
func (w *workload) cpuTime(t *testing.T) time.Duration {
	t.Helper()
	line, err := w.out.ReadString('\n')
	if err != nil {
		t.Fatalf("workload report: %v", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		t.Fatalf("workload report %q: %v", line, err)
	}
	return time.Duration(n)
}

// podCgroup is a pod-like cgroup a test made.
type podCgroup struct {
	dirs []string // one per hierarchy, deepest last
	rel  string
}

// makeCgroup creates rel in each hierarchy root and moves pid into it.
func makeCgroup(t *testing.T, roots []string, rel string, pid uint32) podCgroup {
	t.Helper()
	return podCgroup{rel: rel, dirs: cgrouptest.Enter(t, roots, rel, int(pid))}
}

func testPod(uid, ns, name, container, runtime, id string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid), Namespace: ns, Name: name, Labels: map[string]string{"app": name, "pod-template-hash": "7d9f"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: name + "-7d9f", UID: types.UID("rs-" + uid), Controller: ptr(true)}}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: container, Image: "img", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}}}},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: container, ContainerID: runtime + "://" + id}}},
	}
}

func ptr[T any](v T) *T { return &v }

// fakeClient returns a fake clientset whose watches start only after its
// reactor is in place, and a channel closed once the pod watch is running.
func fakeClient(objs ...runtime.Object) (*fake.Clientset, chan struct{}) {
	client := fake.NewClientset(objs...)
	watching := make(chan struct{})
	var once sync.Once
	client.PrependWatchReactor("pods", func(action k8stesting.Action) (bool, watch.Interface, error) {
		gvr := action.GetResource()
		ns := action.GetNamespace()
		w, err := client.Tracker().Watch(gvr, ns)
		if err != nil {
			return false, nil, err
		}
		once.Do(func() { close(watching) })
		return true, w, nil
	})
	return client, watching
}

func hexID(seed byte) string { return strings.Repeat(fmt.Sprintf("%02x", seed), 32) }

// expectation is what one workload must show.
type expectation struct {
	name      string
	w         *workload
	podUID    string
	container string
	chain     []string // hot function first, then its callers
}

func TestAgentEndToEnd(t *testing.T) {
	prerequisites(t)
	mounts, err := cgroups.DetectMounts("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	bins := build(t)
	t.Run("cgroup v2, systemd driver", func(t *testing.T) {
		if mounts.V2 == "" {
			t.Fatal("no cgroup2 hierarchy mounted")
		}
		runScenario(t, mounts, bins, "v2")
	})
	t.Run("cgroup v1, cgroupfs driver", func(t *testing.T) {
		if mounts.V1["cpuacct"] == "" || mounts.V1["memory"] == "" {
			t.Skip("no cgroup v1 cpuacct and memory hierarchies on this machine (pure cgroup v2)")
		}
		runScenario(t, mounts, bins, "v1")
	})
}

func runScenario(t *testing.T, mounts cgroups.Mounts, bins binaries, mode string) {
	const busy = 2 * time.Second // CPU time per workload
	tag := map[string]string{"v2": "2", "v1": "1"}[mode]
	goUID, cUID := "11111111-2222-4333-8444-"+tag+"00000000001", "11111111-2222-4333-8444-"+tag+"00000000002"
	goID, cID := hexID(0xa1), hexID(0xc1)
	if mode == "v1" {
		goID, cID = hexID(0xa2), hexID(0xc2)
	}
	goW := startWorkload(t, bins.goStripped, busy.String())
	cW := startWorkload(t, bins.c, strconv.FormatFloat(busy.Seconds(), 'f', 1, 64))

	var goRel, cRel string
	var roots []string
	switch mode {
	case "v2":
		us := func(u string) string { return strings.ReplaceAll(u, "-", "_") }
		goRel = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + us(goUID) + ".slice/cri-containerd-" + goID + ".scope"
		cRel = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + us(cUID) + ".slice/crio-" + cID + ".scope"
		roots = []string{mounts.V2}
	case "v1":
		goRel = "/kubepods/burstable/pod" + goUID + "/" + goID
		cRel = "/kubepods/besteffort/pod" + cUID + "/" + cID
		roots = []string{mounts.V1["cpuacct"], mounts.V1["memory"]}
		if cpu := mounts.V1["cpu"]; cpu != mounts.V1["cpuacct"] {
			roots = append(roots, cpu)
		}
	}
	makeCgroup(t, roots, goRel, goW.pid())
	makeCgroup(t, roots, cRel, cW.pid())

	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api-7d9f", UID: "rs-" + types.UID(goUID),
		OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "api", Controller: ptr(true)}}}}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", UID: "node-uid", Labels: map[string]string{"node.kubernetes.io/instance-type": "m5.large"}},
		Spec: corev1.NodeSpec{ProviderID: "aws:///us-east-1a/i-0abc"},
		Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1900m"), corev1.ResourceMemory: resource.MustParse("7Gi")}}}
	goRuntime := map[string]string{"v2": "containerd", "v1": "docker"}[mode]
	cRuntime := map[string]string{"v2": "cri-o", "v1": "containerd"}[mode]
	client, watching := fakeClient(testPod(goUID, "shop", "api", "server", goRuntime, goID), rs, node)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	meta := podmeta.New(podmeta.Config{Client: client, NodeName: "node-1", Mounts: mounts})
	if err := meta.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer meta.Stop()
	<-watching
	// The second pod arrives through the watch.
	if _, err := client.CoreV1().Pods("batch").Create(ctx, testPod(cUID, "batch", "crunch", "worker", cRuntime, cID), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, ok := meta.Pod(cUID); !ok; _, ok = meta.Pod(cUID) {
		if time.Now().After(deadline) {
			t.Fatal("the informer never saw the second pod")
		}
		time.Sleep(10 * time.Millisecond)
	}

	prof, err := profiler.Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer prof.Close()
	src := &tee{Profiler: prof}
	tracker := cgroups.NewTracker(mounts)
	col := collector.New(collector.Config{Cluster: "prod", Source: src, Symbolizer: symbolize.New(symbolize.Config{}), Meta: meta, Usage: tracker})
	prof.Drain() // start from empty maps
	tracker.Sample()
	goW.go_()
	cW.go_()
	goCPU, cCPU := goW.cpuTime(t), cW.cpuTime(t)
	iv, err := col.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}

	usage := map[string]float64{}
	for _, c := range iv.Batch.Intervals[0].Containers {
		usage[c.PodUID+"/"+c.Container] += c.CPUCoreSeconds
	}
	for _, e := range []expectation{
		{"Go (stripped)", goW, goUID, "server", []string{"main.hot", "main.b", "main.a", "main.main"}},
		{"C", cW, cUID, "worker", []string{"hot_c", "c_b", "c_a", "main"}},
	} {
		own := e.w.cpuTime
		_ = own
		pidSamples := src.byPID[e.w.pid()]
		if pidSamples < 50 {
			t.Fatalf("%s: only %d samples of pid %d", e.name, pidSamples, e.w.pid())
		}
		p := findProfile(t, iv, e.podUID)
		var inPod, onChain int64
		for _, s := range p.Sample {
			inPod += s.Value[0]
			if hasChain(s, e.chain) {
				onChain += s.Value[0]
			}
		}
		attributed := float64(inPod) / float64(pidSamples)
		hot := float64(onChain) / float64(inPod)
		t.Logf("%s [%s]: %d samples, %.1f%% on pod %s/%s, %.1f%% in %s with its full call chain",
			e.name, mode, pidSamples, 100*attributed, e.podUID[len(e.podUID)-4:], e.container, 100*hot, e.chain[0])
		if attributed < 0.9 || attributed > 1.0001 {
			t.Errorf("%s: %.1f%% of its samples on its pod/container, want ≥ 90%%", e.name, 100*attributed)
		}
		if hot < 0.8 {
			t.Errorf("%s: %.1f%% of its samples in %v, want ≥ 80%%\n%s", e.name, 100*hot, e.chain, topStacks(p, 3))
		}
		if got := p.Sample[0].Label; got["namespace"] == nil || got["pod"] == nil || got["container"][0] != e.container || got["node"][0] != "node-1" {
			t.Errorf("%s: labels %v", e.name, got)
		}
		rusage := goCPU
		if e.name == "C" {
			rusage = cCPU
		}
		counted := usage[e.podUID+"/"+e.container]
		diff := (counted - rusage.Seconds()) / rusage.Seconds()
		t.Logf("%s [%s]: cgroup CPU %.3f s, getrusage %.3f s (%+.2f%%)", e.name, mode, counted, rusage.Seconds(), 100*diff)
		if diff < -0.05 || diff > 0.05 {
			t.Errorf("%s: cgroup CPU %.3f s vs getrusage %.3f s: off by %.1f%%, want within 5%%", e.name, counted, rusage.Seconds(), 100*diff)
		}
	}
	var goPod *struct{ kind, name string }
	for _, p := range iv.Batch.Pods {
		if p.UID == goUID {
			goPod = &struct{ kind, name string }{p.OwnerKind, p.OwnerName}
			if len(p.Containers) != 1 || p.Containers[0].CPURequest != 0.5 {
				t.Errorf("pod containers %+v", p.Containers)
			}
		}
	}
	if goPod == nil || goPod.kind != "Deployment" || goPod.name != "api" {
		t.Errorf("owner of the Go pod: %+v, want Deployment api", goPod)
	}
	if n := iv.Batch.Node; n.ProviderID != "aws:///us-east-1a/i-0abc" || n.CPUAllocatable != 1.9 || n.InstanceType != "m5.large" {
		t.Errorf("node %+v", n)
	}
	if mode == "v1" {
		for _, c := range iv.Batch.Intervals[0].Containers {
			if c.PodUID == goUID && c.MemoryWorkingMax <= 0 {
				t.Errorf("v1 memory working set of the Go workload: %+v", c)
			}
		}
	}
}

func findProfile(t *testing.T, iv *collector.Interval, podUID string) *profile.Profile {
	t.Helper()
	for _, c := range iv.Batch.Intervals[0].Containers {
		if c.PodUID == podUID && len(c.Profile) > 0 {
			p, err := profile.ParseData(c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatalf("no profile for pod %s in %d containers", podUID, len(iv.Batch.Intervals[0].Containers))
	return nil
}

// hasChain reports whether the sample's stack holds chain (hot function,
// then its callers) as consecutive frames.
func hasChain(s *profile.Sample, chain []string) bool {
	var names []string
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			names = append(names, l.Function.Name)
		}
	}
	for i := range names {
		if names[i] != chain[0] {
			continue
		}
		ok := i+len(chain) <= len(names)
		for j := 1; ok && j < len(chain); j++ {
			ok = names[i+j] == chain[j]
		}
		if ok {
			return true
		}
	}
	return false
}

func topStacks(p *profile.Profile, n int) string {
	var b strings.Builder
	for i, s := range p.Sample {
		if i == n {
			break
		}
		fmt.Fprintf(&b, "  %d:", s.Value[0])
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				fmt.Fprintf(&b, " %s", l.Function.Name)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
