package symbolize

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// fakeJIT makes a fake /proc with process 4242, pid 7 in its namespace,
// with anonymous executable memory, and returns the proc directory and the
// path of the process's perf map (not yet written).
func fakeJIT(t *testing.T) (proc, perfMap string) {
	t.Helper()
	proc = t.TempDir()
	pd := filepath.Join(proc, "4242")
	if err := os.MkdirAll(filepath.Join(pd, "root", "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(pd, "maps"), []byte("7f0000000000-7f1000000000 r-xp 00000000 00:00 0 \n"), 0o644)
	os.WriteFile(filepath.Join(pd, "status"), []byte("Name:\tnode\nNSpid:\t4242\t7\n"), 0o644)
	os.WriteFile(filepath.Join(pd, "stat"), []byte("4242 (node) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0"), 0o644)
	return proc, filepath.Join(pd, "root", "tmp", "perf-7.map")
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// jitName symbolizes one JIT frame of the fake process.
func jitName(s *Symbolizer, pc uint64) string { return s.User(4242, 0, []uint64{pc})[0].Name }

// TestPerfMapLate checks that a perf map written after the process was
// first sampled (a JIT writes it lazily, perf-map-agent attaches later)
// is found: within the drain of the first miss, and in the next.
func TestPerfMapLate(t *testing.T) {
	proc, path := fakeJIT(t)
	s := New(Config{Proc: proc})
	if got := jitName(s, 0x7f0000001010); got != tally.UnknownFunction {
		t.Fatalf("no perf map: %q", got)
	}
	s.EndDrain()
	appendFile(t, path, "7f0000001000 100 Lazy::run\n")
	if got := jitName(s, 0x7f0000001010); got != "Lazy::run" {
		t.Fatalf("perf map written since the last drain: %q, want Lazy::run", got)
	}
	appendFile(t, path, "7f0000002000 100 Lazy::later\n")
	if got := jitName(s, 0x7f0000002010); got != "Lazy::later" {
		t.Fatalf("entry appended within the drain: %q, want Lazy::later", got)
	}
}

// TestPerfMapAppend checks that a growing perf map is read from where the
// last read stopped (an unfinished line included), and whole again when
// the file is replaced.
func TestPerfMapAppend(t *testing.T) {
	proc, path := fakeJIT(t)
	s := New(Config{Proc: proc})
	appendFile(t, path, "7f0000001000 100 First\n7f0000002000 10 Par")
	if got := jitName(s, 0x7f0000001010); got != "First" {
		t.Fatalf("got %q, want First", got)
	}
	pm := s.procs[4242][0].perfMap
	s.EndDrain()
	appendFile(t, path, "tial name\n7f0000001000 100 Recompiled\n")
	if got := jitName(s, 0x7f0000002001); got != "Partial name" {
		t.Fatalf("got %q, want the line finished since: Partial name", got)
	}
	if got := jitName(s, 0x7f0000001010); got != "Recompiled" {
		t.Fatalf("got %q, want the later entry at the address: Recompiled", got)
	}
	if s.procs[4242][0].perfMap != pm || pm.line != 3 || len(pm.starts) != 3 {
		t.Fatalf("perf map read again (%d lines, %d entries), want appended lines only", pm.line, len(pm.starts))
	}
	s.EndDrain()
	// Replaced (a new process in the same namespace pid, a restarted agent).
	os.Remove(path)
	appendFile(t, path, "7f0000003000 100 New\n")
	if got := jitName(s, 0x7f0000001010); got != tally.UnknownFunction {
		t.Fatalf("entry of the replaced file: %q", got)
	}
	if got := jitName(s, 0x7f0000003010); got != "New" {
		t.Fatalf("got %q, want New", got)
	}
}

// TestPerfMapBounded checks that a perf map larger than half the cache's
// budget keeps its newest entries within that bound, in the heap too.
func TestPerfMapBounded(t *testing.T) {
	proc, path := fakeJIT(t)
	const lines = 200_000 // some 17 MB
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "%x 40 LazyCompile:*handler%d /app/src/routes/some/long/path/file%d.js:%d\n", 0x7f0010000000+i*0x40, i, i%500, i%1000)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b = strings.Builder{}
	const budget = 1 << 20
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	s := New(Config{Proc: proc, CacheBytes: budget})
	newest := uint64(0x7f0010000000 + (lines-1)*0x40 + 4)
	if got, want := jitName(s, newest), fmt.Sprintf("LazyCompile:*handler%d /app/src/routes/some/long/path/file%d.js:%d", lines-1, (lines-1)%500, (lines-1)%1000); got != want {
		t.Fatalf("newest entry: %q, want %q", got, want)
	}
	if got := jitName(s, 0x7f0010000004); got != tally.UnknownFunction {
		t.Fatalf("oldest entry %q kept past the bound", got)
	}
	s.EndDrain()
	runtime.GC()
	runtime.ReadMemStats(&after)
	pm := s.procs[4242][0].perfMap
	if pm.bytes() > budget/2 || pm.dropped == 0 {
		t.Fatalf("perf map holds %d bytes (%d entries dropped), want at most %d", pm.bytes(), pm.dropped, budget/2)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 2*budget {
		t.Fatalf("heap grew by %d bytes for a budget of %d", grown, budget)
	}
	runtime.KeepAlive(s)
}
