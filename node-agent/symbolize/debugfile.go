package symbolize

import (
	"bytes"
	"debug/elf"
	binenc "encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// systemDebugDir is where distributions install separate debug files:
// under .build-id/<first two hex digits of the build id>/<the rest>.debug
// (Debian's -dbg and -dbgsym packages, Fedora's -debuginfo), and under
// the binary's own directory for a .gnu_debuglink name.
const systemDebugDir = "/usr/lib/debug"

// openDebugFile opens the separate debug file of a binary ef with no
// .symtab, at path in the file system whose root is root: by its build id
// under systemDebugDir, else by the name and CRC its .gnu_debuglink gives,
// where GDB looks for it (the binary's directory, its .debug
// subdirectory, and that directory under systemDebugDir). It returns nils
// when there is none with a .symtab.
func openDebugFile(ef *elf.File, build, root, path string) (*os.File, *elfFile) {
	if root == "" || symbolSection(ef, elf.SHT_SYMTAB) != nil {
		return nil, nil
	}
	debugDir := filepath.Join(root, systemDebugDir)
	if id, ok := strings.CutPrefix(build, "gnu:"); ok && len(id) >= 3 {
		if f, file := openDebugCandidate(filepath.Join(debugDir, ".build-id", id[:2], id[2:]+".debug"), func(dbg *elf.File, _ *os.File) bool {
			return buildID(dbg) == build
		}); f != nil {
			return f, file
		}
	}
	name, crc, ok := debugLink(ef)
	if !ok {
		return nil, nil
	}
	dir := filepath.Dir(path)
	for _, at := range []string{filepath.Join(root, dir, name), filepath.Join(root, dir, ".debug", name), filepath.Join(debugDir, dir, name)} {
		if f, file := openDebugCandidate(at, func(_ *elf.File, f *os.File) bool {
			sum, err := fileCRC(f)
			return err == nil && sum == crc
		}); f != nil {
			return f, file
		}
	}
	return nil, nil
}

// openDebugCandidate opens the ELF file at path when it has a .symtab and
// is the binary's (matches), or returns nils.
func openDebugCandidate(path string, matches func(*elf.File, *os.File) (ok bool)) (*os.File, *elfFile) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	dbg, err := elf.NewFile(f)
	if err == nil && symbolSection(dbg, elf.SHT_SYMTAB) != nil && matches(dbg, f) {
		if file, err := openELFFile(dbg, f); err == nil {
			return f, &file
		}
	}
	f.Close()
	return nil, nil
}

// debugLink reads ef's .gnu_debuglink (see parseDebugLink).
func debugLink(ef *elf.File) (name string, crc uint32, ok bool) {
	sec := ef.Section(".gnu_debuglink")
	if sec == nil {
		return "", 0, false
	}
	data, err := sec.Data()
	if err != nil {
		return "", 0, false
	}
	return parseDebugLink(data, ef.ByteOrder)
}

// parseDebugLink reads a .gnu_debuglink section: the base name of the
// debug file, NUL-terminated, then, 4-byte aligned, the CRC-32 of that
// file's contents in the binary's byte order. A name with a directory in
// it is refused: the binary is the profiled program's, not the agent's.
func parseDebugLink(data []byte, order binenc.ByteOrder) (name string, crc uint32, ok bool) {
	end := bytes.IndexByte(data, 0)
	if end <= 0 {
		return "", 0, false
	}
	name = string(data[:end])
	at := (end + 4) &^ 3 // the first multiple of 4 after the NUL
	if at+4 > len(data) || strings.ContainsRune(name, '/') || name == "." || name == ".." {
		return "", 0, false
	}
	return name, order.Uint32(data[at:]), true
}

// fileCRC returns the CRC-32 (IEEE) of f's contents, as .gnu_debuglink
// records it.
func fileCRC(f *os.File) (uint32, error) {
	h := crc32.NewIEEE()
	_, err := io.Copy(h, io.NewSectionReader(f, 0, 1<<62))
	return h.Sum32(), err
}
