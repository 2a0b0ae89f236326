package collector_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// lateLibSource burns CPU in late_hot, two calls deep (late_a → late_b →
// late_hot), until the process's CPU time reaches until.
const lateLibSource = `#include <time.h>

volatile unsigned long lib_sink;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void late_hot(double until) {
	unsigned long x = 1;
	for (unsigned long n = 0;; n++) {
		for (int i = 0; i < 1000; i++) x = x * 31 + i;
		if ((n & 63) == 0 && now() > until) break;
	}
	lib_sink = x;
}

__attribute__((noinline)) void late_b(double until) { late_hot(until); lib_sink++; }
__attribute__((noinline)) void late_a(double until) { late_b(until); lib_sink++; }
`

// dlopenerSource burns argv[1] seconds of CPU in its own code, then
// dlopens the library argv[2] and burns argv[3] seconds more in its
// late_a, and exits.
const dlopenerSource = `#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

volatile unsigned long sink;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void early_hot(double until) {
	unsigned long x = 1;
	for (unsigned long n = 0;; n++) {
		for (int i = 0; i < 1000; i++) x = x * 31 + i;
		if ((n & 63) == 0 && now() > until) break;
	}
	sink = x;
}

int main(int argc, char **argv) {
	early_hot(now() + atof(argv[1]));
	void *lib = dlopen(argv[2], RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	void (*late_a)(double) = (void (*)(double))dlsym(lib, "late_a");
	if (!late_a) {
		fprintf(stderr, "%s\n", dlerror());
		return 3;
	}
	late_a(now() + atof(argv[3]));
	return 0;
}
`

// TestLibraryDlopenedLate: a process that dlopens a library well after
// it started (a plugin, a Python extension, a JVM's native library),
// burns CPU in it and exits before the drain has that CPU named with
// the library's functions. The agent read the process's mappings when it
// was first sampled and 100 ms later, before the library was mapped, and
// at the drain the process was gone: every sample in the library was
// unnamed (0% of the process's samples in its functions).
func TestLibraryDlopenedLate(t *testing.T) {
	prerequisites(t)
	dir := t.TempDir()
	lib, bin := filepath.Join(dir, "liblate.so"), filepath.Join(dir, "dlopener")
	for name, src := range map[string]string{"late.c": lateLibSource, "dlopener.c": dlopenerSource} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range [][]string{
		{"gcc", "-O2", "-fno-omit-frame-pointer", "-shared", "-fPIC", "-o", lib, filepath.Join(dir, "late.c")},
		{"gcc", "-O2", "-fno-omit-frame-pointer", "-o", bin, filepath.Join(dir, "dlopener.c"), "-ldl"},
	} {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", s, err, out)
		}
	}
	src, _, col := watchedCollector(t)
	if c, err := src.Counters(); err != nil || c.MappingErrors != 0 {
		t.Fatalf("CPUs without a ring of mappings: %+v, %v", c, err)
	}
	if out, err := exec.Command(bin, "0.5", lib, "1.0").CombinedOutput(); err != nil {
		t.Fatalf("dlopener: %v\n%s", err, out)
	}
	iv, err := col.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var total, late int64
	var top strings.Builder
	for _, c := range iv.Batch.Intervals[0].Containers {
		if c.PodUID != "" || c.Container != "host/dlopener" || len(c.Profile) == 0 {
			continue
		}
		p, err := profile.ParseData(c.Profile)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&top, "%s:\n%s", c.Container, topStacks(p, 4))
		for _, s := range p.Sample {
			total += s.Value[0]
			if hasChain(s, []string{"late_hot", "late_b", "late_a"}) {
				late += s.Value[0]
			}
		}
	}
	if total < 50 {
		t.Fatalf("%d samples of dlopener, want 50 or more\n%s", total, top.String())
	}
	share := float64(late) / float64(total)
	t.Logf("%.1f%% of %d samples in the library's late_a → late_b → late_hot", 100*share, total)
	if share < 0.4 { // about two thirds of its CPU time
		t.Errorf("%.1f%% of the samples named with the library's functions, want ≥ 40%%\n%s", 100*share, top.String())
	}
}
