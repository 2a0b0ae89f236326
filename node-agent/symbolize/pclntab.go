package symbolize

import (
	binenc "encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// goTable answers "which function holds this PC" from a Go binary's
// .gopclntab section without loading it. debug/gosym.NewTable materializes
// a Sym and a name for every function (tens of megabytes for a binary that
// links client-go); the symbolizer needs the few hundred functions that are
// actually sampled. So goTable keeps a sparse index (the entry PC of every
// indexStride-th function) and reads the rest through io.ReaderAt when a PC
// is looked up: one block of the function table, the function's _func
// record and its name.
//
// The layout is the one the Go linker writes and the runtime reads
// (runtime/symtab.go, cmd/link/internal/ld/pcln.go): a header with a magic
// number per format (Go 1.2, 1.16, 1.18, 1.20), pointer size and the
// offsets of its sub-tables; the function table is nfunc+1 (entry PC,
// _func offset) pairs sorted by PC, the last PC being the end of the text;
// a function runs from its entry PC to the next one. From Go 1.18 on, PCs
// in the table are 32-bit offsets from the start of the text.
type goTable struct {
	r         io.ReaderAt
	size      uint64 // bytes of r
	order     binenc.ByteOrder
	format    pclnFormat
	ptrSize   int
	nfunc     int
	textStart uint64 // added to the table's PCs (Go 1.18+)
	functab   uint64 // offset in r of the function table
	funcdata  uint64 // offset in r that _func offsets are relative to
	funcnames uint64 // offset in r of the function names; name offsets are relative to it
	field     int    // bytes of one function-table field
	index     []uint64
	end       uint64 // end of the last function
	names     map[int]string
	blocks    map[int][]uint64 // recently read function-table blocks: entry PCs, then _func offsets
}

type pclnFormat int

const (
	pcln12 pclnFormat = iota
	pcln116
	pcln118 // also Go 1.20+: the same layout
)

const (
	// indexStride is how many functions one index entry stands for: one
	// lookup reads one block of indexStride+1 function-table pairs (at most
	// 1 KiB).
	indexStride = 64
	// maxBlocks and maxNames bound the per-binary memo of blocks read and
	// names resolved; past them the memo starts over.
	maxBlocks = 64
	maxNames  = 1 << 14
	// maxName is the longest function name read (generic instantiations
	// get long; none gets near this).
	maxName = 64 << 10
)

// errNotPclntab reports data that does not start with a known pclntab header.
var errNotPclntab = errors.New("not a Go 1.2+ pclntab")

// Magic numbers at the start of .gopclntab, by format.
const (
	magic12  = 0xfffffffb
	magic116 = 0xfffffffa
	magic118 = 0xfffffff0
	magic120 = 0xfffffff1
)

// newGoTable reads the header and builds the sparse index of the pclntab
// in r (size bytes). textStart is the address Go 1.18+ table PCs are
// relative to (see goTextStart).
func newGoTable(r io.ReaderAt, size, textStart uint64) (*goTable, error) {
	t, err := readPclnHeader(r, size)
	if err != nil {
		return nil, err
	}
	if t.format == pcln118 {
		t.textStart = textStart
	}
	if err := t.buildIndex(); err != nil {
		return nil, err
	}
	return t, nil
}

// readPclnHeader reads the header of the pclntab in r (size bytes).
func readPclnHeader(r io.ReaderAt, size uint64) (*goTable, error) {
	var hdr [8 + 8*8]byte
	n, err := r.ReadAt(hdr[:], 0)
	if n < 16 {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read pclntab header: %w", err)
	}
	t := &goTable{r: r, size: size, names: map[int]string{}, blocks: map[int][]uint64{}}
	// The magic reads differently in the other byte order, which tells the order.
	le, be := binenc.LittleEndian.Uint32(hdr[:]), binenc.BigEndian.Uint32(hdr[:])
	switch {
	case le == magic12 || le == magic116 || le == magic118 || le == magic120:
		t.order = binenc.LittleEndian
	case be == magic12 || be == magic116 || be == magic118 || be == magic120:
		t.order = binenc.BigEndian
	default:
		return nil, errNotPclntab
	}
	switch t.order.Uint32(hdr[:]) {
	case magic12:
		t.format = pcln12
	case magic116:
		t.format = pcln116
	default:
		t.format = pcln118
	}
	quantum, ptr := hdr[6], hdr[7]
	if hdr[4] != 0 || hdr[5] != 0 || (quantum != 1 && quantum != 2 && quantum != 4) || (ptr != 4 && ptr != 8) {
		return nil, errNotPclntab
	}
	t.ptrSize = int(ptr)
	word := func(i int) uint64 {
		off := 8 + i*t.ptrSize
		if off+t.ptrSize > n {
			return 0
		}
		if t.ptrSize == 4 {
			return uint64(t.order.Uint32(hdr[off:]))
		}
		return t.order.Uint64(hdr[off:])
	}
	nfunc := word(0)
	switch t.format {
	case pcln12:
		t.functab, t.funcdata, t.funcnames, t.field = 8+uint64(t.ptrSize), 0, 0, t.ptrSize
	case pcln116:
		t.funcnames, t.functab, t.field = word(2), word(6), t.ptrSize
		t.funcdata = t.functab
	case pcln118:
		// Word 2 is the text start, but the linker leaves it 0 in the file.
		t.funcnames, t.functab, t.field = word(3), word(7), 4
		t.funcdata = t.functab
	}
	if t.functab > size || t.funcnames > size || nfunc == 0 || nfunc >= (size-t.functab)/uint64(2*t.field) {
		return nil, fmt.Errorf("pclntab: %d functions at offset %d do not fit in %d bytes", nfunc, t.functab, size)
	}
	t.nfunc = int(nfunc)
	return t, nil
}

// buildIndex reads the function table once, keeping the entry PC of every
// indexStride-th function and the end of the text.
func (t *goTable) buildIndex() error {
	const chunkPairs = 4096
	pair := 2 * t.field
	buf := make([]byte, chunkPairs*pair)
	t.index = make([]uint64, 0, min(t.nfunc/indexStride+1, 1<<16))
	prev := uint64(0)
	for i := 0; i <= t.nfunc; i += chunkPairs {
		n := min(chunkPairs, t.nfunc+1-i)
		b := buf[:n*pair]
		if err := t.readFull(b, t.functab+uint64(i*pair)); err != nil {
			return fmt.Errorf("read pclntab function table: %w", err)
		}
		for j := 0; j < n; j++ {
			pc := t.pc(b[j*pair:])
			if pc < prev {
				return fmt.Errorf("pclntab function table not sorted at function %d", i+j)
			}
			prev = pc
			if (i+j)%indexStride == 0 && i+j < t.nfunc {
				t.index = append(t.index, pc)
			}
			if i+j == t.nfunc {
				t.end = pc
			}
		}
	}
	return nil
}

// pc decodes the PC field at the start of b.
func (t *goTable) pc(b []byte) uint64 {
	if t.field == 4 {
		v := uint64(t.order.Uint32(b))
		if t.format == pcln118 {
			v += t.textStart
		}
		return v
	}
	return t.order.Uint64(b)
}

func (t *goTable) readFull(b []byte, off uint64) error {
	if off > t.size || uint64(len(b)) > t.size-off {
		return io.ErrUnexpectedEOF
	}
	n, err := t.r.ReadAt(b, int64(off))
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// lookup returns the name of the function holding pc.
func (t *goTable) lookup(pc uint64) (string, bool) {
	if len(t.index) == 0 || pc < t.index[0] || pc >= t.end {
		return "", false
	}
	blk := sort.Search(len(t.index), func(i int) bool { return t.index[i] > pc }) - 1
	entries, err := t.block(blk)
	if err != nil {
		return "", false
	}
	// entries holds k+1 entry PCs (the last one ends the block), then k _func offsets.
	k := len(entries) / 2
	j := sort.Search(k, func(i int) bool { return entries[i+1] > pc })
	if j >= k || pc < entries[j] {
		return "", false
	}
	fn := blk*indexStride + j
	if name, ok := t.names[fn]; ok {
		return name, true
	}
	name, err := t.funcName(entries[k+1+j])
	if err != nil {
		return "", false
	}
	if len(t.names) >= maxNames {
		clear(t.names)
	}
	t.names[fn] = name
	return name, true
}

// block returns the entry PCs of block blk's functions plus the next entry
// PC, followed by their _func offsets.
func (t *goTable) block(blk int) ([]uint64, error) {
	if e, ok := t.blocks[blk]; ok {
		return e, nil
	}
	first := blk * indexStride
	k := min(indexStride, t.nfunc-first)
	pair := 2 * t.field
	buf := make([]byte, (k+1)*pair)
	if err := t.readFull(buf, t.functab+uint64(first*pair)); err != nil {
		return nil, err
	}
	e := make([]uint64, 2*k+1)
	for i := 0; i <= k; i++ {
		e[i] = t.pc(buf[i*pair:])
	}
	for i := 0; i < k; i++ {
		off := buf[i*pair+t.field:]
		if t.field == 4 {
			e[k+1+i] = uint64(t.order.Uint32(off))
		} else {
			e[k+1+i] = t.order.Uint64(off)
		}
	}
	if len(t.blocks) >= maxBlocks {
		clear(t.blocks)
	}
	t.blocks[blk] = e
	return e, nil
}

// funcName reads the name of the function whose _func record is at
// funcOff (relative to t.funcdata): the record's second field is the
// name's offset in the name table.
func (t *goTable) funcName(funcOff uint64) (string, error) {
	entry := t.ptrSize
	if t.format == pcln118 {
		entry = 4
	}
	var b [4]byte
	if funcOff > t.size-t.funcdata {
		return "", io.ErrUnexpectedEOF
	}
	if err := t.readFull(b[:], t.funcdata+funcOff+uint64(entry)); err != nil {
		return "", err
	}
	nameOff := uint64(t.order.Uint32(b[:]))
	if nameOff > t.size-t.funcnames {
		return "", io.ErrUnexpectedEOF
	}
	return t.cString(t.funcnames + nameOff)
}

// cString reads a NUL-terminated string at off.
func (t *goTable) cString(off uint64) (string, error) { return readCString(t.r, t.size, off) }

// readCString reads a NUL-terminated string at off in r (size bytes), of
// at most maxName bytes.
func readCString(r io.ReaderAt, size, off uint64) (string, error) {
	var out []byte
	var buf [128]byte
	for len(out) < maxName {
		if off >= size {
			return "", io.ErrUnexpectedEOF
		}
		b := buf[:min(uint64(len(buf)), size-off)]
		n, err := r.ReadAt(b, int64(off))
		if n < len(b) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		for i, c := range b {
			if c == 0 {
				return string(append(out, b[:i]...)), nil
			}
		}
		out = append(out, b...)
		off += uint64(len(b))
	}
	return "", errors.New("name too long")
}

// bytes estimates the memory t holds, for the symbol cache's budget.
func (t *goTable) bytes() int {
	n := 200 + 8*cap(t.index)
	for _, s := range t.names {
		n += 48 + len(s)
	}
	for _, e := range t.blocks {
		n += 48 + 8*len(e)
	}
	return n
}
