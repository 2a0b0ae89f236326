package symbolize

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	binenc "encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// goTableOf opens the .gopclntab of the ELF file at path both ways: as the
// symbolizer does and with debug/gosym, which materializes every function.
// debug/gosym is given the text start the symbolizer found: it would take
// the .text section's address, which is wrong for externally linked
// binaries (compareWithGosym checks the start independently).
func goTableOf(t *testing.T, path string) (*goTable, *gosym.Table) {
	t.Helper()
	b := openBinary(path)
	t.Cleanup(b.close)
	if b.err != nil || b.gotab == nil {
		t.Fatalf("%s: not read as Go (err %v)", path, b.err)
	}
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	data, err := ef.Section(".gopclntab").Data()
	if err != nil {
		t.Fatal(err)
	}
	want, err := gosym.NewTable(nil, gosym.NewLineTable(data, b.gotab.textStart))
	if err != nil {
		t.Fatal(err)
	}
	return b.gotab, want
}

// compareWithGosym checks that every function's entry, middle and last
// byte resolve to the name debug/gosym gives, and that PCs outside the
// text do not resolve.
func compareWithGosym(t *testing.T, path string) {
	t.Helper()
	tab, want := goTableOf(t, path)
	if len(want.Funcs) != tab.nfunc {
		t.Errorf("%s: %d functions, debug/gosym has %d", path, tab.nfunc, len(want.Funcs))
	}
	bad := 0
	for _, fn := range want.Funcs {
		for _, pc := range []uint64{fn.Entry, fn.Entry + (fn.End-fn.Entry)/2, fn.End - 1} {
			if pc < fn.Entry || pc >= fn.End {
				continue
			}
			got, ok := tab.lookup(pc)
			if !ok || got != fn.Name {
				if bad++; bad <= 5 {
					t.Errorf("%s: %#x: got %q (%v), debug/gosym says %q", path, pc, got, ok, fn.Name)
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d PCs differ from debug/gosym", path, bad)
	}
	// Independently of debug/gosym: where the ELF symbol table is kept,
	// main.main's symbol address resolves to main.main.
	if ef, err := elf.Open(path); err == nil {
		if syms, err := ef.Symbols(); err == nil {
			for _, s := range syms {
				if s.Name == "main.main" && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
					if got, ok := tab.lookup(s.Value); !ok || got != "main.main" {
						t.Errorf("%s: main.main at %#x resolved to %q", path, s.Value, got)
					}
				}
			}
		}
		ef.Close()
	}
	first, last := want.Funcs[0], want.Funcs[len(want.Funcs)-1]
	if name, ok := tab.lookup(first.Entry - 1); ok {
		t.Errorf("%s: PC before the text resolved to %q", path, name)
	}
	if name, ok := tab.lookup(last.End); ok {
		t.Errorf("%s: PC after the text resolved to %q", path, name)
	}
}

// TestGoTableMatchesGosym builds Go binaries (plain, stripped, PIE, with
// cgo) and takes the test binary itself, and compares every function with
// debug/gosym. (Other pointer sizes and byte orders: TestGoTableFormats;
// cross-compiling here would load the machine other tests time.)
func TestGoTableMatchesGosym(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(goProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	cgoSrc := filepath.Join(dir, "cgo", "main.go")
	os.MkdirAll(filepath.Dir(cgoSrc), 0o755)
	if err := os.WriteFile(cgoSrc, []byte("package main\n\n// int twice(int x) { return 2 * x; }\nimport \"C\"\n\nfunc main() { println(C.twice(2)) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	builds := []struct {
		name, src string
		env       []string
		flags     []string
	}{
		{"plain", src, nil, nil},
		{"stripped", src, nil, []string{"-ldflags=-s -w"}},
		{"pie", src, nil, []string{"-buildmode=pie"}},
		{"cgo", cgoSrc, []string{"CGO_ENABLED=1"}, nil},
		{"cgo-stripped", cgoSrc, []string{"CGO_ENABLED=1"}, []string{"-ldflags=-s -w"}},
	}
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			if strings.HasPrefix(b.name, "cgo") {
				needCC(t)
			}
			out := filepath.Join(dir, "bin-"+b.name)
			cmd := exec.Command("go", append(append([]string{"build", "-o", out}, b.flags...), b.src)...)
			cmd.Dir = filepath.Dir(b.src)
			cmd.Env = append(append(os.Environ(), "GO111MODULE=off", "GOFLAGS="), b.env...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, msg)
			}
			compareWithGosym(t, out)
		})
	}
	// Stripping keeps the text where it was: the module data, not the
	// symbol table, gave the stripped cgo binary its text start.
	if a, b := filepath.Join(dir, "bin-cgo"), filepath.Join(dir, "bin-cgo-stripped"); fileExists(a) && fileExists(b) {
		ta, _ := goTableOf(t, a)
		tb, _ := goTableOf(t, b)
		if ta.textStart != tb.textStart {
			t.Errorf("text start %#x with symbols, %#x stripped", ta.textStart, tb.textStart)
		}
	}
	t.Run("self", func(t *testing.T) {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		compareWithGosym(t, exe)
	})
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestOpenBinaryGoIsLazy checks that a Go binary opened by the symbolizer
// keeps only the sparse index, and that it still resolves the test's own
// functions.
func TestOpenBinaryGoIsLazy(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b := openBinary(exe)
	defer b.close()
	if b.err != nil || !b.isGo || b.gotab == nil {
		t.Fatalf("openBinary(%s): err %v, isGo %v", exe, b.err, b.isGo)
	}
	if b.elf != nil {
		t.Errorf("ELF symbols read for a Go binary")
	}
	if got := len(b.gotab.index); got > b.gotab.nfunc/indexStride+1 {
		t.Errorf("index of %d entries for %d functions", got, b.gotab.nfunc)
	}
	// The test binary is not position independent: a function's address
	// in memory is its address in the file.
	const self = "github.com/tallyhq/tally/node-agent/symbolize.TestOpenBinaryGoIsLazy"
	if fn := runtime.FuncForPC(reflect.ValueOf(TestOpenBinaryGoIsLazy).Pointer()); fn == nil || fn.Name() != self {
		t.Fatalf("FuncForPC: %v", fn)
	}
	if ef, err := elf.Open(exe); err == nil && ef.Type == elf.ET_EXEC {
		if name, ok := b.lookup(uint64(reflect.ValueOf(TestOpenBinaryGoIsLazy).Pointer()) + 1); !ok || name != self {
			t.Errorf("lookup: %q, %v", name, ok)
		}
		ef.Close()
	}
	if b.size() > 64<<10 {
		t.Errorf("a Go binary costs %d bytes in the cache", b.size())
	}
}

// synthFunc is a function of a synthetic pclntab.
type synthFunc struct {
	entry uint64
	name  string
}

// synthPclntab writes a minimal pclntab of the given format: header,
// function names, function table and _func records (entry and name offset
// only; nothing else is read). end is the end of the last function.
func synthPclntab(format pclnFormat, ptrSize int, order appendOrder, text uint64, funcs []synthFunc, end uint64) []byte {
	word := func(b []byte, v uint64) []byte {
		if ptrSize == 4 {
			return order.AppendUint32(b, uint32(v))
		}
		return order.AppendUint64(b, v)
	}
	var names []byte
	nameOff := make([]uint64, len(funcs))
	for i, f := range funcs {
		nameOff[i] = uint64(len(names))
		names = append(append(names, f.name...), 0)
	}
	field, entrySize := ptrSize, ptrSize
	if format == pcln118 {
		field, entrySize = 4, 4
	}
	tab := make([]byte, 0)
	put := func(b []byte, v uint64) []byte {
		if field == 4 {
			return order.AppendUint32(b, uint32(v))
		}
		return order.AppendUint64(b, v)
	}
	pc := func(v uint64) uint64 {
		if format == pcln118 {
			return v - text
		}
		return v
	}
	recs := make([]byte, 0)
	recBase := uint64((len(funcs)*2 + 1) * field)
	for i, f := range funcs {
		tab = put(tab, pc(f.entry))
		tab = put(tab, 0) // patched below once the base is known
		recs = append(recs, make([]byte, entrySize)...)
		recs = order.AppendUint32(recs, uint32(nameOff[i]))
	}
	tab = put(tab, pc(end))
	var hdr []byte
	var magic uint32
	switch format {
	case pcln12:
		magic = magic12
	case pcln116:
		magic = magic116
	default:
		magic = magic120
	}
	hdr = order.AppendUint32(hdr, magic)
	hdr = append(hdr, 0, 0, 1, byte(ptrSize))
	words := map[pclnFormat]int{pcln12: 1, pcln116: 7, pcln118: 8}[format]
	hdrLen := 8 + words*ptrSize
	var out []byte
	switch format {
	case pcln12:
		// Names and records follow the table; offsets are from the start.
		hdr = word(hdr, uint64(len(funcs)))
		tabOff := uint64(hdrLen)
		recOff := tabOff + uint64(len(tab))
		nameBase := recOff + uint64(len(recs))
		for i := range funcs {
			patch(order, field, tab[(2*i+1)*field:], recOff+uint64(i*(entrySize+4)))
			order.PutUint32(recs[i*(entrySize+4)+entrySize:], uint32(nameBase+nameOff[i]))
		}
		out = append(append(append(hdr, tab...), recs...), names...)
	default:
		namesOff := uint64(hdrLen)
		tabOff := namesOff + uint64(len(names))
		for i := range funcs {
			patch(order, field, tab[(2*i+1)*field:], recBase+uint64(i*(entrySize+4)))
		}
		hdr = word(hdr, uint64(len(funcs))) // nfunc
		hdr = word(hdr, 0)                  // nfiles
		if format == pcln118 {
			hdr = word(hdr, text)
		}
		hdr = word(hdr, namesOff)
		for range 3 { // cu, file and pc tables: not read
			hdr = word(hdr, tabOff)
		}
		hdr = word(hdr, tabOff)
		out = append(append(append(hdr, names...), tab...), recs...)
	}
	return out
}

// appendOrder is a byte order that can also append.
type appendOrder interface {
	binenc.ByteOrder
	binenc.AppendByteOrder
}

func patch(order appendOrder, field int, b []byte, v uint64) {
	if field == 4 {
		order.PutUint32(b, uint32(v))
	} else {
		order.PutUint64(b, v)
	}
}

// TestGoTableFormats checks the layouts no Go toolchain here writes any
// more (1.2, 1.16), both byte orders and pointer sizes, on synthetic tables
// with more functions than one index block.
func TestGoTableFormats(t *testing.T) {
	const text = 0x401000
	var funcs []synthFunc
	for i := range 3*indexStride + 5 {
		funcs = append(funcs, synthFunc{entry: text + uint64(i)*0x40, name: "pkg.f" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	end := funcs[len(funcs)-1].entry + 0x20
	for _, format := range []pclnFormat{pcln12, pcln116, pcln118} {
		for _, ptr := range []int{4, 8} {
			for _, order := range []appendOrder{binenc.LittleEndian, binenc.BigEndian} {
				data := synthPclntab(format, ptr, order, text, funcs, end)
				tab, err := newGoTable(bytes.NewReader(data), uint64(len(data)), text)
				if err != nil {
					t.Fatalf("format %d ptr %d %v: %v", format, ptr, order, err)
				}
				for i, f := range funcs {
					for _, pc := range []uint64{f.entry, f.entry + 0x3f} {
						if i == len(funcs)-1 && pc >= end {
							continue
						}
						if got, ok := tab.lookup(pc); !ok || got != f.name {
							t.Fatalf("format %d ptr %d %v: %#x: got %q %v, want %q", format, ptr, order, pc, got, ok, f.name)
						}
					}
				}
				for _, pc := range []uint64{text - 1, end, end + 1000} {
					if got, ok := tab.lookup(pc); ok {
						t.Errorf("format %d ptr %d %v: %#x resolved to %q", format, ptr, order, pc, got)
					}
				}
			}
		}
	}
}

// TestGoTableTruncated checks that every truncation of a valid table fails
// cleanly, at open or at lookup.
func TestGoTableTruncated(t *testing.T) {
	funcs := []synthFunc{{0x1000, "main.a"}, {0x1010, "main.b"}, {0x1020, "main.c"}}
	data := synthPclntab(pcln118, 8, binenc.LittleEndian, 0x1000, funcs, 0x1030)
	for n := range len(data) {
		tab, err := newGoTable(bytes.NewReader(data[:n]), uint64(n), 0x1000)
		if err != nil {
			continue
		}
		for pc := uint64(0xff0); pc < 0x1040; pc += 4 {
			tab.lookup(pc)
		}
	}
}

// FuzzGoTable feeds arbitrary bytes to the pclntab reader: it must return
// an error or answer lookups, never panic or allocate without bound.
func FuzzGoTable(f *testing.F) {
	funcs := []synthFunc{{0x1000, "main.a"}, {0x1010, "main.b"}, {0x1020, "main.c"}}
	for _, format := range []pclnFormat{pcln12, pcln116, pcln118} {
		f.Add(synthPclntab(format, 8, binenc.LittleEndian, 0x1000, funcs, 0x1030), uint64(0x1014))
		f.Add(synthPclntab(format, 4, binenc.BigEndian, 0x1000, funcs, 0x1030), uint64(0x1000))
	}
	f.Fuzz(func(t *testing.T, data []byte, pc uint64) {
		tab, err := newGoTable(bytes.NewReader(data), uint64(len(data)), 0x1000)
		if err != nil {
			return
		}
		for _, p := range []uint64{pc, pc + 1, pc - 1, 0x1000, tab.end - 1} {
			if name, ok := tab.lookup(p); ok && len(name) > len(data) {
				t.Fatalf("%#x: name of %d bytes from %d bytes of input", p, len(name), len(data))
			}
		}
	})
}
