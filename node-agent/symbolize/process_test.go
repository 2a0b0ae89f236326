package symbolize

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// goHotProgram is a Go program whose hot function is main.<hot>, after pad
// other functions (so that two such programs put different functions at
// the same address). Sent SIGUSR1, it execs its first argument.
func goHotProgram(hot string, pad int) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n\t\"syscall\"\n\t\"time\"\n)\n\nvar sink int\n\n")
	for i := range pad {
		fmt.Fprintf(&b, "//go:noinline\nfunc pad%d(n int) int {\n\tfor i := 0; i < 100; i++ {\n\t\tn = n*%d + i\n\t}\n\treturn n\n}\n\n", i, i+3)
	}
	fmt.Fprintf(&b, "//go:noinline\nfunc %s(n int) int {\n\tfor i := 0; i < 1000; i++ {\n\t\tn = n*31 + i\n\t}\n\treturn n\n}\n\n", hot)
	b.WriteString("func main() {\n")
	for i := range pad {
		fmt.Fprintf(&b, "\tsink += pad%d(1)\n", i)
	}
	b.WriteString("\tc := make(chan os.Signal, 1)\n\tsignal.Notify(c, syscall.SIGUSR1)\n")
	b.WriteString("\tgo func() {\n\t\t<-c\n\t\tsyscall.Exec(os.Args[1], os.Args[1:], nil)\n\t}()\n")
	fmt.Fprintf(&b, "\tfor {\n\t\tsink += %s(1)\n\t\ttime.Sleep(10 * time.Millisecond)\n\t}\n}\n", hot)
	return b.String()
}

// buildGo builds src into dir/name and returns its path.
func buildGo(t *testing.T, dir, name, src string) string {
	t.Helper()
	srcDir := filepath.Join(dir, name+"-src")
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(srcDir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	run(t, "go", "build", "-o", out, filepath.Join(srcDir, "main.go"))
	return out
}

// TestExecRereadsMaps checks that a process that execs another program
// (same pid, same start time) is symbolized with the new program's
// mappings even where the old program's cached mappings cover the PC:
// both are non-PIE Go binaries, whose text starts at the same address.
func TestExecRereadsMaps(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 40))
	b := buildGo(t, dir, "b", goHotProgram("hotB", 0))
	pid := startArgs(t, a, b, b)
	s := New(Config{})
	pcA := pcFor(t, pid, a, symbolAddr(t, a, "main.hotA")) + 4
	if got := s.User(uint32(pid), 0, []uint64{pcA}); got[0].Name != "main.hotA" {
		t.Fatalf("before exec: %+v, want main.hotA", got[0])
	}
	pcB := symbolAddr(t, b, "main.hotB") + 4 // non-PIE: the PC is the address
	if s.procs[uint32(pid)][0].find(pcB) == nil {
		t.Fatalf("%#x is outside a's mappings: the test would not test the cached mappings", pcB)
	}
	s.EndDrain()

	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe == b {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the process did not exec b")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // b has mapped its text
	if got := s.User(uint32(pid), 0, []uint64{pcB}); got[0].Name != "main.hotB" || got[0].Module != b {
		t.Fatalf("after exec: %+v, want main.hotB in %s", got[0], b)
	}
}

func startArgs(t *testing.T, path string, args ...string) int {
	t.Helper()
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	time.Sleep(100 * time.Millisecond)
	return cmd.Process.Pid
}

// TestReplacedBinary checks that a process whose binary was renamed over
// (a package upgrade, kubectl cp) while it runs is symbolized from the
// file it mapped, never from the new file at the path.
func TestReplacedBinary(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 0))
	b := buildGo(t, dir, "b", goHotProgram("hotB", 40))
	app := filepath.Join(dir, "app")
	run(t, "cp", a, app)
	pid := start(t, app)
	pc := pcFor(t, pid, app, symbolAddr(t, app, "main.hotA")) + 4
	if err := os.Rename(b, app); err != nil {
		t.Fatal(err)
	}
	want := "main.hotA"
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/map_files", pid)); err != nil || os.Geteuid() != 0 {
		want = tally.UnknownFunction // the path alone is not the mapped file
	}
	if got := New(Config{}).User(uint32(pid), 0, []uint64{pc}); got[0].Name != want {
		t.Fatalf("frame %+v, want %s", got[0], want)
	}
}

// TestMappedInodeByPath checks the fallback without map_files (a fake
// /proc): the file at the mapping's path is used only while it is the
// inode the process mapped.
func TestMappedInodeByPath(t *testing.T) {
	proc := t.TempDir()
	pd := filepath.Join(proc, "4242")
	bin := filepath.Join(pd, "root", "bin", "app")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(pd, "stat"), []byte("4242 (app) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0"), 0o644)
	run(t, "cp", buildGo(t, t.TempDir(), "a", goHotProgram("hotA", 0)), bin)
	vaddr := symbolAddr(t, bin, "main.hotA")
	l := openBinary(bin).loads[0]
	inode := func() uint64 {
		fi, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	maps := fmt.Sprintf("%x-%x r-xp %08x 08:02 %d /bin/app\n", l.vaddr, l.vaddr+l.filesz, l.off, inode())
	os.WriteFile(filepath.Join(pd, "maps"), []byte(maps), 0o644)
	if got := New(Config{Proc: proc}).User(4242, 0, []uint64{vaddr}); got[0].Name != "main.hotA" {
		t.Fatalf("mapped inode at its path: %+v, want main.hotA", got[0])
	}
	// A new file at the path (the old inode is kept alive elsewhere, so
	// the new one cannot reuse its number).
	keep := filepath.Join(proc, "old")
	os.Rename(bin, keep)
	run(t, "cp", keep, bin)
	if got := New(Config{Proc: proc}).User(4242, 0, []uint64{vaddr}); got[0].Name != tally.UnknownFunction {
		t.Fatalf("replaced file at the path: %+v, want %s", got[0], tally.UnknownFunction)
	}
}

// TestExitedProcessKeepsSymbols: the samples of a process's last interval
// are symbolized after it exited (the drain comes up to an interval
// later). Its mappings, read in an earlier drain, still say what ran:
// they were thrown away because /proc/<pid> was gone, and every frame of
// the last interval became "[unknown] [anon]".
func TestExitedProcessKeepsSymbols(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 0))
	cmd := exec.Command(a)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	time.Sleep(100 * time.Millisecond)
	s := New(Config{})
	pc := pcFor(t, pid, a, symbolAddr(t, a, "main.hotA")) + 4
	if got := s.User(uint32(pid), 0, []uint64{pc}); got[0].Name != "main.hotA" {
		t.Fatalf("running: %+v, want main.hotA", got[0])
	}
	s.EndDrain()
	cmd.Process.Kill()
	cmd.Wait()
	// A frame outside every mapping makes the symbolizer read the maps
	// again, which fails now: the known mappings must survive that too.
	if got := s.User(uint32(pid), 0, []uint64{pc, 0x10, pc}); got[0].Name != "main.hotA" || got[2].Name != "main.hotA" {
		t.Fatalf("after exit: %+v, want main.hotA", got)
	}
	s.EndDrain()
	s.EndDrain()
	if len(s.procs) != 0 {
		t.Fatalf("%d processes still cached two drains after the exit", len(s.procs))
	}
}

// TestPrefetchBeforeExit: a process first sampled in the interval it
// exits in (a Job, a CI step) is symbolized at the drain, after it exited
// and its binary was deleted, from what Prefetch read while it ran; every
// frame was "[unknown] [anon]". Its state goes at the second drain that
// does not use it.
func TestPrefetchBeforeExit(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 0))
	cmd := exec.Command(a)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	time.Sleep(100 * time.Millisecond)
	pc := pcFor(t, pid, a, symbolAddr(t, a, "main.hotA")) + 4
	s := New(Config{})
	s.Prefetch([]Program{{PID: uint32(pid)}, {PID: 0x7fffffff}}) // and a pid that is not running
	cmd.Process.Kill()
	cmd.Wait()
	if err := os.Remove(a); err != nil {
		t.Fatal(err)
	}
	if got := s.User(uint32(pid), 0, []uint64{pc, 0x10, pc}); got[0].Name != "main.hotA" || got[2].Name != "main.hotA" {
		t.Fatalf("exited before the drain: %+v, want main.hotA", got)
	}
	s.EndDrain()
	// Samples of its last moments that the next interval holds.
	if got := s.User(uint32(pid), 0, []uint64{pc}); got[0].Name != "main.hotA" {
		t.Fatalf("next drain: %+v, want main.hotA", got)
	}
	s.EndDrain()
	s.EndDrain()
	if n, b := len(s.procs), s.Binaries(); n != 0 || b != 0 {
		t.Fatalf("%d processes and %d binaries still cached two drains after the last use", n, b)
	}
	if st := s.Stats(); st.Prefetched != 1 {
		t.Fatalf("prefetched %d processes, want 1", st.Prefetched)
	}
}

// TestExecAfterPrefetch: a process prefetched and then exec'd another
// program (same pid and start time) is symbolized with the new program at
// the drain: Prefetch does not spare the drain its check.
func TestExecAfterPrefetch(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 40))
	b := buildGo(t, dir, "b", goHotProgram("hotB", 0))
	pid := startArgs(t, a, b, b)
	s := New(Config{})
	s.Prefetch([]Program{{PID: uint32(pid)}})
	pcB := symbolAddr(t, b, "main.hotB") + 4 // non-PIE: the PC is the address
	if s.procs[uint32(pid)][0].find(pcB) == nil {
		t.Fatalf("%#x is outside a's mappings: the test would not test the prefetched mappings", pcB)
	}
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe == b {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the process did not exec b")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := s.User(uint32(pid), 0, []uint64{pcB}); got[0].Name != "main.hotB" || got[0].Module != b {
		t.Fatalf("after exec: %+v, want main.hotB in %s", got[0], b)
	}
}

// jitProgram is a fake JIT: it maps anonymous executable memory, writes
// its perf map's first entry, prints the memory's address, and after a
// line on stdin writes a second entry and exits. With "late" it writes
// both entries, and creates its perf map, only then; with "refresh" it
// waits for a first line before it maps its code.
const jitProgram = `#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "";
	char path[64], line[16];
	FILE *f = 0;
	snprintf(path, sizeof path, "/tmp/perf-%d.map", getpid());
	if (!strcmp(mode, "refresh")) fgets(line, sizeof line, stdin);
	char *code = mmap(0, 1 << 16, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (strcmp(mode, "late")) {
		f = fopen(path, "w");
		fprintf(f, "%lx 100 jit_early\n", (unsigned long)code);
		fflush(f);
	}
	printf("%lx\n", (unsigned long)code);
	fflush(stdout);
	fgets(line, sizeof line, stdin);
	if (!f) {
		f = fopen(path, "w");
		fprintf(f, "%lx 100 jit_early\n", (unsigned long)code);
	}
	fprintf(f, "%lx 100 jit_late\n", (unsigned long)code + 0x1000);
	fclose(f);
	return 0;
}
`

// TestPrefetchJITBeforeExit: a short-lived JIT's perf map is read while it
// runs and kept open, so that its entries, those written after it was
// read too, name its frames at the drain, after it exited (its
// /proc/<pid>/root, through which the map is read, is gone then); a JIT
// that creates its perf map only after it was read has its root kept
// open for it. Both frames were "[unknown] [anon]".
func TestPrefetchJITBeforeExit(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "jit.c"), filepath.Join(dir, "jit")
	os.WriteFile(src, []byte(jitProgram), 0o644)
	run(t, "gcc", "-O1", "-o", bin, src)
	t.Run("perf map written from the start", func(t *testing.T) { prefetchJIT(t, bin, "") })
	t.Run("perf map created late", func(t *testing.T) { prefetchJIT(t, bin, "late") })
	t.Run("code mapped after it was learned, then refreshed", func(t *testing.T) { prefetchJIT(t, bin, "refresh") })
}

func prefetchJIT(t *testing.T, bin, mode string) {
	cmd := exec.Command(bin, mode)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	pid := cmd.Process.Pid
	perfMap := fmt.Sprintf("/tmp/perf-%d.map", pid)
	defer os.Remove(perfMap)
	s := New(Config{})
	if mode == "refresh" {
		time.Sleep(50 * time.Millisecond) // past the loader
		s.Learn(uint32(pid), 0)
		stdin.Write([]byte("map\n"))
	}
	var code uint64
	if _, err := fmt.Fscanf(stdout, "%x\n", &code); err != nil {
		t.Fatal(err)
	}
	if mode == "refresh" {
		s.Refresh(uint32(pid), 0)
	} else {
		s.Prefetch([]Program{{PID: uint32(pid)}})
	}
	stdin.Write([]byte("exit\n"))
	cmd.Wait()
	if mode != "late" {
		os.Remove(perfMap) // read from the file kept open
	} // else it is looked for through the root kept open: the process's is gone
	got := s.User(uint32(pid), 0, []uint64{code + 0x10, code + 0x1010 + 1})
	if got[0].Name != "jit_early" || got[1].Name != "jit_late" {
		t.Fatalf("exited before the drain: %+v, want jit_early, jit_late", got)
	}
	if p := s.procs[uint32(pid)][0]; p.perfMapFile != nil || p.rootDir != nil {
		t.Errorf("perf map or root of an exited process still open after its last read")
	}
	s.EndDrain()
	s.EndDrain()
	if len(s.procs) != 0 {
		t.Fatalf("%d processes still cached two drains after the last use", len(s.procs))
	}
}

// TestLearnOncePerProgram: Learn reads a program once however often it
// is announced, and the program a process execs (a new generation) apart
// from the one before: the samples of each are symbolized with its own
// mappings, where both programs map the same addresses (non-PIE), before
// and after the process exited. The samples taken before the exec were
// named from the new program's mappings.
func TestLearnOncePerProgram(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 40))
	b := buildGo(t, dir, "b", goHotProgram("hotB", 0))
	pid := startArgs(t, a, b, b)
	s := New(Config{})
	s.Learn(uint32(pid), 1)
	s.Learn(uint32(pid), 1) // announced again: two CPUs sampled it at once
	if st := s.Stats(); st.Prefetched != 1 {
		t.Fatalf("read %d times, want once", st.Prefetched)
	}
	pcA := pcFor(t, pid, a, symbolAddr(t, a, "main.hotA")) + 4
	pcB := symbolAddr(t, b, "main.hotB") + 4 // non-PIE: the PC is the address
	if s.procs[uint32(pid)][0].find(pcB) == nil {
		t.Fatalf("%#x is outside a's mappings: the test would not test them", pcB)
	}
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitExec(t, pid, b)
	s.Learn(uint32(pid), 2)
	if st := s.Stats(); st.Prefetched != 2 {
		t.Fatalf("read %d times after the exec, want twice", st.Prefetched)
	}
	check := func(when string) {
		t.Helper()
		if got := s.User(uint32(pid), 1, []uint64{pcA}); got[0].Name != "main.hotA" || got[0].Module != a {
			t.Errorf("%s: a sample before the exec: %+v, want main.hotA in %s", when, got[0], a)
		}
		if got := s.User(uint32(pid), 2, []uint64{pcB}); got[0].Name != "main.hotB" || got[0].Module != b {
			t.Errorf("%s: a sample after the exec: %+v, want main.hotB in %s", when, got[0], b)
		}
	}
	check("running b")
	s.EndDrain()
	syscall.Kill(pid, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); exeID("/proc", uint32(pid)) != (fileID{}); { // a zombie: not waited for
		if time.Now().After(deadline) {
			t.Fatal("the process did not exit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	check("exited")
	if got := s.User(uint32(pid), 0, []uint64{pcB}); got[0].Name != "main.hotB" || got[0].Module != b {
		t.Errorf("a sample of no generation: %+v, want the newest program's, main.hotB in %s", got[0], b)
	}
	s.EndDrain()
	s.EndDrain()
	if len(s.procs) != 0 {
		t.Fatalf("%d processes still cached two drains after the last use", len(s.procs))
	}
}

// waitExec waits until process pid runs path, and a little more for it
// to map its text.
func waitExec(t *testing.T, pid int, path string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe == path {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the process did not exec %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
}

// programsFunc is a Programs over a function.
type programsFunc func(pid uint32) (uint64, bool)

func (f programsFunc) Program(pid uint32) (uint64, bool) { return f(pid) }

// TestProgramGoneBeforeRead: a program that exec'd another before it
// could be read (its announcement was read late, or lost) has unknown
// frames, not the new program's names: the profiler says the process runs
// a later generation. Its frames were named from the new program's
// mappings.
func TestProgramGoneBeforeRead(t *testing.T) {
	dir := t.TempDir()
	a := buildGo(t, dir, "a", goHotProgram("hotA", 40))
	b := buildGo(t, dir, "b", goHotProgram("hotB", 0))
	pid := startArgs(t, a, b, b)
	pcA := pcFor(t, pid, a, symbolAddr(t, a, "main.hotA")) + 4
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	waitExec(t, pid, b)
	s := New(Config{Programs: programsFunc(func(p uint32) (uint64, bool) { return 2, p == uint32(pid) })})
	for _, tc := range []struct {
		name string
		do   func()
	}{
		{"announced late", func() { s.Learn(uint32(pid), 1) }},
		{"prefetched late", func() { s.Prefetch([]Program{{PID: uint32(pid), Gen: 1}}) }},
		{"read at the drain", func() {}},
	} {
		s.procs = map[uint32][]*process{}
		tc.do()
		got := s.User(uint32(pid), 1, []uint64{pcA})
		if got[0].Name != tally.UnknownFunction {
			t.Errorf("%s: a sample of the exec'd program: %+v, want %s", tc.name, got[0], tally.UnknownFunction)
		}
		if got := s.User(uint32(pid), 2, []uint64{symbolAddr(t, b, "main.hotB") + 4}); got[0].Name != "main.hotB" {
			t.Errorf("%s: a sample of the running program: %+v, want main.hotB", tc.name, got[0])
		}
	}
	if st := s.Stats(); st.Missed != 3 {
		t.Errorf("%d programs missed, want 3", st.Missed)
	}
	// Learned after a later program of its pid: gone, not read.
	s.procs = map[uint32][]*process{}
	s.Learn(uint32(pid), 2)
	s.Learn(uint32(pid), 1)
	if got := s.User(uint32(pid), 1, []uint64{pcA}); got[0].Name != tally.UnknownFunction {
		t.Errorf("announced after the exec'd program: %+v, want %s", got[0], tally.UnknownFunction)
	}
}
