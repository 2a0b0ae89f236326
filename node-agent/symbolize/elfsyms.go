package symbolize

import (
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"math"
	"os"
	"sort"
)

// elfTable is a native binary's function symbols from .symtab and .dynsym,
// sorted by address, with the names left in the file's string tables until
// a symbol is looked up. debug/elf's Symbols materializes a Symbol and a
// string for every entry, tens of megabytes for a large C++ library (LLVM,
// a browser, a JVM); the symbolizer needs the names of the few functions
// that are sampled, so it keeps 16 bytes per function symbol and reads
// (and demangles) names on demand.
type elfTable struct {
	syms      []elfSym
	strtabs   [2]strtab      // .strtab (for .symtab), .dynstr (for .dynsym)
	demangled map[int]string // syms index → demangled name, of the symbols looked up
}

type elfSym struct {
	start uint64
	size  uint32 // bytes; symbols without a size reach to the next symbol
	name  uint32 // offset in strtabs[name>>31], low 31 bits
}

type strtab struct {
	r    io.ReaderAt
	size uint64
}

// dynNameBit marks a name in .dynstr rather than .strtab.
const dynNameBit = 1 << 31

// elfFile is an ELF file whose symbol tables are read from r, of size
// bytes: a file, or an image in memory (the vDSO).
type elfFile struct {
	ef   *elf.File
	r    io.ReaderAt
	size int64
}

// openELFFile returns ef, parsed from f, as an elfFile.
func openELFFile(ef *elf.File, f *os.File) (elfFile, error) {
	fi, err := f.Stat()
	if err != nil {
		return elfFile{}, err
	}
	return elfFile{ef, f, fi.Size()}, nil
}

// readELFTable reads the function symbols of bin's .symtab and .dynsym,
// or of debug's .symtab instead of bin's (a separate debug file; nil:
// none).
func readELFTable(bin elfFile, debug *elfFile) (*elfTable, error) {
	t := &elfTable{}
	for i, typ := range []elf.SectionType{elf.SHT_SYMTAB, elf.SHT_DYNSYM} {
		from := bin
		if typ == elf.SHT_SYMTAB && debug != nil {
			from = *debug
		}
		if err := t.readSymbols(from, typ, uint32(i)); err != nil {
			return nil, err
		}
	}
	t.finish()
	if len(t.syms) == 0 {
		return nil, ErrNoSymbols
	}
	return t, nil
}

// readSymbols adds the function symbols of file's first table of type typ
// (none, or one that cannot be read, adds nothing), named in strtabs[tab].
func (t *elfTable) readSymbols(file elfFile, typ elf.SectionType, tab uint32) error {
	sec := symbolSection(file.ef, typ)
	if sec == nil {
		return nil
	}
	st, err := sectionReader(file.ef.Sections[sec.Link], file.r, file.size)
	if err != nil {
		return nil
	}
	syms, err := sectionReader(sec, file.r, file.size)
	if err != nil {
		return nil
	}
	t.strtabs[tab] = st
	return t.addSymbols(file.ef, syms, tab*dynNameBit)
}

// symbolSection returns ef's first section of type typ that links a string
// table, or nil.
func symbolSection(ef *elf.File, typ elf.SectionType) *elf.Section {
	for _, s := range ef.Sections {
		if s.Type == typ {
			if int(s.Link) >= len(ef.Sections) {
				return nil
			}
			return s
		}
	}
	return nil
}

// finish sorts the symbols, keeps one per address and gives sizeless ones
// the distance to the next.
func (t *elfTable) finish() {
	// Stable: where .symtab and .dynsym name the same address, the first
	// read (.symtab) wins.
	sort.SliceStable(t.syms, func(i, j int) bool { return t.syms[i].start < t.syms[j].start })
	out := t.syms[:0]
	for i, s := range t.syms {
		if i > 0 && s.start == t.syms[i-1].start {
			continue
		}
		out = append(out, s)
	}
	t.syms = append(make([]elfSym, 0, len(out)), out...) // without the spare capacity of appending
	for i := range t.syms {
		if t.syms[i].size == 0 {
			gap := uint64(1)
			if i+1 < len(t.syms) {
				gap = t.syms[i+1].start - t.syms[i].start
			}
			t.syms[i].size = uint32(min(gap, math.MaxUint32))
		}
	}
}

// sectionReader returns a reader of sec's contents: the file itself (f, of
// fileSize bytes) unless the section is compressed (then its contents, in
// memory).
func sectionReader(sec *elf.Section, f io.ReaderAt, fileSize int64) (strtab, error) {
	if sec.Type == elf.SHT_NOBITS {
		return strtab{}, errors.New("section without contents")
	}
	if sec.Flags&elf.SHF_COMPRESSED != 0 {
		data, err := sec.Data()
		if err != nil {
			return strtab{}, err
		}
		return strtab{r: bytes.NewReader(data), size: uint64(len(data))}, nil
	}
	if sec.Offset > uint64(fileSize) || sec.Size > uint64(fileSize)-sec.Offset {
		return strtab{}, errors.New("section outside the file")
	}
	return strtab{r: io.NewSectionReader(f, int64(sec.Offset), int64(sec.Size)), size: sec.Size}, nil
}

// addSymbols appends the function symbols of the symbol table in r.
func (t *elfTable) addSymbols(ef *elf.File, r strtab, nameBit uint32) error {
	entSize := 24
	if ef.Class == elf.ELFCLASS32 {
		entSize = 16
	}
	bo := ef.ByteOrder
	buf := make([]byte, 4096*entSize)
	for off := uint64(entSize); off+uint64(entSize) <= r.size; { // entry 0 is the null symbol
		n := min(uint64(len(buf)), (r.size-off)/uint64(entSize)*uint64(entSize))
		if _, err := r.r.ReadAt(buf[:n], int64(off)); err != nil && err != io.EOF {
			return err
		}
		for e := buf[:n]; len(e) >= entSize; e = e[entSize:] {
			var (
				name        = bo.Uint32(e)
				info        byte
				value, size uint64
			)
			if entSize == 24 {
				info, value, size = e[4], bo.Uint64(e[8:]), bo.Uint64(e[16:])
			} else {
				value, size, info = uint64(bo.Uint32(e[4:])), uint64(bo.Uint32(e[8:])), e[12]
			}
			typ := elf.SymType(info & 0xf)
			if (typ != elf.STT_FUNC && typ != elf.STT_GNU_IFUNC) || value == 0 || name >= dynNameBit {
				continue
			}
			t.syms = append(t.syms, elfSym{start: value, size: uint32(min(size, math.MaxUint32)), name: name | nameBit})
		}
		off += n
	}
	return nil
}

// lookup returns the demangled name of the function symbol holding addr.
// Names are demangled when first looked up: demangling every symbol of a
// large C++ binary up front costs more CPU than the agent spends in many
// intervals, for names that are mostly never sampled.
func (t *elfTable) lookup(addr uint64) (string, bool) {
	i := sort.Search(len(t.syms), func(i int) bool { return t.syms[i].start > addr }) - 1
	if i < 0 || addr-t.syms[i].start >= uint64(t.syms[i].size) {
		return "", false
	}
	if name, ok := t.demangled[i]; ok {
		return name, true
	}
	tab := t.strtabs[t.syms[i].name>>31]
	if tab.r == nil {
		return "", false
	}
	raw, err := readCString(tab.r, tab.size, uint64(t.syms[i].name&^dynNameBit))
	if err != nil || raw == "" {
		return "", false
	}
	name := Demangle(raw)
	if t.demangled == nil || len(t.demangled) >= maxNames {
		t.demangled = map[int]string{}
	}
	t.demangled[i] = name
	return name, true
}

// bytes estimates the memory t holds, for the symbol cache's budget.
func (t *elfTable) bytes() int {
	n := 100 + 16*cap(t.syms)
	for _, name := range t.demangled {
		n += 48 + len(name)
	}
	return n
}
