package collector_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/collector"
	"github.com/tallyhq/tally/node-agent/podmeta"
	"github.com/tallyhq/tally/node-agent/profiler"
	"github.com/tallyhq/tally/node-agent/symbolize"
)

// runWatch runs the collector's Watch, as the agent does, until the test ends.
func runWatch(t *testing.T, col *collector.Collector) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- col.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watch: %v", err)
		}
	})
}

// TestProcessesBetweenTicks: processes that start and exit between two of
// the agent's usage ticks (compilers, a CI step's tools, a pipeline's
// processes) are symbolized: the profiler announces each at its first
// sample and the agent reads its mappings and opens its binaries at once.
// Each burner spins 300–800 ms of CPU and exits, its binary deleted after,
// and Prefetch (the tick) runs only between them; every sample of theirs
// was "[unknown] [anon]".
func TestProcessesBetweenTicks(t *testing.T) {
	prerequisites(t)
	bins := build(t)
	src, sym, col := watchedCollector(t)

	dir := t.TempDir()
	burns := []time.Duration{300 * time.Millisecond, 800 * time.Millisecond, 500 * time.Millisecond, 400 * time.Millisecond}
	pids := map[string][]uint32{}
	began := time.Now()
	for i, burn := range burns {
		if err := col.Prefetch(); err != nil { // the agent's tick: no burner runs
			t.Fatal(err)
		}
		var ws []*workload
		for _, b := range []struct{ name, src, arg string }{
			{"short-go", bins.goStripped, burn.String()},
			{"short-c", bins.c, fmt.Sprintf("%.3f", burn.Seconds())},
		} {
			// A fresh copy each time, deleted once it exited, as a build's output.
			bin := filepath.Join(dir, b.name)
			if out, err := exec.Command("cp", b.src, bin).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v\n%s", err, out)
			}
			w := startWorkload(t, bin, b.arg)
			w.go_()
			w.stdin.Close()
			ws = append(ws, w)
			pids[b.name] = append(pids[b.name], w.pid())
		}
		for _, w := range ws {
			w.out.ReadString('\n')
			if err := w.cmd.Wait(); err != nil {
				t.Fatalf("burner %d: %v", i, err)
			}
		}
		os.Remove(filepath.Join(dir, "short-go"))
		os.Remove(filepath.Join(dir, "short-c"))
	}
	elapsed := time.Since(began)
	iv, err := col.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		container string
		chain     []string
	}{
		{"host/short-go", []string{"main.hot", "main.b", "main.a", "main.main"}},
		{"host/short-c", []string{"hot_c", "c_b", "c_a", "main"}},
	} {
		var drained uint64
		for _, pid := range pids[e.container[len("host/"):]] {
			drained += src.byPID[pid]
		}
		if drained < 100 {
			t.Fatalf("%s: only %d samples of its %d processes", e.container, drained, len(burns))
		}
		var total, onChain, unknown int64
		for _, c := range iv.Batch.Intervals[0].Containers {
			if c.PodUID != "" || c.Container != e.container || len(c.Profile) == 0 {
				continue
			}
			p, err := profile.ParseData(c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Sample {
				total += s.Value[0]
				if hasChain(s, e.chain) {
					onChain += s.Value[0]
				}
				if len(s.Location) > 0 && strings.HasPrefix(s.Location[0].Line[0].Function.Name, tally.UnknownFunction) {
					unknown += s.Value[0]
				}
			}
		}
		if total == 0 {
			t.Fatalf("%s: no profile", e.container)
		}
		share := float64(onChain) / float64(total)
		t.Logf("%s: %d processes of 0.3–0.8 s in %s, %d samples, %.1f%% in %s with its full call chain, %.1f%% with an unknown leaf",
			e.container, len(burns), elapsed.Round(time.Millisecond), total, 100*share, e.chain[0], 100*float64(unknown)/float64(total))
		if share < 0.8 {
			t.Errorf("%s: %.1f%% of its samples in %v, want ≥ 80%%", e.container, 100*share, e.chain)
		}
	}
	st := col.Stats()
	t.Logf("processes read as announced: %d, over the rate: %d; read before the drain in all: %d", st.Learned, st.Skipped, sym.Stats().Prefetched)
}

// TestShortLivedJIT: a JIT process that starts and exits between two
// usage ticks is symbolized from its perf map (/tmp/perf-<pid>.map),
// removed once it exited: the agent opens the map while the process runs
// and reads what it holds at the drain. Each fake JIT maps its code and
// writes its map after it started, perhaps after its first sample: it is
// announced again 100 ms later. Every sample was "[unknown] [anon]".
func TestShortLivedJIT(t *testing.T) {
	prerequisites(t)
	bins := build(t)
	_, _, col := watchedCollector(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "short-jit")
	burns := []time.Duration{300 * time.Millisecond, 700 * time.Millisecond, 500 * time.Millisecond}
	for _, burn := range burns {
		if err := col.Prefetch(); err != nil { // the agent's tick: no JIT runs
			t.Fatal(err)
		}
		if out, err := exec.Command("cp", bins.jit, bin).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, fmt.Sprintf("%.3f", burn.Seconds())).Output()
		if err != nil {
			t.Fatalf("fake JIT: %v", err)
		}
		os.Remove(bin)
		os.Remove("/tmp/perf-" + strings.TrimSpace(string(out)) + ".map")
	}
	iv, err := col.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var total, jit int64
	var top string
	for _, c := range iv.Batch.Intervals[0].Containers {
		if c.PodUID != "" || c.Container != "host/short-jit" || len(c.Profile) == 0 {
			continue
		}
		p, err := profile.ParseData(c.Profile)
		if err != nil {
			t.Fatal(err)
		}
		top = topStacks(p, 3)
		for _, s := range p.Sample {
			total += s.Value[0]
			if len(s.Location) > 0 && s.Location[0].Line[0].Function.Name == "jit_spin" { // the leaf
				jit += s.Value[0]
			}
		}
	}
	if total < 50 {
		t.Fatalf("only %d samples of the fake JITs", total)
	}
	share := float64(jit) / float64(total)
	t.Logf("host/short-jit: %d processes of 0.3–0.7 s, %d samples, %.1f%% in jit_spin", len(burns), total, 100*share)
	if share < 0.8 {
		t.Errorf("%.1f%% of the fake JITs' samples in jit_spin, want ≥ 80%%\n%s", 100*share, top)
	}
}

// TestProcessStormBounded: a shell starting processes as fast as it can
// (a fork storm) makes the agent read at most LearnRate processes a
// second per CPU, LearnBurst seconds' worth more at once: the kernel
// announces no more processes than it takes samples, and Watch skips
// those over the rate. The test process's CPU time is the cost.
func TestProcessStormBounded(t *testing.T) {
	prerequisites(t)
	mounts, err := cgroups.DetectMounts("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	prof, err := profiler.Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer prof.Close()
	col := collector.New(collector.Config{Cluster: "prod", Source: prof, Symbolizer: symbolize.New(symbolize.Config{}), Meta: podmeta.New(podmeta.Config{Mounts: mounts})})
	prof.Drain()
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	began := time.Now()
	runWatch(t, col)
	const storm = 3 * time.Second
	cmd := exec.Command("sh", "-c", "while :; do /bin/true; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(storm)
	cmd.Process.Kill()
	cmd.Wait()
	time.Sleep(50 * time.Millisecond)
	elapsed := time.Since(began)
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	st := col.Stats()
	c, err := prof.Counters()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("storm of %s: %d processes read, %d over the rate, %d announcements lost; the test process used %s of CPU (%.2f%% of a CPU)",
		elapsed.Round(time.Millisecond), st.Learned, st.Skipped, c.ProcessEventsLost, cpu.Round(time.Millisecond), 100*cpu.Seconds()/elapsed.Seconds())
	rate := float64(collector.LearnRate * runtime.NumCPU())
	if most := uint64(rate * (elapsed.Seconds() + collector.LearnBurst)); st.Learned > most {
		t.Errorf("%d processes read in %s, want at most %d", st.Learned, elapsed, most)
	}
	if st.Learned == 0 {
		t.Errorf("no process of the storm read")
	}
}

// watchedCollector opens the profiler at 99 Hz (closed at the test's end),
// drained to start from empty maps, and a collector over it whose Watch
// runs until the test ends; the symbolizer checks programs with the
// profiler, as the agent's does.
func watchedCollector(t *testing.T) (*tee, *symbolize.Symbolizer, *collector.Collector) {
	t.Helper()
	mounts, err := cgroups.DetectMounts("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	prof, err := profiler.Open(99)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prof.Close() })
	src := &tee{Profiler: prof}
	sym := symbolize.New(symbolize.Config{Programs: prof})
	col := collector.New(collector.Config{Cluster: "prod", Source: src, Symbolizer: sym, Meta: podmeta.New(podmeta.Config{Mounts: mounts})})
	prof.Drain()
	runWatch(t, col)
	return src, sym, col
}
