package profiler

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// requireBPF skips without root and BPF, unless CI=true.
func requireBPF(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root"
	} else if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		why = "needs a kernel with BTF"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("eBPF profiler test %s (CI=true: prerequisites must be present)", why)
	}
	t.Skipf("eBPF profiler test %s", why)
}

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{{"0", 1, true}, {"0-3", 4, true}, {"0-1,4,6-7", 5, true}, {"", 0, false}, {"3-1", 0, false}, {"x", 0, false}}
	for _, tt := range tests {
		got, err := parseCPUList(tt.in)
		if (err == nil) != tt.ok || len(got) != tt.want {
			t.Errorf("parseCPUList(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestFrequencyBounds(t *testing.T) {
	for _, f := range []int{0, -1, 1000} {
		if _, err := Open(f); err == nil {
			t.Errorf("Open(%d): no error", f)
		}
	}
}

func spin(d time.Duration) {
	end := time.Now().Add(d)
	x := 0
	for time.Now().Before(end) {
		x++
	}
	_ = x
}

func TestDrainCountsOwnProcess(t *testing.T) {
	requireBPF(t)
	p, err := Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for range 2 {
		spin(time.Second)
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
		// One busy thread at 99 Hz for 1 s: about 99 samples.
		if mine < 60 || withStack == 0 {
			t.Fatalf("own samples %d (with user stack: %d), all %d; want ≈99", mine, withStack, total)
		}
		t.Logf("own samples %d of %d, %d distinct", mine, total, len(samples))
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	// A STACK_TRACE map refuses a stack whose hash bucket holds another one
	// (EEXIST), so a rare drop is a collision, not a full map; with ~35
	// stacks in 16,384 buckets more than 1% would be a bug.
	if c.Samples == 0 || c.Dropped()*100 > c.Samples {
		t.Fatalf("counters %+v: no samples or more than 1%% dropped", c)
	}
	_ = runtime.NumCPU()
}
