package symbolize

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// ErrKallsymsHidden reports a /proc/kallsyms whose addresses are all zero
// (kptr_restrict, or not root).
var ErrKallsymsHidden = errors.New("kallsyms addresses are hidden")

// kallsyms is the kernel's text symbol table.
type kallsyms struct {
	addrs   []uint64
	names   []string // "name" or "name [module]"
	modules []string
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
	k := &kallsyms{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	nonzero := false
	type entry struct {
		addr         uint64
		name, module string
	}
	var entries []entry
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		switch f[1] {
		case "t", "T", "w", "W":
		default:
			continue
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("kallsyms: bad address in %q", line)
		}
		if addr != 0 {
			nonzero = true
		}
		e := entry{addr: addr, name: f[2], module: "[kernel]"}
		if len(f) > 3 {
			e.module = f[3]
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read kallsyms: %w", err)
	}
	if !nonzero {
		return nil, ErrKallsymsHidden
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].addr < entries[j].addr })
	k.addrs = make([]uint64, len(entries))
	k.names = make([]string, len(entries))
	k.modules = make([]string, len(entries))
	intern := map[string]string{}
	for i, e := range entries {
		k.addrs[i], k.names[i] = e.addr, e.name
		if m, ok := intern[e.module]; ok {
			k.modules[i] = m
		} else {
			intern[e.module] = e.module
			k.modules[i] = e.module
		}
	}
	return k, nil
}

func (k *kallsyms) lookup(pc uint64) (name, module string, ok bool) {
	i := sort.Search(len(k.addrs), func(i int) bool { return k.addrs[i] > pc }) - 1
	if i < 0 {
		return "", "", false
	}
	return k.names[i], k.modules[i], true
}
