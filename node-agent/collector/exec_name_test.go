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

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally/node-agent/collector"
)

// hostChains collects the interval and counts, per host container, the
// samples in each of chains' call chains (by program).
func hostChains(t *testing.T, col *collector.Collector, chains map[string][]string) map[string]map[string]int64 {
	t.Helper()
	iv, err := col.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	for _, c := range iv.Batch.Intervals[0].Containers {
		if c.PodUID != "" || !strings.HasPrefix(c.Container, "host/") || len(c.Profile) == 0 {
			continue
		}
		p, err := profile.ParseData(c.Profile)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Sample {
			for prog, chain := range chains {
				if hasChain(s, chain) {
					if out[c.Container] == nil {
						out[c.Container] = map[string]int64{}
					}
					out[c.Container][prog] += s.Value[0]
				}
			}
		}
	}
	return out
}

// TestHostNameBeforeExec: the samples a host process took before it
// exec'd another program (a wrapper, an entrypoint) are named host/ and
// the name of the program that took them, not of the one it runs at the
// drain: exec-a burns a second of CPU, then execs sleep, which still runs
// at the drain. exec-a's samples were under host/sleep.
func TestHostNameBeforeExec(t *testing.T) {
	prerequisites(t)
	dir := t.TempDir()
	buildPrograms(t, dir, map[string]string{"exec-a": "hot_a"})
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	_, _, col := watchedCollector(t)
	cmd := exec.Command(filepath.Join(dir, "exec-a"), "1.0", sleep, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "comm"))
		if strings.TrimSpace(string(b)) == "sleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("exec-a did not exec sleep in 30 s")
		}
	}
	got := hostChains(t, col, map[string][]string{"a": {"hot_a", "hot_a_b", "hot_a_a", "main"}})
	t.Logf("samples in exec-a's chain by container: %v", got)
	if n := got["host/exec-a"]["a"]; n < 50 {
		t.Errorf("host/exec-a has %d samples in exec-a's chain, want 50 or more (all: %v)", n, got)
	}
	if n := got["host/sleep"]["a"]; n > 0 {
		t.Errorf("host/sleep has %d samples in exec-a's chain, want none (all: %v)", n, got)
	}
}

// TestHostNamesOfPrograms: a process that runs exec-a, then exec-b, both
// gone at the drain, has each program's samples under its own name. The
// pid's first resolution named both.
func TestHostNamesOfPrograms(t *testing.T) {
	col := execAB(t)
	got := hostChains(t, col, map[string][]string{
		"a": {"hot_a", "hot_a_b", "hot_a_a", "main"},
		"b": {"hot_b", "hot_b_b", "hot_b_a", "main"},
	})
	t.Logf("samples by container and program: %v", got)
	for _, tc := range []struct{ own, other, prog string }{{"host/exec-a", "host/exec-b", "a"}, {"host/exec-b", "host/exec-a", "b"}} {
		if n := got[tc.own][tc.prog]; n < 50 {
			t.Errorf("%s has %d samples of its program, want 50 or more (all: %v)", tc.own, n, got)
		}
		if n := got[tc.other][tc.prog]; n > 0 {
			t.Errorf("%s has %d samples of the other program, want none (all: %v)", tc.other, n, got)
		}
	}
}
