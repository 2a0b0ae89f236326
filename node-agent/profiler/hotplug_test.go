package profiler

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/tallyhq/tally/bpf"
	"github.com/tallyhq/tally/internal/prereq"
)

// requireCPU1 skips unless CPU 1 is online (unless CI=true): the hotplug
// tests sample a thread pinned to it.
func requireCPU1(t *testing.T) {
	t.Helper()
	cpus, err := OnlineCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cpus, 1) {
		return
	}
	prereq.Unmet(t, "CPU hotplug test needs CPU 1 online, have %v", cpus)
}

// writeOnline writes list to the test's stand-in for
// /sys/devices/system/cpu/online (a new file if path is empty) and returns
// its path.
func writeOnline(t *testing.T, path, list string) string {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "online")
	}
	if err := os.WriteFile(path, []byte(list+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// spinOn runs a new thread named name, pinned to cpu, until it has used d
// of CPU time (at most ten times that in wall time, on a busy machine), and
// returns the CPU time it used. The goroutine exits with its thread locked,
// so the thread, its name and its affinity end with it. Go starts new
// threads from a template thread while one is locked, so no other thread
// inherits the name: every sample under name is of CPU cpu.
func spinOn(t *testing.T, cpu int, name string, d time.Duration) time.Duration {
	t.Helper()
	type result struct {
		used time.Duration
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		var set unix.CPUSet
		set.Set(cpu)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			done <- result{err: fmt.Errorf("pin to CPU %d: %w", cpu, err)}
			return
		}
		b, err := unix.BytePtrFromString(name)
		if err == nil {
			err = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(b)), 0, 0, 0)
		}
		runtime.KeepAlive(b)
		if err != nil {
			done <- result{err: fmt.Errorf("name thread %q: %w", name, err)}
			return
		}
		start, err := threadCPU()
		if err != nil {
			done <- result{err: err}
			return
		}
		deadline := time.Now().Add(10 * d)
		x := 0
		for time.Now().Before(deadline) {
			for range 1 << 16 {
				x++
			}
			now, err := threadCPU()
			if err != nil {
				done <- result{err: err}
				return
			}
			if now-start >= d {
				break
			}
		}
		_ = x
		end, err := threadCPU()
		done <- result{end - start, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.used
}

func threadCPU() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, fmt.Errorf("read thread CPU time: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}

// drainComm drains p and returns the samples of this process's threads
// named name.
func drainComm(t *testing.T, p *Profiler, name string) uint64 {
	t.Helper()
	samples, err := p.Drain()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, s := range samples {
		if s.PID == uint32(os.Getpid()) && s.Comm == name {
			n += s.Count
		}
	}
	return n
}

// perfEvents counts this process's open perf event file descriptors.
func perfEvents(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if dest, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && dest == "anon_inode:[perf_event]" {
			n++
		}
	}
	return n
}

// wantSampled fails unless a thread pinned to cpu is sampled: at 99 Hz a
// sample per 10.1 ms of its CPU time, 60% of that at least.
func wantSampled(t *testing.T, p *Profiler, cpu int) {
	t.Helper()
	name := fmt.Sprintf("tallyspin%d", cpu)
	used := spinOn(t, cpu, name, 500*time.Millisecond)
	got := drainComm(t, p, name)
	want := uint64(used.Seconds() * 99)
	if got < want*6/10 {
		t.Fatalf("%d samples of a thread pinned to CPU %d, want ≈%d for %v of CPU (profiler samples CPUs %v)", got, cpu, want, used, p.CPUs())
	}
	t.Logf("CPU %d: %d samples for %v of CPU", cpu, got, used)
}

// wantNotSampled fails if a thread pinned to cpu is sampled.
func wantNotSampled(t *testing.T, p *Profiler, cpu int) {
	t.Helper()
	name := fmt.Sprintf("tallyspin%d", cpu)
	used := spinOn(t, cpu, name, 200*time.Millisecond)
	if got := drainComm(t, p, name); got > 0 {
		t.Fatalf("%d samples of a thread pinned to CPU %d (%v of CPU), which is not to be sampled (profiler samples CPUs %v)", got, cpu, used, p.CPUs())
	}
}

func wantCPUs(t *testing.T, p *Profiler, want ...int) {
	t.Helper()
	if got := p.CPUs(); !slices.Equal(got, want) {
		t.Fatalf("profiler samples CPUs %v, want %v", got, want)
	}
}

// TestReconcileAddsCPU starts the profiler while the online list says only
// CPU 0 is online; once it says 0-1, the next drain attaches CPU 1.
func TestReconcileAddsCPU(t *testing.T) {
	requireBPF(t)
	requireCPU1(t)
	online := writeOnline(t, "", "0")
	p, err := open(99, online)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	wantCPUs(t, p, 0)
	wantNotSampled(t, p, 1)
	writeOnline(t, online, "0-1")
	if _, err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	wantSampled(t, p, 1)
	wantSampled(t, p, 0)
	wantCPUs(t, p, 0, 1)
}

// TestReconcileRemovesCPU starts the profiler on CPUs 0-1; once the online
// list says only 0, the next drain closes CPU 1's event.
func TestReconcileRemovesCPU(t *testing.T) {
	requireBPF(t)
	requireCPU1(t)
	before := perfEvents(t)
	online := writeOnline(t, "", "0-1")
	p, err := open(99, online)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	wantCPUs(t, p, 0, 1)
	if n := perfEvents(t) - before; n != 2 {
		t.Fatalf("%d perf events open, want 2", n)
	}
	wantSampled(t, p, 1)
	writeOnline(t, online, "0")
	if _, err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	wantNotSampled(t, p, 1)
	wantSampled(t, p, 0)
	if n := perfEvents(t) - before; n != 1 {
		t.Fatalf("%d perf events open after CPU 1 left, want 1", n)
	}
	wantCPUs(t, p, 0)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(); err == nil {
		t.Fatal("drain after Close: no error")
	}
	if n := perfEvents(t) - before; n != 0 {
		t.Fatalf("%d perf events open after Close (and a drain)", n)
	}
}

// TestReconcileReplacesDeadEvent turns CPU 1's event off, as the kernel
// does when the CPU goes offline (and leaves it off when it comes back):
// the next drain replaces it. Live events are kept.
func TestReconcileReplacesDeadEvent(t *testing.T) {
	requireBPF(t)
	requireCPU1(t)
	p, err := open(99, writeOnline(t, "", "0-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	events := map[int]*cpuEvent{0: p.events[0], 1: p.events[1]}
	// Drains at irregular intervals, busy or not, keep live events.
	for _, d := range []time.Duration{0, time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond} {
		time.Sleep(d)
		if _, err := p.Drain(); err != nil {
			t.Fatal(err)
		}
	}
	wantSampled(t, p, 1)
	for cpu, ev := range events {
		if p.events[cpu] != ev {
			t.Fatalf("CPU %d: live event replaced", cpu)
		}
	}
	if err := unix.IoctlSetInt(p.events[1].fd, unix.PERF_EVENT_IOC_DISABLE, 0); err != nil {
		t.Fatal(err)
	}
	wantNotSampled(t, p, 1) // drains 200 ms later: the event is replaced
	if p.events[0] != events[0] || p.events[1] == events[1] {
		t.Fatalf("after CPU 1's event was turned off: CPU 0's event replaced %v, CPU 1's %v; want false, true", p.events[0] != events[0], p.events[1] != events[1])
	}
	wantSampled(t, p, 1)
	if c, err := p.Counters(); err != nil || c.CPUErrors != 0 {
		t.Fatalf("counters %+v, %v: want no CPU errors", c, err)
	}
}

// TestReconcileCountsCPUErrors lists a CPU no perf event can be opened on:
// the profiler samples the others and counts a failure at every attempt.
func TestReconcileCountsCPUErrors(t *testing.T) {
	requireBPF(t)
	const bad = 4095 // past any CPU this machine has
	if cpus, err := OnlineCPUs(); err != nil || slices.Contains(cpus, bad) {
		t.Skipf("online CPUs %v, %v: CPU %d must be absent", cpus, err, bad)
	}
	online := writeOnline(t, "", fmt.Sprintf("0,%d", bad))
	p, err := open(99, online)
	if err != nil {
		t.Fatalf("open with one CPU that cannot be sampled: %v", err)
	}
	defer p.Close()
	wantCPUs(t, p, 0)
	wantErrors := func(n uint64) {
		t.Helper()
		c, err := p.Counters()
		if err != nil {
			t.Fatal(err)
		}
		if c.CPUErrors != n {
			t.Fatalf("%d CPU errors, want %d", c.CPUErrors, n)
		}
	}
	wantErrors(1)
	wantSampled(t, p, 0) // drains, so retries CPU 4095
	wantErrors(2)
	// An unreadable online list is one error; the CPUs stay as they were.
	if err := os.Remove(online); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Drain(); err != nil {
		t.Fatalf("drain with no online CPU list: %v", err)
	}
	wantErrors(3)
	wantCPUs(t, p, 0)

	// With no CPU to sample, open fails.
	if _, err := open(99, writeOnline(t, "", fmt.Sprint(bad))); err == nil {
		t.Fatalf("open with only CPU %d: no error", bad)
	} else {
		t.Logf("open with only CPU %d: %v", bad, err)
	}
}

// TestHotplug takes CPU 1 offline and back (real CPU hotplug) and checks
// that the profiler drops it and samples it again, also when it left and
// came back between two drains (its old event is dead: the kernel does not
// revive it). CPU 1 is offline for a fraction of a second at a time, and
// t.Cleanup brings it back whatever happens. It needs
// TALLY_TEST_HOTPLUG=1, as it takes a CPU from whatever else runs here.
func TestHotplug(t *testing.T) {
	if os.Getenv("TALLY_TEST_HOTPLUG") != "1" {
		t.Skip("set TALLY_TEST_HOTPLUG=1 to take CPU 1 offline and back (real CPU hotplug)")
	}
	requireBPF(t)
	requireCPU1(t)
	const ctl = "/sys/devices/system/cpu/cpu1/online"
	set := func(on bool) {
		t.Helper()
		v := "0"
		if on {
			v = "1"
		}
		if err := os.WriteFile(ctl, []byte(v), 0); err != nil {
			t.Fatalf("set CPU 1 online=%s: %v", v, err)
		}
	}
	t.Cleanup(func() {
		if err := os.WriteFile(ctl, []byte("1"), 0); err != nil {
			t.Errorf("bring CPU 1 back online: %v", err)
		}
	})
	p, err := Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !slices.Contains(p.CPUs(), 1) {
		t.Fatalf("profiler samples CPUs %v, want CPU 1 among them", p.CPUs())
	}
	before := len(p.CPUs())

	set(false)
	_, err = p.Drain()
	cpus := p.CPUs()
	set(true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) != before-1 || slices.Contains(cpus, 1) {
		t.Errorf("CPU 1 offline: profiler samples CPUs %v", cpus)
	}
	if _, err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	wantSampled(t, p, 1)

	// Offline and back between two drains, some time before the second
	// (as within any drain interval).
	set(false)
	set(true)
	time.Sleep(100 * time.Millisecond)
	if _, err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	wantSampled(t, p, 1)
	if c, err := p.Counters(); err != nil || c.CPUErrors != 0 {
		t.Fatalf("counters %+v, %v: want no CPU errors", c, err)
	}
}

// TestStacksSizedForPossibleCPUs starts the profiler while the online list
// says only CPU 0 is online: the stacks maps must still hold the samples of
// every possible CPU, as CPUs that come online later are sampled into them
// (sized for the CPUs online at start, they fill and stacks are lost).
func TestStacksSizedForPossibleCPUs(t *testing.T) {
	requireBPF(t)
	possible, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	if possible < 2 {
		t.Skipf("%d possible CPU: the test needs more possible CPUs than online", possible)
	}
	const hz = 19
	p, err := open(hz, writeOnline(t, "", "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	wantCPUs(t, p, 0)
	spec, err := bpf.LoadProfiler()
	if err != nil {
		t.Fatal(err)
	}
	want := stackEntries(hz, possible, spec.Maps["stacks_a"].MaxEntries)
	if want == stackEntries(hz, 1, spec.Maps["stacks_a"].MaxEntries) {
		t.Fatalf("%d possible CPUs at %d Hz need no more stacks than one CPU: the test tests nothing", possible, hz)
	}
	for name, m := range map[string]*ebpf.Map{"stacks_a": p.objs.StacksA, "stacks_b": p.objs.StacksB} {
		if got := m.MaxEntries(); got != want {
			t.Errorf("%s holds %d stacks with CPU 0 of %d possible online, want %d (sized for %d CPUs)", name, got, possible, want, possible)
		}
	}
}

// TestHotplugStartOffline opens the profiler while CPU 1 is really offline
// (real CPU hotplug, TALLY_TEST_HOTPLUG=1 as for TestHotplug): its stacks
// maps are sized for the possible CPUs all the same, and CPU 1 is sampled
// once it is back.
func TestHotplugStartOffline(t *testing.T) {
	if os.Getenv("TALLY_TEST_HOTPLUG") != "1" {
		t.Skip("set TALLY_TEST_HOTPLUG=1 to take CPU 1 offline and back (real CPU hotplug)")
	}
	requireBPF(t)
	requireCPU1(t)
	const ctl = "/sys/devices/system/cpu/cpu1/online"
	t.Cleanup(func() {
		if err := os.WriteFile(ctl, []byte("1"), 0); err != nil {
			t.Errorf("bring CPU 1 back online: %v", err)
		}
	})
	possible, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ctl, []byte("0"), 0); err != nil {
		t.Fatalf("take CPU 1 offline: %v", err)
	}
	p, err := Open(19)
	back := os.WriteFile(ctl, []byte("1"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if back != nil {
		t.Fatalf("bring CPU 1 back online: %v", back)
	}
	if slices.Contains(p.CPUs(), 1) {
		t.Fatalf("CPU 1 offline at start: profiler samples CPUs %v", p.CPUs())
	}
	spec, err := bpf.LoadProfiler()
	if err != nil {
		t.Fatal(err)
	}
	want := stackEntries(19, possible, spec.Maps["stacks_a"].MaxEntries)
	if got := p.objs.StacksA.MaxEntries(); got != want {
		t.Errorf("stacks_a holds %d stacks, want %d (sized for %d possible CPUs)", got, want, possible)
	}
	if _, err := p.Drain(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(p.CPUs(), 1) {
		t.Fatalf("CPU 1 back online: profiler samples CPUs %v", p.CPUs())
	}
}
