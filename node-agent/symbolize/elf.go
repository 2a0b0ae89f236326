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
	"strings"

	"github.com/ianlancetaylor/demangle"
)

// ErrNoSymbols reports a binary with neither .gopclntab nor symbol tables.
var ErrNoSymbols = errors.New("no .gopclntab, .symtab or .dynsym")

// binary is a parsed executable or shared library: its load segments and
// function table. Both kinds of table keep names in the file until they
// are looked up: a Go binary's .gopclntab (gotab), another's symbol and
// string tables (elf); file stays open for them.
type binary struct {
	buildID string
	isGo    bool
	loads   []load
	gotab   *goTable
	elf     *elfTable
	file    *os.File
	// debugFile is the separate debug file elf's .symtab is read from, if any.
	debugFile *os.File
	err       error
	lastUse   uint64 // the symbolizer's drain generation when last used
}

type load struct{ off, vaddr, filesz uint64 }

// sym is a named address range (perf maps).
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
	switch {
	case b.gotab != nil:
		return b.gotab.lookup(addr)
	case b.elf != nil:
		return b.elf.lookup(addr)
	}
	return "", false
}

// close releases the files b's table is read from.
func (b *binary) close() {
	for _, f := range []*os.File{b.file, b.debugFile} {
		if f != nil {
			f.Close()
		}
	}
	b.file, b.debugFile = nil, nil
}

// size estimates the memory b holds, for the symbol cache's budget.
func (b *binary) size() int {
	n := 200 + 24*len(b.loads) + len(b.buildID)
	if b.gotab != nil {
		n += b.gotab.bytes()
	}
	if b.elf != nil {
		n += b.elf.bytes()
	}
	return n
}

// openBinary parses the ELF file at path, without separate debug files
// (see parseBinary).
func openBinary(path string) *binary {
	f, err := os.Open(path)
	if err != nil {
		return &binary{err: err}
	}
	return parseBinary(f, path, "")
}

// parseBinary parses the ELF file f, at path in the file system whose root
// is root, named path in errors. A binary without .symtab takes it from
// its separate debug file in that file system (root "": none; see
// openDebugFile). It never panics: a malformed file yields a binary with
// err set. The binary keeps f (and the debug file) open to read names on
// demand, or closes it.
func parseBinary(f *os.File, path, root string) (b *binary) {
	b = &binary{}
	var debugFile *os.File
	defer func() {
		if r := recover(); r != nil {
			b = &binary{err: fmt.Errorf("parse %s: %v", path, r)}
		}
		if b.file == nil {
			f.Close()
			if debugFile != nil {
				debugFile.Close()
			}
		}
	}()
	ef, err := elf.NewFile(f)
	if err != nil {
		b.err = fmt.Errorf("parse ELF %s: %w", path, err)
		return b
	}
	b.loads, b.buildID = execLoads(ef), buildID(ef)
	if sec := ef.Section(".gopclntab"); sec != nil {
		if err := b.loadGo(ef, sec, f); err == nil {
			return b
		}
	}
	debugFile, debug := openDebugFile(ef, b.buildID, root, path)
	file, err := openELFFile(ef, f)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", path, err)
		return b
	}
	tab, err := readELFTable(file, debug)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", path, err)
		return b
	}
	b.elf, b.file, b.debugFile = tab, f, debugFile
	return b
}

// parseImage parses an ELF image in memory (the vDSO), named name in
// errors: its symbol tables. It never panics.
func parseImage(data []byte, name string) (b *binary) {
	defer func() {
		if r := recover(); r != nil {
			b = &binary{err: fmt.Errorf("parse %s: %v", name, r)}
		}
	}()
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return &binary{err: fmt.Errorf("parse ELF %s: %w", name, err)}
	}
	tab, err := readELFTable(elfFile{ef, bytes.NewReader(data), int64(len(data))}, nil)
	if err != nil {
		return &binary{err: fmt.Errorf("%s: %w", name, err)}
	}
	return &binary{loads: execLoads(ef), buildID: buildID(ef), elf: tab}
}

// execLoads returns ef's executable load segments.
func execLoads(ef *elf.File) []load {
	var loads []load
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
			loads = append(loads, load{off: p.Off, vaddr: p.Vaddr, filesz: p.Filesz})
		}
	}
	return loads
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
