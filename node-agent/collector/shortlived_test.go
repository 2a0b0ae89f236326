package collector_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/collector"
	"github.com/tallyhq/tally/node-agent/podmeta"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// TestShortLivedProcesses: a process that starts and exits within one
// interval (a Kubernetes Job, a CI step, a compiler) is symbolized. It is
// never alive at the drain, which comes at the interval's end: the agent
// must have read its mappings and opened its binaries while it ran, at its
// usage sampling tick, as a CI step's binary is often deleted as soon as
// it exits. Both workloads burn 3 s of CPU in a pod cgroup and exit on
// their own, from binaries removed once they exited; every frame was
// "[unknown] [anon]".
func TestShortLivedProcesses(t *testing.T) {
	prerequisites(t)
	const busy = 3 * time.Second // CPU time per workload, less than an interval
	mounts, err := cgroups.DetectMounts("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if mounts.V2 == "" {
		t.Fatal("no cgroup2 hierarchy mounted")
	}
	bins := build(t)
	dir := t.TempDir()
	goBin, cBin := filepath.Join(dir, "job"), filepath.Join(dir, "ci-step")
	for src, dst := range map[string]string{bins.goStripped: goBin, bins.c: cBin} {
		if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
	}
	goUID, cUID := "11111111-2222-4333-8444-300000000001", "11111111-2222-4333-8444-300000000002"
	us := func(u string) string { return strings.ReplaceAll(u, "-", "_") }
	goW := startWorkload(t, goBin, busy.String())
	cW := startWorkload(t, cBin, "3.0")
	jobCgroup(t, mounts.V2, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"+us(goUID)+".slice/cri-containerd-"+hexID(0xb1)+".scope", goW)
	jobCgroup(t, mounts.V2, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"+us(cUID)+".slice/cri-containerd-"+hexID(0xb2)+".scope", cW)

	prof, err := profiler.Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer prof.Close()
	src := &tee{Profiler: prof}
	tracker := cgroups.NewTracker(mounts)
	meta := podmeta.New(podmeta.Config{Mounts: mounts})
	col := collector.New(collector.Config{Cluster: "prod", Source: src, Symbolizer: symbolize.New(symbolize.Config{}), Meta: meta, Usage: tracker})
	prof.Drain() // start from empty maps
	tracker.Sample()

	// The workloads burn their CPU and exit (stdin closed) while the
	// agent's loop runs its sampling tick.
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for _, w := range []*workload{goW, cW} {
			w.out.ReadString('\n') // its CPU time, then it sees stdin closed
			w.cmd.Wait()
		}
	}()
	for _, w := range []*workload{goW, cW} {
		w.go_()
		w.stdin.Close()
	}
	began := time.Now()
	tick := time.NewTicker(cgroups.DefaultSampleEvery)
	defer tick.Stop()
wait:
	for {
		select {
		case <-tick.C: // as the agent's loop does
			tracker.Sample()
			if err := col.Prefetch(); err != nil {
				t.Fatal(err)
			}
		case <-exited:
			break wait
		}
	}
	lived := time.Since(began)
	// A CI step's build output goes with it.
	os.Remove(goBin)
	os.Remove(cBin)
	iv, err := col.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []expectation{
		{"Go (stripped)", goW, goUID, "", []string{"main.hot", "main.b", "main.a", "main.main"}},
		{"C", cW, cUID, "", []string{"hot_c", "c_b", "c_a", "main"}},
	} {
		pidSamples := src.byPID[e.w.pid()]
		if pidSamples < 50 {
			t.Fatalf("%s: only %d samples of pid %d", e.name, pidSamples, e.w.pid())
		}
		p := findProfile(t, iv, e.podUID)
		var inPod, onChain, unknown int64
		for _, s := range p.Sample {
			inPod += s.Value[0]
			if hasChain(s, e.chain) {
				onChain += s.Value[0]
			}
			if len(s.Location) > 0 && strings.HasPrefix(s.Location[0].Line[0].Function.Name, tally.UnknownFunction) {
				unknown += s.Value[0]
			}
		}
		hot := float64(onChain) / float64(inPod)
		t.Logf("%s: ran and exited within %s; %d samples, %.1f%% in %s with its full call chain, %.1f%% with an unknown leaf",
			e.name, lived.Round(time.Millisecond), inPod, 100*hot, e.chain[0], 100*float64(unknown)/float64(inPod))
		if hot < 0.8 {
			t.Errorf("%s: %.1f%% of its samples in %v, want ≥ 80%%\n%s", e.name, 100*hot, e.chain, topStacks(p, 3))
		}
	}
}

// jobCgroup creates the cgroup v2 rel under root and moves pid into it;
// the cgroup is removed after the test, once w has exited (unlike
// makeCgroup, it signals no pid: that of a process that exited may be
// another's by then).
func jobCgroup(t *testing.T, root, rel string, w *workload) {
	t.Helper()
	dir := filepath.Join(root, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	t.Cleanup(func() {
		w.cmd.Process.Kill() // a no-op once it was waited for
		for d := dir; d != root && strings.HasPrefix(d, root); d = filepath.Dir(d) {
			for i := 0; i < 100 && os.Remove(d) != nil && d == dir; i++ {
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(int(w.pid()))), 0o644); err != nil {
		t.Fatalf("move %d into %s: %v", w.pid(), dir, err)
	}
}
