package symbolize

import (
	"bytes"
	"debug/elf"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/prereq"
)

const goProgram = `package main

import "time"

//go:noinline
func leaf(n int) int {
	for i := 0; i < 1000; i++ {
		n = n*31 + i
	}
	return n
}

func main() {
	for {
		_ = leaf(1)
		time.Sleep(10 * time.Millisecond)
	}
}
`

const cProgram = `#include <unistd.h>
__attribute__((noinline)) int hot_c(int n) { for (int i = 0; i < 1000; i++) n = n * 31 + i; return n; }
int main(void) { for (;;) { hot_c(1); usleep(10000); } }
`

// symbolAddr returns the address of name in the ELF symbol table of path.
func symbolAddr(t *testing.T, path, name string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name {
			return s.Value
		}
	}
	t.Fatalf("%s: no symbol %s", path, name)
	return 0
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func start(t *testing.T, path string) int {
	t.Helper()
	cmd := exec.Command(path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	time.Sleep(100 * time.Millisecond)
	return cmd.Process.Pid
}

// loadBase returns the address the first executable mapping of path starts
// at, minus its file offset (0 for non-PIE binaries).
func pcFor(t *testing.T, pid int, path string, vaddr uint64) uint64 {
	t.Helper()
	maps, err := readMaps(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatal(err)
	}
	b := openBinary(path)
	for _, m := range maps {
		if filepath.Base(m.path) != filepath.Base(path) {
			continue
		}
		for _, l := range b.loads {
			if vaddr >= l.vaddr && vaddr < l.vaddr+l.filesz {
				off := vaddr - l.vaddr + l.off
				if off >= m.offset && off < m.offset+(m.end-m.start) {
					return m.start + off - m.offset
				}
			}
		}
	}
	t.Fatalf("no mapping of %s covers %#x", path, vaddr)
	return 0
}

func TestStrippedGoBinary(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte(goProgram), 0o644)
	full := filepath.Join(dir, "hot")
	run(t, "go", "build", "-o", full, src)
	vaddr := symbolAddr(t, full, "main.leaf")
	stripped := filepath.Join(dir, "hot-stripped")
	run(t, "strip", "-o", stripped, full)
	if f, _ := elf.Open(stripped); f != nil {
		if _, err := f.Symbols(); err == nil {
			t.Fatal("strip left a symbol table")
		}
		f.Close()
	}
	pid := start(t, stripped)
	s := New(Config{})
	pc := pcFor(t, pid, stripped, vaddr) + 4
	got := s.User(uint32(pid), 0, []uint64{pc})
	if got[0].Name != "main.leaf" || got[0].Module != stripped {
		t.Fatalf("frame %+v, want main.leaf in %s", got[0], stripped)
	}
	if st := s.Stats(); st.Resolved[KindGo] != 1 {
		t.Fatalf("stats %s", st)
	}
}

func needCC(t *testing.T) {
	t.Helper()
	prereq.Require(t, "this test", prereq.Program("gcc"))
}

func TestCBinaryAndStrippedC(t *testing.T) {
	needCC(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "hot.c")
	os.WriteFile(src, []byte(cProgram), 0o644)
	bin := filepath.Join(dir, "hotc")
	run(t, "gcc", "-O1", "-fno-omit-frame-pointer", "-o", bin, src)
	vaddr := symbolAddr(t, bin, "hot_c")
	stripped := filepath.Join(dir, "hotc-stripped")
	run(t, "strip", "-o", stripped, bin)

	s := New(Config{})
	pid := start(t, bin)
	got := s.User(uint32(pid), 0, []uint64{pcFor(t, pid, bin, vaddr) + 2})
	if got[0].Name != "hot_c" {
		t.Fatalf("frame %+v, want hot_c", got[0])
	}
	// The stripped copy has the same build id: the cache per build id
	// already knows its symbols.
	pid2 := start(t, stripped)
	pc2 := pcFor(t, pid2, stripped, vaddr) + 2
	if got := s.User(uint32(pid2), 0, []uint64{pc2}); got[0].Name != "hot_c" {
		t.Fatalf("stripped copy through the build-id cache: %+v", got[0])
	}
	// Without symbols: unknown, with the module and its file offset, not dropped.
	s = New(Config{})
	got = s.User(uint32(pid2), 0, []uint64{pc2})
	if got[0].Name != tally.UnknownFunction || got[0].Module != stripped || got[0].Offset == 0 {
		t.Fatalf("frame %+v, want [unknown] %s+0x…", got[0], stripped)
	}
	if str := got[0].String(); !strings.HasPrefix(str, "[unknown] "+stripped+"+0x") {
		t.Fatalf("String() = %q", str)
	}
	// A process that is gone: unknown frames, no crash.
	got = s.User(999999999, 0, []uint64{0x401000, 0x402000})
	if len(got) != 2 || got[0].Name != tally.UnknownFunction {
		t.Fatalf("gone process: %+v", got)
	}
}

func TestKernel(t *testing.T) {
	k, err := loadKallsyms("/proc/kallsyms")
	if err != nil {
		t.Skipf("kallsyms: %v", err)
	}
	// A text symbol alone at its address, read independently of parseKallsyms.
	data, err := os.ReadFile("/proc/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	type sym struct{ name, module string }
	byAddr := map[string][]sym{}
	var order []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || (f[1] != "t" && f[1] != "T") {
			continue
		}
		m := "[kernel]"
		if len(f) > 3 {
			m = f[3]
		}
		if byAddr[f[0]] == nil {
			order = append(order, f[0])
		}
		byAddr[f[0]] = append(byAddr[f[0]], sym{f[2], m})
	}
	s := New(Config{})
	checked := 0
	for _, a := range order[len(order)/2:] {
		if len(byAddr[a]) != 1 || checked == 20 {
			continue
		}
		addr, _ := strconv.ParseUint(a, 16, 64)
		got := s.Kernel([]uint64{addr})
		if want := byAddr[a][0]; got[0].Name != want.name || got[0].Module != want.module {
			t.Errorf("kernel frame at %s: %+v, want %+v", a, got[0], want)
		}
		checked++
	}
	if checked == 0 || len(k.addrs) < len(order)/2 {
		t.Fatalf("checked %d symbols; %d parsed of %d addresses", checked, len(k.addrs), len(order))
	}
}

func TestDemangle(t *testing.T) {
	tests := map[string]string{
		"_ZN3foo3barEv":                          "foo::bar",
		"_ZNSt6vectorIiSaIiEE9push_backERKi":     "std::vector<int, std::allocator<int> >::push_back",
		"_ZN4core3fmt5write17h0123456789abcdefE": "core::fmt::write",
		"_RNvCs1234_7mycrate3foo":                "mycrate::foo",
		"plain_c":                                "plain_c",
		"_Zgarbage":                              "_Zgarbage",
	}
	for in, want := range tests {
		if got := Demangle(in); got != want {
			t.Errorf("Demangle(%s) = %q, want %q", in, got, want)
		}
	}
}

// A fake /proc: JIT frames from a perf map read through <pid>/root, with the
// namespace pid from NSpid; unreadable entries degrade to unknown frames.
func TestPerfMapThroughRoot(t *testing.T) {
	proc := t.TempDir()
	pd := filepath.Join(proc, "4242")
	os.MkdirAll(filepath.Join(pd, "root", "tmp"), 0o755)
	os.WriteFile(filepath.Join(pd, "maps"), []byte("7f0000000000-7f0000100000 r-xp 00000000 00:00 0 \n"), 0o644)
	os.WriteFile(filepath.Join(pd, "status"), []byte("Name:\tjava\nNSpid:\t4242\t7\n"), 0o644)
	os.WriteFile(filepath.Join(pd, "stat"), []byte("4242 (java) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0"), 0o644)
	os.WriteFile(filepath.Join(pd, "root", "tmp", "perf-7.map"), []byte("7f0000001000 100 LJava/Foo;::bar\n7f0000002000 80 Interpreter\nbad line\n"), 0o644)
	s := New(Config{Proc: proc})
	got := s.User(4242, 0, []uint64{0x7f0000001010, 0x7f0000002011, 0x7f0000009000})
	if got[0].Name != "LJava/Foo;::bar" || got[1].Name != "Interpreter" || got[2].Name != tally.UnknownFunction {
		t.Fatalf("frames %+v", got)
	}
	// Unreadable maps: unknown, never dropped.
	os.Chmod(filepath.Join(pd, "maps"), 0)
	os.Remove(filepath.Join(pd, "maps"))
	s2 := New(Config{Proc: proc})
	if got := s2.User(4242, 0, []uint64{1, 2, 3}); len(got) != 3 || got[0].Name != tally.UnknownFunction {
		t.Fatalf("frames %+v", got)
	}
	s2.EndDrain()
	s2.EndDrain()
	if len(s2.procs) != 0 {
		t.Fatal("EndDrain kept a process not seen since")
	}
}

func TestGarbageBinary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(path, append([]byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0xff}, 200)...), 0o755)
	if b := openBinary(path); b.err == nil {
		t.Fatal("no error for a garbage ELF")
	}
}

func FuzzParseMaps(f *testing.F) {
	f.Add("00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/dbus-daemon\n7f0-7f1 r-xp 00000000 00:00 0 [vdso]\n")
	f.Fuzz(func(t *testing.T, s string) {
		ms, _ := parseMaps(strings.NewReader(s))
		for _, m := range ms {
			if m.end <= m.start {
				t.Fatalf("bad mapping %+v", m)
			}
		}
	})
}

func FuzzParseKallsyms(f *testing.F) {
	f.Add("ffffffff81000000 T _stext\nffffffff81000100 t foo [mod]\n0000000000000000 A bar\n")
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := parseKallsyms(strings.NewReader(s)); err == nil {
			k.lookup(0xffffffff81000050)
		}
	})
}

func FuzzParsePerfMap(f *testing.F) {
	f.Add("7f0000001000 100 foo\n0x10 0x20 bar baz\n", 3)
	f.Add("7f0000001000 100 foo\n7f0000001000 10 bar\n", 25)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		pm, _ := parsePerfMap(strings.NewReader(s))
		pm.lookup(0x7f0000001010)
		// Read in two parts, the second from where the first stopped (a
		// growing file): the same entries in the same order.
		if cut < 0 || cut > len(s) {
			return
		}
		inc := newPerfMap(0, math.MaxInt)
		inc.read(strings.NewReader(s[:cut]))
		inc.read(strings.NewReader(s[inc.offset:]))
		if fmt.Sprint(inc.starts, inc.sizes, inc.ends, inc.order, string(inc.names)) != fmt.Sprint(pm.starts, pm.sizes, pm.ends, pm.order, string(pm.names)) {
			t.Fatalf("incremental read differs: %+v, whole %+v", inc, pm)
		}
	})
}
