package profiler

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/prereq"
	"golang.org/x/sys/unix"
)

// requireBPF skips without root and BPF, unless CI=true.
func requireBPF(t *testing.T) {
	t.Helper()
	prereq.Require(t, "eBPF profiler test", prereq.Root, prereq.BTF)
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 1, true}, {"0-3", 4, true}, {"0-1,4,6-7", 5, true}, {"", 0, false}, {"3-1", 0, false}, {"x", 0, false},
		{"0-3,2", 4, true}, {"5,0", 2, true}, // overlapping and unordered: each CPU once
		{"0-999999999", 0, false}, {"65536", 0, false}, {"0-65535", 65536, true}, // no billion-CPU lists
		{"+1", 0, false}, {"1-+3", 0, false}, {"-1", 0, false},
	}
	for _, tt := range tests {
		got, err := parseCPUList(tt.in)
		if (err == nil) != tt.ok || len(got) != tt.want || !slices.IsSorted(got) {
			t.Errorf("parseCPUList(%q) = %v…, %v", tt.in, got[:min(len(got), 8)], err)
		}
	}
}

// FuzzParseCPUList: a parsed list is sorted, each CPU once and in range,
// and the kernel's format of it parses back to the same CPUs.
func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0", "0-3", "0-1,4,6-7", "3-1", "0-3,2", "0-65535", "0-999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cpus, err := parseCPUList(s)
		if err != nil {
			return
		}
		var parts []string
		for i, c := range cpus {
			if c < 0 || c > maxCPU || (i > 0 && c <= cpus[i-1]) {
				t.Fatalf("parseCPUList(%q): CPU %d at %d of %v", s, c, i, cpus[:min(len(cpus), 8)])
			}
			parts = append(parts, strconv.Itoa(c))
		}
		again, err := parseCPUList(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, cpus) {
			t.Fatalf("parseCPUList(%q) = %d CPUs; listed again: %d CPUs, %v", s, len(cpus), len(again), err)
		}
	})
}

func TestFrequencyBounds(t *testing.T) {
	for _, f := range []int{0, -1, 1000} {
		if _, err := Open(f); err == nil {
			t.Errorf("Open(%d): no error", f)
		}
	}
}

// spin keeps this thread busy until the process has used cpu of CPU time
// (at most ten times that in wall time, on a machine busy with other
// work), and returns the CPU time it used.
func spin(t *testing.T, cpu time.Duration) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := processCPU(t)
	deadline := time.Now().Add(10 * cpu)
	x := 0
	for time.Now().Before(deadline) {
		for range 1 << 16 {
			x++
		}
		if used := processCPU(t) - start; used >= cpu {
			return used
		}
	}
	_ = x
	return processCPU(t) - start
}

func processCPU(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestDrainCountsOwnProcess(t *testing.T) {
	requireBPF(t)
	p, err := Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for range 2 {
		used := spin(t, time.Second)
		samples, err := p.Drain()
		if err != nil {
			t.Fatal(err)
		}
		var mine, total uint64
		withStack := 0
		for _, s := range samples {
			total += s.Count
			if s.PID == uint32(os.Getpid()) {
				mine += s.Count
				if len(s.User) > 0 {
					withStack++
				}
			}
		}
		// At 99 Hz, a sample per 10.1 ms of this process's CPU time (the
		// machine may be busy with other tests: count CPU, not wall time).
		want := uint64(used.Seconds() * 99)
		if mine < want*6/10 || withStack == 0 {
			t.Fatalf("own samples %d (with user stack: %d), all %d; want ≈%d for %v of CPU", mine, withStack, total, want, used)
		}
		t.Logf("own samples %d of %d, %d distinct", mine, total, len(samples))
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	// The maps are preallocated and hold every stack of 30 s: nothing may
	// be lost.
	if c.Samples == 0 || c.Dropped() > 0 {
		t.Fatalf("counters %+v: no samples, or samples dropped", c)
	}
}

func TestStackEntries(t *testing.T) {
	for _, c := range []struct {
		hz, cpus int
		want     uint32
	}{
		{19, 2, 4096}, {1, 1, 1024}, {99, 2, 16384}, {999, 64, 16384}, {19, 8, 16384}, {10, 1, 1024}, {20, 1, 2048},
	} {
		if got := stackEntries(c.hz, c.cpus, 16384); got != c.want {
			t.Errorf("stackEntries(%d Hz, %d CPUs) = %d, want %d", c.hz, c.cpus, got, c.want)
		}
	}
}

// TestKernelStackErrorsUserMode checks that samples taken in user mode,
// whose kernel stack is empty, are not counted as kernel stack errors.
func TestKernelStackErrorsUserMode(t *testing.T) {
	requireBPF(t)
	p, err := Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	spin(t, time.Second)
	samples, err := p.Drain()
	if err != nil {
		t.Fatal(err)
	}
	var userMode uint64
	for _, s := range samples {
		if len(s.Kernel) == 0 && !s.Kthread {
			userMode += s.Count
		}
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if userMode < 20 {
		t.Fatalf("%d samples in user mode: the test tests nothing", userMode)
	}
	if c.KernelStackErrors > userMode/10 {
		t.Fatalf("%d kernel stack errors for %d samples in user mode (counters %+v)", c.KernelStackErrors, userMode, c)
	}
	t.Logf("%d samples in user mode, %d kernel stack errors", userMode, c.KernelStackErrors)
}

// TestProgramsBetweenDrains: Programs lists the programs of processes
// sampled since the last drain, each once and no kernel thread, each with
// its generation as the kernel knows it (Program), and leaves their
// samples to the drain.
func TestProgramsBetweenDrains(t *testing.T) {
	requireBPF(t)
	p, err := Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	spin(t, 500*time.Millisecond)
	progs, err := p.Programs()
	if err != nil {
		t.Fatal(err)
	}
	self := uint32(os.Getpid())
	gen, ok := p.Program(self)
	if !ok || gen == 0 {
		t.Fatalf("Program(%d) = %d, %v: this process was sampled", self, gen, ok)
	}
	if !slices.Contains(progs, Program{PID: self, Gen: gen}) {
		t.Fatalf("Programs %v: not this process's %d, generation %d", progs, self, gen)
	}
	seen := map[Program]bool{}
	for _, pr := range progs {
		if seen[pr] {
			t.Fatalf("Programs %v: %v twice", progs, pr)
		}
		seen[pr] = true
	}
	samples, err := p.Drain()
	if err != nil {
		t.Fatal(err)
	}
	mine := uint64(0)
	for _, s := range samples {
		if s.Kthread && slices.ContainsFunc(progs, func(pr Program) bool { return pr.PID == s.PID }) &&
			!slices.ContainsFunc(samples, func(o Sample) bool { return o.PID == s.PID && !o.Kthread }) {
			t.Errorf("Programs lists kernel thread %d (%s)", s.PID, s.Comm)
		}
		if s.PID == self {
			mine += s.Count
			if s.Gen != gen && !s.Kthread {
				t.Errorf("a sample of this process of generation %d, want %d", s.Gen, gen)
			}
		}
	}
	if mine < 20 {
		t.Fatalf("%d own samples drained after Programs: Programs took them", mine)
	}
	t.Logf("%d programs sampled, %d own samples drained", len(progs), mine)
}
