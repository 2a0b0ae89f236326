package symbolize

import (
	"bytes"
	"debug/elf"
	binenc "encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/ianlancetaylor/demangle"
)

// ErrNoSymbols reports a binary with neither .gopclntab nor symbol tables.
var ErrNoSymbols = errors.New("no .gopclntab, .symtab or .dynsym")

// binary is a parsed executable or shared library: its load segments and
// function table. A Go binary's table stays in the file (gotab, read through
// file); other binaries' symbols are held in syms.
type binary struct {
	buildID   string
	isGo      bool
	loads     []load
	syms      []sym          // sorted by start; names as in the file (mangled)
	demangled map[int]string // syms index → demangled name, of the symbols looked up
	gotab     *goTable
	file      *os.File // open while gotab reads from it
	err       error
	lastUse   uint64 // the symbolizer's drain generation when last used
}

type load struct{ off, vaddr, filesz uint64 }

type sym struct {
	start, end uint64
	name       string
}

// vaddr translates a file offset to the virtual address the binary's
// symbols use.
func (b *binary) vaddr(off uint64) (uint64, bool) {
	for _, l := range b.loads {
		if off >= l.off && off < l.off+l.filesz {
			return off - l.off + l.vaddr, true
		}
	}
	return 0, false
}

func (b *binary) lookup(addr uint64) (string, bool) {
	if b.gotab != nil {
		return b.gotab.lookup(addr)
	}
	i := sort.Search(len(b.syms), func(i int) bool { return b.syms[i].start > addr }) - 1
	if i < 0 || addr >= b.syms[i].end {
		return "", false
	}
	// Names are demangled when first looked up: demangling every symbol
	// of a large C++ binary up front costs more CPU than the agent spends
	// in many intervals, for names that are mostly never sampled.
	if name, ok := b.demangled[i]; ok {
		return name, true
	}
	name := Demangle(b.syms[i].name)
	if b.demangled == nil || len(b.demangled) >= maxNames {
		b.demangled = map[int]string{}
	}
	b.demangled[i] = name
	return name, true
}

// close releases the file a Go binary's table is read from.
func (b *binary) close() {
	if b.file != nil {
		b.file.Close()
		b.file = nil
	}
}

// size estimates the memory b holds, for the symbol cache's budget.
func (b *binary) size() int {
	n := 200 + 24*len(b.loads) + len(b.buildID)
	if b.gotab != nil {
		n += b.gotab.bytes()
	}
	for _, s := range b.syms {
		n += 40 + len(s.name)
	}
	for _, name := range b.demangled {
		n += 48 + len(name)
	}
	return n
}

// openBinary parses the ELF file at path. It never panics: a malformed file
// yields a binary with err set. A Go binary keeps the file open to read its
// .gopclntab on demand.
func openBinary(path string) (b *binary) {
	b = &binary{}
	var f *os.File
	defer func() {
		if r := recover(); r != nil {
			b = &binary{err: fmt.Errorf("parse %s: %v", path, r)}
		}
		if b.file == nil && f != nil {
			f.Close()
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		b.err = err
		return b
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		b.err = fmt.Errorf("parse ELF %s: %w", path, err)
		return b
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
			b.loads = append(b.loads, load{off: p.Off, vaddr: p.Vaddr, filesz: p.Filesz})
		}
	}
	b.buildID = buildID(ef)
	if sec := ef.Section(".gopclntab"); sec != nil {
		if err := b.loadGo(ef, sec, f); err == nil {
			return b
		}
	}
	b.loadELFSymbols(ef)
	if len(b.syms) == 0 {
		b.err = fmt.Errorf("%s: %w", path, ErrNoSymbols)
	}
	return b
}

// loadGo prepares lookups in .gopclntab, present even in stripped Go
// binaries. The section is read from f on demand (see goTable); only a
// compressed section is read whole.
func (b *binary) loadGo(ef *elf.File, pcln *elf.Section, f *os.File) error {
	if ef.Section(".text") == nil {
		return errors.New("no .text section")
	}
	var r io.ReaderAt = io.NewSectionReader(f, int64(pcln.Offset), int64(pcln.Size))
	size := pcln.Size
	if pcln.Type == elf.SHT_NOBITS {
		return errors.New("empty .gopclntab")
	}
	if fi, err := f.Stat(); err != nil || pcln.Offset > uint64(fi.Size()) || pcln.Size > uint64(fi.Size())-pcln.Offset {
		return errors.New(".gopclntab outside the file")
	}
	if pcln.Flags&elf.SHF_COMPRESSED != 0 {
		data, err := pcln.Data()
		if err != nil {
			return err
		}
		r, size = bytes.NewReader(data), uint64(len(data))
	}
	tab, err := readPclnHeader(r, size)
	if err != nil {
		return err
	}
	tab.textStart = goTextStart(ef, pcln, tab)
	if err := tab.buildIndex(); err != nil {
		return err
	}
	b.gotab, b.isGo, b.file = tab, true, f
	return nil
}

// loadELFSymbols reads function symbols from .symtab and .dynsym.
func (b *binary) loadELFSymbols(ef *elf.File) {
	seen := map[uint64]bool{}
	var syms []sym
	add := func(list []elf.Symbol) {
		for _, s := range list {
			t := elf.ST_TYPE(s.Info)
			if (t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC) || s.Value == 0 || seen[s.Value] {
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
	// Symbols without a size reach to the next symbol.
	for i := range syms {
		if syms[i].end == syms[i].start {
			if i+1 < len(syms) {
				syms[i].end = syms[i+1].start
			} else {
				syms[i].end = syms[i].start + 1
			}
		}
	}
	b.syms = syms
}

var rustHash = regexp.MustCompile(`::h[0-9a-f]{16}$`)

// Demangle returns the readable form of a C++ or Rust symbol (without
// parameter lists and Rust's hash suffix), or name itself.
func Demangle(name string) string {
	if !strings.HasPrefix(name, "_Z") && !strings.HasPrefix(name, "_R") && !strings.HasPrefix(name, "__Z") {
		return name
	}
	d := demangle.Filter(name, demangle.NoParams, demangle.NoClones)
	return rustHash.ReplaceAllString(d, "")
}

// buildID returns "gnu:<hex>" from .note.gnu.build-id, "go:<id>" from
// .note.go.buildid, or "".
func buildID(ef *elf.File) string {
	if sec := ef.Section(".note.gnu.build-id"); sec != nil {
		if desc := noteDesc(sec, ef.ByteOrder); len(desc) > 0 {
			return "gnu:" + hex.EncodeToString(desc)
		}
	}
	if sec := ef.Section(".note.go.buildid"); sec != nil {
		if desc := noteDesc(sec, ef.ByteOrder); len(desc) > 0 {
			return "go:" + string(desc)
		}
	}
	return ""
}

// noteDesc returns the descriptor of the first note in sec.
func noteDesc(sec *elf.Section, bo binenc.ByteOrder) []byte {
	data, err := sec.Data()
	if err != nil || len(data) < 12 {
		return nil
	}
	namesz, descsz := bo.Uint32(data[0:4]), bo.Uint32(data[4:8])
	off := 12 + (uint64(namesz)+3)&^3
	if off+uint64(descsz) > uint64(len(data)) {
		return nil
	}
	return data[off : off+uint64(descsz)]
}
