package symbolize

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// perfMap is a JIT's /tmp/perf-<pid>.map: "START SIZE name" per line, hex.
type perfMap struct{ syms []sym }

// parsePerfMap reads a perf map; bad lines are skipped and the first is reported.
func parsePerfMap(r io.Reader) (*perfMap, error) {
	pm := &perfMap{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	var firstErr error
	line := 0
	for sc.Scan() {
		line++
		f := strings.SplitN(strings.TrimSpace(sc.Text()), " ", 3)
		if len(f) < 3 {
			if firstErr == nil && len(f[0]) > 0 {
				firstErr = fmt.Errorf("perf map line %d: want START SIZE NAME", line)
			}
			continue
		}
		start, err1 := strconv.ParseUint(strings.TrimPrefix(f[0], "0x"), 16, 64)
		size, err2 := strconv.ParseUint(strings.TrimPrefix(f[1], "0x"), 16, 64)
		if err1 != nil || err2 != nil || start+size < start {
			if firstErr == nil {
				firstErr = fmt.Errorf("perf map line %d: bad START or SIZE", line)
			}
			continue
		}
		pm.syms = append(pm.syms, sym{start: start, end: start + size, name: f[2]})
	}
	// Later entries win (a JIT may reuse an address): stable sort keeps order.
	sort.SliceStable(pm.syms, func(i, j int) bool { return pm.syms[i].start < pm.syms[j].start })
	if err := sc.Err(); err != nil && firstErr == nil {
		firstErr = err
	}
	return pm, firstErr
}

func (pm *perfMap) lookup(pc uint64) (string, bool) {
	if pm == nil {
		return "", false
	}
	i := sort.Search(len(pm.syms), func(i int) bool { return pm.syms[i].start > pc }) - 1
	for ; i >= 0; i-- {
		s := pm.syms[i]
		if pc >= s.start && pc < s.end {
			return s.name, true
		}
		if s.start+(1<<24) < pc { // entries far below cannot cover pc
			break
		}
	}
	return "", false
}
