package collector_test

import (
	"context"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
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

// Processes that exit before the drain, unreadable /proc entries, binaries
// without symbols and stacks deeper than the kernel records: the agent
// degrades ([unknown] frames, host/<comm>) and never loses a sample.
func TestDegradeNeverCrash(t *testing.T) {
	prerequisites(t)
	bins := build(t)
	stripped := filepath.Join(t.TempDir(), "cwork-stripped")
	if out, err := exec.Command("strip", "-o", stripped, bins.c).CombinedOutput(); err != nil {
		t.Fatalf("strip: %v\n%s", err, out)
	}
	mounts, err := cgroups.DetectMounts("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	prof, err := profiler.Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer prof.Close()
	src := &tee{Profiler: prof}

	collect := func(t *testing.T, proc string) (*collector.Interval, uint64) {
		t.Helper()
		meta := podmeta.New(podmeta.Config{Mounts: mounts, Proc: proc})
		col := collector.New(collector.Config{Cluster: "prod", Source: src, Symbolizer: symbolize.New(symbolize.Config{Proc: proc}), Meta: meta})
		iv, err := col.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var total uint64
		for _, s := range src.all {
			total += s.Count
		}
		var inProfiles int64
		for _, c := range iv.Batch.Intervals[0].Containers {
			if len(c.Profile) == 0 {
				continue
			}
			p, err := profile.ParseData(c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Sample {
				inProfiles += s.Value[0]
			}
		}
		if uint64(inProfiles) != total || iv.Samples != total {
			t.Fatalf("profiles hold %d samples, the kernel counted %d: samples were dropped", inProfiles, total)
		}
		return iv, total
	}

	t.Run("exited before the drain, no symbols", func(t *testing.T) {
		prof.Drain()
		w := startWorkload(t, stripped, "1.5")
		w.go_()
		w.cpuTime(t)
		w.stdin.Close()
		w.cmd.Wait() // gone before the drain
		iv, total := collect(t, "/proc")
		pidSamples := src.byPID[w.pid()]
		if pidSamples < 50 {
			t.Fatalf("%d samples of the exited process", pidSamples)
		}
		found := false
		for _, c := range iv.Batch.Intervals[0].Containers {
			if c.Container == "host/cwork-stripped" {
				found = true
				p, _ := profile.ParseData(c.Profile)
				for _, s := range p.Sample {
					// The outermost frame is user code: its binary is gone.
					// A sample taken while the process exited may have no
					// user stack at all: its outermost frame is the kernel's.
					outer := s.Location[len(s.Location)-1]
					if m := outer.Mapping; m != nil && strings.HasPrefix(m.File, "[") {
						continue
					}
					if fn := outer.Line[0].Function; !strings.HasPrefix(fn.Name, tally.UnknownFunction) {
						t.Errorf("user frame of an exited, stripped process symbolized as %q", fn.Name)
					}
				}
			}
		}
		if !found {
			t.Errorf("no host/cwork-stripped container among %d (total %d samples)", len(iv.Batch.Intervals[0].Containers), total)
		}
	})

	t.Run("unreadable /proc", func(t *testing.T) {
		prof.Drain()
		w := startWorkload(t, bins.c, "1")
		w.go_()
		w.cpuTime(t)
		iv, _ := collect(t, t.TempDir()) // an empty directory as /proc
		for _, c := range iv.Batch.Intervals[0].Containers {
			// A sample's cgroup still names a pod whose cgroup exists on
			// this machine, such as another package's test pod running
			// at the same time: that attribution is right.
			if c.PodUID != "" && c.Container != podmeta.KernelContainer && !podCgroupExists(t, mounts, c.PodUID) {
				t.Errorf("attributed to a pod without /proc: %+v", c)
			}
		}
	})

	t.Run("very deep stacks", func(t *testing.T) {
		prof.Drain()
		w := startWorkload(t, bins.c, "1.5", "3000")
		w.go_()
		w.cpuTime(t)
		iv, _ := collect(t, "/proc")
		deepest := 0
		for _, c := range iv.Batch.Intervals[0].Containers {
			if c.Container != "host/cwork" {
				continue
			}
			p, _ := profile.ParseData(c.Profile)
			for _, s := range p.Sample {
				if len(s.Location) > deepest && s.Location[len(s.Location)-1].Line[0].Function.Name == "deep" {
					deepest = len(s.Location)
				}
			}
		}
		if deepest < 100 {
			t.Fatalf("deepest stack of deep() has %d frames, want the kernel's limit (127)", deepest)
		}
		t.Logf("3,000-deep recursion: %d frames kept, the rest cut by the kernel", deepest)
	})
	_ = time.Second
}

// podCgroupExists reports whether a cgroup of the pod uid exists under the
// cgroup mounts (cgroupfs or systemd naming).
func podCgroupExists(t *testing.T, mounts cgroups.Mounts, uid string) bool {
	t.Helper()
	roots := []string{mounts.V2}
	for _, m := range mounts.V1 {
		roots = append(roots, m)
	}
	names := []string{"pod" + uid, "pod" + strings.ReplaceAll(uid, "-", "_")}
	for _, root := range roots {
		if root == "" {
			continue
		}
		found := false
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || found || !d.IsDir() {
				return nil
			}
			for _, n := range names {
				if strings.Contains(d.Name(), n) {
					found = true
					return filepath.SkipAll
				}
			}
			return nil
		})
		if found {
			return true
		}
	}
	return false
}
