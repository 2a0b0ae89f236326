package collector_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/tallyhq/tally/internal/prereq"
	"github.com/tallyhq/tally/node-agent/collector"
)

// programSource is a C program that burns argv[1] seconds of CPU in HOT,
// three calls deep (main → A → B → HOT), then execs argv[2] with the
// arguments after it, if any. Built once per HOT, without PIE, the
// programs map the same addresses and their functions lie at the same
// offsets: a sample of one named from the other's mappings gets the
// other's names. Its tag (HOT's name) gives each build a build id of its
// own: the linker's build id leaves the symbol table out.
const programSource = `#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define STR(x) #x
#define XSTR(x) STR(x)

volatile unsigned long sink;
const char tag[] = XSTR(HOT);

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void HOT(double until) {
	unsigned long x = 1;
	for (unsigned long n = 0;; n++) {
		for (int i = 0; i < 1000; i++) x = x * 31 + i;
		if ((n & 63) == 0 && now() > until) break;
	}
	sink = x;
}

__attribute__((noinline)) void B(double until) { HOT(until); sink++; }
__attribute__((noinline)) void A(double until) { B(until); sink++; }

int main(int argc, char **argv) {
	sink += tag[0];
	A(now() + atof(argv[1]));
	if (argc > 2) {
		execv(argv[2], argv + 2);
		return 127;
	}
	return 0;
}
`

// launcherSource runs argv[2] with the arguments after it as a child of
// pid argv[1] (clone3 with set_tid, root only), waits for it and exits
// with its status; 3 when clone3 cannot set the pid, 4 when the pid is
// taken.
const launcherSource = `#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	pid_t want = atoi(argv[1]);
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0) return errno == EEXIST ? 4 : 3;
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0) return 5;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 6;
}
`

// buildPrograms compiles programSource as dir/<name> for each hot
// function name, and launcherSource as dir/launch.
func buildPrograms(t *testing.T, dir string, hot map[string]string) {
	t.Helper()
	src := filepath.Join(dir, "program.c")
	if err := os.WriteFile(src, []byte(programSource), 0o644); err != nil {
		t.Fatal(err)
	}
	launch := filepath.Join(dir, "launch.c")
	if err := os.WriteFile(launch, []byte(launcherSource), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{{"gcc", "-O2", "-o", filepath.Join(dir, "launch"), launch}}
	for name, fn := range hot {
		steps = append(steps, []string{"gcc", "-O2", "-fno-omit-frame-pointer", "-no-pie", "-fno-pie",
			"-DHOT=" + fn, "-DA=" + fn + "_a", "-DB=" + fn + "_b", "-o", filepath.Join(dir, name), src})
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
}

// checkPrograms collects the interval and checks the samples of two
// programs that ran in turn as one pid, a then b, for a second of CPU
// each: of the samples of the host processes named a or b (the pid's
// samples, whatever name it has at the drain), at least 35% must be in
// each program's chain, named from its own mappings: no frame in
// anonymous memory, where the other program's mappings put its C
// library.
func checkPrograms(t *testing.T, col *collector.Collector, a, b string) {
	t.Helper()
	iv, err := col.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	chains := map[string][]string{
		a: {"hot_a", "hot_a_b", "hot_a_a", "main"},
		b: {"hot_b", "hot_b_b", "hot_b_a", "main"},
	}
	var total int64
	on := map[string]int64{}
	var top strings.Builder
	for _, c := range iv.Batch.Intervals[0].Containers {
		if c.PodUID != "" || (c.Container != "host/"+a && c.Container != "host/"+b) || len(c.Profile) == 0 {
			continue
		}
		p, err := profile.ParseData(c.Profile)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&top, "%s:\n%s", c.Container, topStacks(p, 4))
	samples:
		for _, s := range p.Sample {
			total += s.Value[0]
			for _, loc := range s.Location {
				for _, l := range loc.Line {
					if strings.Contains(l.Function.Name, "[anon]") {
						continue samples
					}
				}
			}
			for prog, chain := range chains {
				if hasChain(s, chain) {
					on[prog] += s.Value[0]
				}
			}
		}
	}
	if total < 100 {
		t.Fatalf("%d samples of %s and %s, want 100 or more\n%s", total, a, b, top.String())
	}
	for _, prog := range []string{a, b} {
		share := float64(on[prog]) / float64(total)
		t.Logf("%s: %.1f%% of %d samples in %v", prog, 100*share, total, chains[prog])
		if share < 0.35 {
			t.Errorf("%s: %.1f%% of the samples in %v from its own mappings, want ≥ 35%%\n%s", prog, 100*share, chains[prog], top.String())
		}
	}
}

// execAB runs exec-a, which burns CPU in hot_a for a second and then
// execs exec-b, which burns it in hot_b for a second, under a collector
// watching processes.
func execAB(t *testing.T) *collector.Collector {
	t.Helper()
	prerequisites(t)
	dir := t.TempDir()
	buildPrograms(t, dir, map[string]string{"exec-a": "hot_a", "exec-b": "hot_b"})
	_, _, col := watchedCollector(t)
	cmd := exec.Command(filepath.Join(dir, "exec-a"), "1.0", filepath.Join(dir, "exec-b"), "1.0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("exec-a: %v\n%s", err, out)
	}
	return col
}

// TestSamplesBeforeExec: a process that burns CPU in program A for a
// second and then execs program B (a wrapper or an entrypoint that execs
// the server, a Go test binary re-exec'ing itself) has A's samples named
// with A's functions and B's with B's, in one interval. Both are non-PIE
// at the same addresses: A's samples were symbolized with B's mappings
// (the pid's at the drain) and named with B's functions, 0% in A's.
func TestSamplesBeforeExec(t *testing.T) {
	col := execAB(t)
	checkPrograms(t, col, "exec-a", "exec-b")
}

// TestSamplesBeforePidReuse: a process that burns CPU in program A for a
// second and exits, and another that gets its pid and burns CPU in
// program B, in one interval, have A's samples named with A's functions
// and B's with B's. The pid is reused at once with clone3's set_tid.
// A's samples were named with B's functions.
func TestSamplesBeforePidReuse(t *testing.T) {
	prerequisites(t)
	dir := t.TempDir()
	buildPrograms(t, dir, map[string]string{"pid-a": "hot_a", "pid-b": "hot_b"})
	_, _, col := watchedCollector(t)
	a := exec.Command(filepath.Join(dir, "pid-a"), "1.0")
	if out, err := a.CombinedOutput(); err != nil {
		t.Fatalf("pid-a: %v\n%s", err, out)
	}
	pid := a.Process.Pid // reaped: free
	out, err := exec.Command(filepath.Join(dir, "launch"), strconv.Itoa(pid), filepath.Join(dir, "pid-b"), "1.0").CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && (exit.ExitCode() == 3 || exit.ExitCode() == 4) {
		why := fmt.Sprintf("clone3 with set_tid failed (kernel before 5.5, or no CAP_SYS_ADMIN): exit %d", exit.ExitCode())
		if exit.ExitCode() == 4 {
			why = fmt.Sprintf("pid %d was taken by another process before it could be reused", pid)
		}
		prereq.Unmet(t, "cannot reuse a pid: %s", why)
	}
	if err != nil {
		t.Fatalf("launch pid-b as pid %d: %v\n%s", pid, err, out)
	}
	checkPrograms(t, col, "pid-a", "pid-b")
}
