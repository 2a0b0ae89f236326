package symbolize

import (
	"bytes"
	"debug/elf"
	binenc "encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// referenceSymbols is the eager reading elfTable replaced: every function
// symbol through debug/elf, .symtab before .dynsym, first name per address,
// sizeless symbols reaching to the next one.
func referenceSymbols(t *testing.T, path string) []sym {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	seen := map[uint64]bool{}
	var syms []sym
	add := func(list []elf.Symbol) {
		for _, s := range list {
			typ := elf.ST_TYPE(s.Info)
			if (typ != elf.STT_FUNC && typ != elf.STT_GNU_IFUNC) || s.Value == 0 || seen[s.Value] {
				continue
			}
			seen[s.Value] = true
			syms = append(syms, sym{start: s.Value, end: s.Value + s.Size, name: s.Name})
		}
	}
	if list, err := ef.Symbols(); err == nil {
		add(list)
	}
	if list, err := ef.DynamicSymbols(); err == nil {
		add(list)
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].start < syms[j].start })
	for i := range syms {
		if syms[i].end == syms[i].start {
			if i+1 < len(syms) {
				syms[i].end = syms[i+1].start
			} else {
				syms[i].end = syms[i].start + 1
			}
		}
	}
	return syms
}

// TestELFTableMatchesDebugELF compares the lazily read symbol tables with
// debug/elf's on a C program with .symtab, the same stripped (.dynsym
// only), and the C and C++ runtime libraries.
func TestELFTableMatchesDebugELF(t *testing.T) {
	var paths []string
	if _, err := os.Stat("/usr/bin/cc"); err == nil {
		dir := t.TempDir()
		src := filepath.Join(dir, "p.c")
		if err := os.WriteFile(src, []byte(cProgram), 0o644); err != nil {
			t.Fatal(err)
		}
		bin, stripped := filepath.Join(dir, "p"), filepath.Join(dir, "p-stripped")
		run(t, "cc", "-O1", "-fno-omit-frame-pointer", "-rdynamic", "-o", bin, src)
		run(t, "cc", "-O1", "-s", "-rdynamic", "-o", stripped, src)
		paths = append(paths, bin, stripped)
	}
	for _, lib := range []string{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libc.so.6"} {
		if _, err := os.Stat(lib); err == nil {
			paths = append(paths, lib)
		}
	}
	if len(paths) == 0 {
		t.Skip("no C compiler or libraries")
	}
	for _, path := range paths {
		b := openBinary(path)
		if b.err != nil || b.elf == nil {
			t.Fatalf("%s: %v", path, b.err)
		}
		want := referenceSymbols(t, path)
		if n := b.size(); n > 16*len(want)+400 {
			t.Errorf("%s: %d bytes cached for %d symbols before any lookup", path, n, len(want))
		}
		if len(b.elf.syms) != len(want) {
			t.Errorf("%s: %d function symbols, debug/elf has %d", path, len(b.elf.syms), len(want))
		}
		bad := 0
		for _, w := range want {
			for _, pc := range []uint64{w.start, w.end - 1} {
				got, ok := b.elf.lookup(pc)
				if !ok || got != Demangle(w.name) {
					if bad++; bad <= 5 {
						t.Errorf("%s: %#x: got %q (%v), want %q", path, pc, got, ok, Demangle(w.name))
					}
				}
			}
		}
		b.close()
	}
}

// FuzzELFSymbols feeds arbitrary symbol and string tables (64- and 32-bit)
// to the lazy ELF symbol reader: errors or answers, never a panic.
func FuzzELFSymbols(f *testing.F) {
	sym64 := make([]byte, 48)
	binenc.LittleEndian.PutUint32(sym64[24:], 1)      // name offset
	sym64[28] = byte(elf.STT_FUNC)                    // info
	binenc.LittleEndian.PutUint64(sym64[32:], 0x1000) // value
	binenc.LittleEndian.PutUint64(sym64[40:], 0x20)   // size
	f.Add(sym64, []byte("\x00main\x00"), false, uint64(0x1010))
	sym32 := make([]byte, 32)
	binenc.BigEndian.PutUint32(sym32[16:], 1)
	binenc.BigEndian.PutUint32(sym32[20:], 0x1000)
	sym32[28] = byte(elf.STT_FUNC)
	f.Add(sym32, []byte("\x00_ZN3foo3barEv\x00"), true, uint64(0x1000))
	f.Fuzz(func(t *testing.T, syms, names []byte, is32 bool, pc uint64) {
		ef := &elf.File{FileHeader: elf.FileHeader{Class: elf.ELFCLASS64, ByteOrder: binenc.LittleEndian}}
		if is32 {
			ef.FileHeader = elf.FileHeader{Class: elf.ELFCLASS32, ByteOrder: binenc.BigEndian}
		}
		tab := &elfTable{strtabs: [2]strtab{{r: bytes.NewReader(names), size: uint64(len(names))}}}
		if err := tab.addSymbols(ef, strtab{r: bytes.NewReader(syms), size: uint64(len(syms))}, 0); err != nil {
			return
		}
		tab.finish()
		for _, s := range tab.syms {
			tab.lookup(s.start)
		}
		tab.lookup(pc)
	})
}

// TestSeparateDebugFile: a binary stripped of .symtab whose symbols were
// kept in a separate debug file, as distributions ship them (Debian's
// -dbg and -dbgsym packages, Fedora's -debuginfo), had unknown frames for
// every function .dynsym does not name: with libc6-dbg installed, every
// stack of a C program still ended in "[unknown] libc.so.6+0x27249"
// (__libc_start_call_main). The file under the debug directory named by
// the binary's build id gives the names.
func TestSeparateDebugFile(t *testing.T) {
	bin, stripped, debug := strippedC(t)
	dir := filepath.Dir(bin)
	addr := symbolAddr(t, bin, "hot_c")

	open := func(root string) *binary {
		f, err := os.Open(stripped)
		if err != nil {
			t.Fatal(err)
		}
		return parseBinary(f, stripped, root)
	}
	if b := open(""); b.err == nil {
		name, ok := b.lookup(addr)
		b.close()
		if ok {
			t.Fatalf("the stripped binary names hot_c by itself (%q): the test needs one that does not", name)
		}
	}
	root := filepath.Join(dir, "root")
	debugDir := filepath.Join(root, "usr", "lib", "debug")
	b := open(root)
	id := strings.TrimPrefix(b.buildID, "gnu:")
	b.close()
	if len(id) < 3 {
		t.Fatalf("build id %q", b.buildID)
	}
	at := filepath.Join(debugDir, ".build-id", id[:2], id[2:]+".debug")
	if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(debug, at); err != nil {
		t.Fatal(err)
	}
	b = open(root)
	defer b.close()
	if b.err != nil {
		t.Fatalf("with %s: %v", at, b.err)
	}
	if name, ok := b.lookup(addr); !ok || name != "hot_c" {
		t.Errorf("%#x with %s: got %q (%v), want hot_c", addr, at, name, ok)
	}
	if name, ok := b.lookup(symbolAddr(t, bin, "main")); !ok || name != "main" {
		t.Errorf("main with %s: got %q (%v)", at, name, ok)
	}
}

// TestDebugLinkFile: a stripped binary whose separate debug file is not
// under its build id takes it by its .gnu_debuglink name, where GDB looks
// (the binary's directory, its .debug subdirectory, and that directory
// under /usr/lib/debug), when the file's CRC is the one the link records;
// another build's file of that name is not used. Only build ids were
// looked up: such a binary's frames stayed unknown.
func TestDebugLinkFile(t *testing.T) {
	bin, stripped, debug := strippedC(t)
	dir := filepath.Dir(bin)
	// Another build of the program: its debug file differs (the CRC),
	// and names the same address otherwise.
	otherSrc, other, otherDebug := filepath.Join(dir, "o.c"), filepath.Join(dir, "o"), filepath.Join(dir, "o.debug")
	if err := os.WriteFile(otherSrc, []byte(strings.ReplaceAll(cProgram, "hot_c", "not_c")), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "cc", "-O1", "-Wl,--build-id", "-o", other, otherSrc)
	run(t, "objcopy", "--only-keep-debug", other, otherDebug)
	addr := symbolAddr(t, bin, "hot_c")

	root := filepath.Join(dir, "root")
	const path = "/opt/app/p-stripped" // the binary's path in the process's file system
	lookup := func() (string, bool) {
		t.Helper()
		f, err := os.Open(stripped)
		if err != nil {
			t.Fatal(err)
		}
		b := parseBinary(f, path, root)
		defer b.close()
		if b.err != nil { // stripped, without its debug file: no symbols
			return b.err.Error(), false
		}
		return b.lookup(addr)
	}
	place := func(src, at string) {
		t.Helper()
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(at), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(at, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []string{"/opt/app/p.debug", "/opt/app/.debug/p.debug", "/usr/lib/debug/opt/app/p.debug"} {
		place(otherDebug, filepath.Join(root, at))
		if name, ok := lookup(); ok && name == "hot_c" {
			t.Errorf("another build's debug file at %s names hot_c", at)
		}
		place(debug, filepath.Join(root, at))
		if name, ok := lookup(); !ok || name != "hot_c" {
			t.Errorf("debug file at %s: %#x is %q (%v), want hot_c", at, addr, name, ok)
		}
		if err := os.Remove(filepath.Join(root, at)); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzDebugLink feeds arbitrary .gnu_debuglink sections to its parser:
// a base name and a CRC, or none, never a panic or a path.
func FuzzDebugLink(f *testing.F) {
	f.Add([]byte("p.debug\x00\x00\x00\x00\x00\x78\x56\x34\x12"))
	f.Add([]byte("../../etc/passwd\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		name, _, ok := parseDebugLink(data, binenc.LittleEndian)
		if ok && (name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == "..") {
			t.Errorf("debug link %q: name %q", data, name)
		}
	})
}

// strippedC builds the C program with a build id, and returns it, a copy
// stripped of its symbols with a .gnu_debuglink to its separate debug
// file, and that file (all in one directory).
func strippedC(t *testing.T) (bin, stripped, debug string) {
	t.Helper()
	if _, err := exec.LookPath("objcopy"); err != nil {
		t.Skip("no objcopy")
	}
	bin = buildC(t, "-Wl,--build-id")
	dir := filepath.Dir(bin)
	stripped, debug = filepath.Join(dir, "p-stripped"), filepath.Join(dir, "p.debug")
	run(t, "objcopy", "--only-keep-debug", bin, debug)
	run(t, "objcopy", "--strip-all", "--add-gnu-debuglink="+debug, bin, stripped)
	return bin, stripped, debug
}
