package symbolize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// perfMap is a JIT's /tmp/perf-<pid>.map: "START SIZE name" per line, hex.
//
// A live JIT appends to its map for as long as it runs (node
// --perf-basic-prof writes millions of lines in hours), so the map is read
// incrementally: read continues from the end of the last whole line read.
// Its memory is bounded by maxBytes (see bytes): past it, the oldest
// entries (the file's head) are dropped until a quarter of the bound is
// free, on the view that recently compiled code is the likelier to run and
// that a JIT's old code is often freed or recompiled.
type perfMap struct {
	starts []uint64 // in file order
	sizes  []uint32
	ends   []uint32 // name i is names[ends[i-1]:ends[i]]
	names  []byte
	order  []uint32 // indices by start; equal starts in file order

	inode    uint64 // of the file read
	offset   int64  // bytes of the file read, whole lines
	line     int    // lines read
	dropped  int    // entries dropped from the head
	maxBytes int
	lastUse  uint64 // the symbolizer's drain generation when last used
}

// maxPerfMapLine bounds a line of a perf map; longer ones are skipped.
const maxPerfMapLine = 64 << 10

func newPerfMap(inode uint64, maxBytes int) *perfMap {
	return &perfMap{inode: inode, maxBytes: maxBytes}
}

// parsePerfMap reads a whole perf map with no memory bound.
func parsePerfMap(r io.Reader) (*perfMap, error) {
	pm := newPerfMap(0, math.MaxInt)
	return pm, pm.read(r)
}

// bytes is the memory pm holds: its slices' capacities.
func (pm *perfMap) bytes() int {
	if pm == nil {
		return 0
	}
	return 100 + 8*cap(pm.starts) + 4*(cap(pm.sizes)+cap(pm.ends)+cap(pm.order)) + cap(pm.names)
}

// read parses r, the file from pm.offset on, adding its whole lines. Bad
// lines are skipped and the first is reported.
func (pm *perfMap) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, maxPerfMapLine)
	first := len(pm.starts)
	var firstErr error
	fail := func(format string, args ...any) {
		if firstErr == nil {
			firstErr = fmt.Errorf("perf map line %d: "+format, append([]any{pm.line}, args...)...)
		}
	}
	for {
		text, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Skip to the end of the overlong line, if it has one yet.
			n := int64(len(text))
			for errors.Is(err, bufio.ErrBufferFull) {
				text, err = br.ReadSlice('\n')
				n += int64(len(text))
			}
			if err != nil {
				break // unfinished: read again once it is
			}
			pm.offset += n
			pm.line++
			fail("longer than %d bytes", maxPerfMapLine)
			continue
		}
		if err != nil {
			if err != io.EOF && firstErr == nil {
				firstErr = err
			}
			break // an unfinished last line is read again once finished
		}
		pm.offset += int64(len(text))
		pm.line++
		if !pm.add(bytes.TrimSpace(text)) {
			fail("want hex START SIZE NAME")
		}
		if len(pm.starts)&4095 == 0 && pm.bytes() > pm.maxBytes {
			pm.sortNew(first)
			pm.dropOldest()
			first = len(pm.starts)
		}
	}
	pm.sortNew(first)
	if pm.bytes() > pm.maxBytes {
		pm.dropOldest()
	}
	return firstErr
}

// add appends the entry of one line; false for a malformed line. An empty
// line is ignored.
func (pm *perfMap) add(line []byte) bool {
	if len(line) == 0 {
		return true
	}
	startField, rest, ok1 := bytes.Cut(line, []byte(" "))
	sizeField, name, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 {
		return false
	}
	start, err1 := strconv.ParseUint(string(bytes.TrimPrefix(startField, []byte("0x"))), 16, 64)
	size, err2 := strconv.ParseUint(string(bytes.TrimPrefix(sizeField, []byte("0x"))), 16, 64)
	if err1 != nil || err2 != nil || start+size < start || len(pm.names)+len(name) > math.MaxUint32 {
		return false
	}
	pm.starts = append(pm.starts, start)
	pm.sizes = append(pm.sizes, uint32(min(size, math.MaxUint32)))
	pm.names = append(pm.names, name...)
	pm.ends = append(pm.ends, uint32(len(pm.names)))
	return true
}

// sortNew merges the entries from index first on into order.
func (pm *perfMap) sortNew(first int) {
	if first == len(pm.starts) {
		return
	}
	added := make([]uint32, 0, len(pm.starts)-first)
	for i := first; i < len(pm.starts); i++ {
		added = append(added, uint32(i))
	}
	less := func(a, b uint32) bool { return pm.starts[a] < pm.starts[b] }
	sort.SliceStable(added, func(i, j int) bool { return less(added[i], added[j]) })
	merged := make([]uint32, 0, len(pm.order)+len(added))
	i, j := 0, 0
	for i < len(pm.order) && j < len(added) {
		// On equal starts the older entry first, so lookup finds the newer.
		if less(added[j], pm.order[i]) {
			merged = append(merged, added[j])
			j++
		} else {
			merged = append(merged, pm.order[i])
			i++
		}
	}
	merged = append(merged, pm.order[i:]...)
	pm.order = append(merged, added[j:]...)
}

// dropOldest drops the oldest entries until pm holds at most three
// quarters of maxBytes, copying the rest to slices of their exact size.
func (pm *perfMap) dropOldest() {
	n := len(pm.starts)
	perEntry := func(i int) int { return 20 + int(pm.ends[i]) - int(pm.nameStart(i)) }
	total := 100
	keep := n
	for keep > 0 && total+perEntry(keep-1) <= pm.maxBytes*3/4 {
		total += perEntry(keep - 1)
		keep--
	}
	k := keep // entries [0, k) go
	keep = n - k
	base := uint32(0)
	if k > 0 {
		base = pm.ends[k-1]
	}
	starts := append([]uint64(nil), pm.starts[k:]...)
	sizes := append([]uint32(nil), pm.sizes[k:]...)
	ends := make([]uint32, keep)
	for i := range ends {
		ends[i] = pm.ends[k+i] - base
	}
	names := append([]byte(nil), pm.names[base:]...)
	order := make([]uint32, 0, keep)
	for _, idx := range pm.order {
		if int(idx) >= k {
			order = append(order, idx-uint32(k))
		}
	}
	pm.starts, pm.sizes, pm.ends, pm.names, pm.order = starts, sizes, ends, names, order
	pm.dropped += k
}

func (pm *perfMap) nameStart(i int) uint32 {
	if i == 0 {
		return 0
	}
	return pm.ends[i-1]
}

func (pm *perfMap) lookup(pc uint64) (string, bool) {
	if pm == nil {
		return "", false
	}
	i := sort.Search(len(pm.order), func(i int) bool { return pm.starts[pm.order[i]] > pc }) - 1
	for ; i >= 0; i-- {
		e := pm.order[i]
		start := pm.starts[e]
		if pc >= start && pc-start < uint64(pm.sizes[e]) {
			return string(pm.names[pm.nameStart(int(e)):pm.ends[e]]), true
		}
		if start+(1<<24) < pc { // entries far below cannot cover pc
			break
		}
	}
	return "", false
}
