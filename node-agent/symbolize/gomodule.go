package symbolize

import (
	"debug/elf"
	"io"
)

// goTextStart returns the address Go 1.18+ pclntab PCs are relative to:
// the runtime.text symbol. The pclntab header's copy of it is 0 in the
// file, and the .text section starts with it only when the Go linker linked
// the binary itself; an external linker (cgo) puts C start-up code first.
// So goTextStart finds the runtime's module data, which the linker fills
// with link-time addresses: a record whose first word points at
// .gopclntab, and whose slices of function names and function table point
// into it at the header's offsets (runtime/symtab.go, moduledata: pcHeader,
// then the funcnametab, cutab, filetab, pctab, pclntable and ftab slices,
// findfunctab, minpc, maxpc, text). It is in its own section (.go.module)
// since Go 1.26, in .noptrdata before. When no such record is found, the
// .text section's address is used, as debug/gosym does.
func goTextStart(ef *elf.File, pcln *elf.Section, t *goTable) uint64 {
	text := ef.Section(".text")
	fallback := uint64(0)
	if text != nil {
		fallback = text.Addr
	}
	if text == nil || t.format != pcln118 {
		return fallback
	}
	const (
		wFuncnames = 1  // funcnametab's data pointer
		wFtab      = 16 // ftab's data pointer
		wText      = 22 // text
		words      = wText + 1
	)
	ptr := uint64(t.ptrSize)
	read := func(b []byte) uint64 {
		if ptr == 4 {
			return uint64(t.order.Uint32(b))
		}
		return t.order.Uint64(b)
	}
	match := func(rec []byte) (uint64, bool) {
		if read(rec) != pcln.Addr || read(rec[wFuncnames*ptr:]) != pcln.Addr+t.funcnames || read(rec[wFtab*ptr:]) != pcln.Addr+t.functab {
			return 0, false
		}
		start := read(rec[wText*ptr:])
		if start < text.Addr || start >= text.Addr+text.Size {
			return 0, false
		}
		return start, true
	}
	for _, name := range []string{".go.module", ".noptrdata"} {
		sec := ef.Section(name)
		if sec == nil || sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_COMPRESSED != 0 {
			continue
		}
		// Read in chunks that overlap by one record, so a record straddling
		// two chunks is seen whole.
		const chunk = 64 << 10
		rec := words * ptr
		buf := make([]byte, chunk+rec)
		for off := uint64(0); off < sec.Size; off += chunk {
			n, err := sec.ReadAt(buf[:min(uint64(len(buf)), sec.Size-off)], int64(off))
			if n == 0 || (err != nil && err != io.EOF) {
				break
			}
			for i := uint64(0); i+rec <= uint64(n) && i < chunk; i += ptr {
				if start, ok := match(buf[i : i+rec]); ok {
					return start
				}
			}
		}
	}
	return fallback
}
