package symbolize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

// ErrKallsymsHidden reports a /proc/kallsyms whose addresses are all zero
// (kptr_restrict, or not root).
var ErrKallsymsHidden = errors.New("kallsyms addresses are hidden")

// kallsyms is the kernel's text symbol table, packed: a node's kernel has
// over 100,000 text symbols, and a string (and line) per symbol would cost
// the agent some 14 MB of heap where this costs about 5.
type kallsyms struct {
	addrs   []uint64 // sorted
	ends    []uint32 // names[i] is blob[ends[i-1]:ends[i]]
	mods    []uint16 // index in modules
	blob    string   // all names, concatenated
	modules []string // "[kernel]" first
}

func loadKallsyms(path string) (*kallsyms, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseKallsyms(f)
}

// parseKallsyms reads "address type name [module]" lines, keeping text symbols.
func parseKallsyms(r io.Reader) (*kallsyms, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	nonzero := false
	type entry struct {
		addr       uint64
		start, end uint32 // of the name in names
		mod        uint16
	}
	// A kernel has 100,000–200,000 text symbols of some 25 bytes each.
	// Grown by doubling, the parse leaves a few megabytes of garbage
	// where append's gentler growth of large slices would leave tens.
	var (
		entries []entry
		names   []byte
	)
	modIndex := map[string]uint16{"[kernel]": 0}
	modules := []string{"[kernel]"}
	for sc.Scan() {
		line := sc.Bytes()
		addrField, rest, ok1 := bytes.Cut(line, []byte(" "))
		typ, rest, ok2 := bytes.Cut(rest, []byte(" "))
		if !ok1 || !ok2 || len(typ) != 1 {
			continue
		}
		switch typ[0] {
		case 't', 'T', 'w', 'W':
		default:
			continue
		}
		// The name, then "[module]" for modules' symbols, separated by a tab
		// (or spaces).
		rest = bytes.TrimLeft(rest, " \t")
		end := bytes.IndexAny(rest, " \t")
		if end < 0 {
			end = len(rest)
		}
		name, module := rest[:end], bytes.TrimSpace(rest[end:])
		if len(name) == 0 {
			continue
		}
		addr, ok := parseHex(addrField)
		if !ok {
			return nil, fmt.Errorf("kallsyms: bad address in %q", line)
		}
		if addr != 0 {
			nonzero = true
		}
		if len(names)+len(name) > math.MaxUint32 {
			return nil, errors.New("kallsyms: names beyond 4 GiB")
		}
		e := entry{addr: addr, start: uint32(len(names))}
		names = appendDoubling(names, name...)
		e.end = uint32(len(names))
		if len(module) > 0 {
			idx, ok := modIndex[string(module)]
			if !ok {
				if len(modules) > math.MaxUint16 {
					return nil, errors.New("kallsyms: too many modules")
				}
				idx = uint16(len(modules))
				modIndex[string(module)] = idx
				modules = append(modules, string(module))
			}
			e.mod = idx
		}
		entries = appendDoubling(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read kallsyms: %w", err)
	}
	if !nonzero {
		return nil, ErrKallsymsHidden
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].addr < entries[j].addr })
	k := &kallsyms{addrs: make([]uint64, len(entries)), ends: make([]uint32, len(entries)), mods: make([]uint16, len(entries)), modules: modules}
	var blob strings.Builder
	blob.Grow(len(names))
	for i, e := range entries {
		blob.Write(names[e.start:e.end])
		k.addrs[i], k.ends[i], k.mods[i] = e.addr, uint32(blob.Len()), e.mod
	}
	k.blob = blob.String()
	return k, nil
}

// appendDoubling appends like append but at least doubles the capacity
// when it grows.
func appendDoubling[T any](s []T, v ...T) []T {
	if len(s)+len(v) > cap(s) {
		grown := make([]T, len(s), max(2*cap(s), len(s)+len(v), 1024))
		copy(grown, s)
		s = grown
	}
	return append(s, v...)
}

// parseHex parses a hexadecimal number of at most 16 digits.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint64(c)
	}
	return v, true
}

// maxKernelSymbolSpan bounds how far past a symbol's address a PC is
// taken to be in it. kallsyms has no sizes, and the table is read once:
// a module or BPF program loaded since lies above some older symbol (the
// last one, often), which must not name it; nor must the end markers
// (_etext, _einittext) that precede megabytes of non-text. The largest
// text symbol of a 6.18 x86-64 kernel spans 20 KiB.
const maxKernelSymbolSpan = 128 << 10

// lookup returns the symbol pc is in: the last at or below it, within
// maxKernelSymbolSpan.
func (k *kallsyms) lookup(pc uint64) (name, module string, ok bool) {
	i := sort.Search(len(k.addrs), func(i int) bool { return k.addrs[i] > pc }) - 1
	if i < 0 || pc-k.addrs[i] >= maxKernelSymbolSpan {
		return "", "", false
	}
	start := uint32(0)
	if i > 0 {
		start = k.ends[i-1]
	}
	return k.blob[start:k.ends[i]], k.modules[k.mods[i]], true
}
