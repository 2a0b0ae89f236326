package symbolize

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// process is what the symbolizer knows about one program a process ran.
type process struct {
	pid            uint32
	gen            uint64 // the program's generation (see Programs), 0 if unknown
	start          uint64
	exe            fileID
	comm           string // its name (/proc/<pid>/comm) when it was read, "" if unknown
	used           uint64 // the last drain that used it (or Prefetch read it for): kept until the next EndDrain
	checked        uint64 // drainGen+1 once the drain checked it for exec, reuse and exit
	maps           []mapping
	mapsErr        error
	reread         bool
	perfMap        *perfMap
	perfMapPath    string
	perfMapFile    *os.File // the perf map read, kept open while the process lives (see readPerfMap)
	rootDir        *os.File // its /proc/<pid>/root, for a JIT without a perf map yet when learned (see readPerfMap)
	learned        uint64   // drainGen+1 when Learn or Prefetch read it
	perfMapGen     uint64   // drainGen+1 when the perf map was last checked
	perfMapRetried bool     // checked again for a PC it lacked, this drain
	// gone: the program no longer runs (the process exited or is a
	// zombie, exec'd another program, or its pid is another process's);
	// its mappings and perf map, as last read, are final and are not read
	// again. A program whose mappings were never read (see tombstone) is
	// gone with none.
	gone bool
}

// mapping is one executable line of /proc/<pid>/maps.
type mapping struct {
	start, end, offset uint64
	dev                string
	inode              uint64
	path               string
	bin                *binary
}

// fileID is a file's identity as stat(2) reports it.
type fileID struct{ dev, inode uint64 }

type fileKey struct {
	dev   string
	inode uint64
	path  string
}

func (m *mapping) anonymous() bool {
	return m.inode == 0 || m.path == "" || strings.HasPrefix(m.path, "[") || strings.HasPrefix(m.path, "//anon") || strings.HasPrefix(m.path, "/memfd:")
}

// closePerfMap closes the perf map file held open, if any.
func (p *process) closePerfMap() {
	if p.perfMapFile != nil {
		p.perfMapFile.Close()
		p.perfMapFile = nil
	}
}

// release closes the files held for p: it is forgotten.
func (p *process) release() {
	p.closePerfMap()
	if p.rootDir != nil {
		p.rootDir.Close()
		p.rootDir = nil
	}
}

// jitLike reports whether p maps anonymous executable memory, where a JIT
// puts its code ([vdso] and the like are not).
func (p *process) jitLike() bool {
	for i := range p.maps {
		m := &p.maps[i]
		if m.anonymous() && !strings.HasPrefix(m.path, "[") {
			return true
		}
	}
	return false
}

func (p *process) find(pc uint64) *mapping {
	i := sort.Search(len(p.maps), func(i int) bool { return p.maps[i].end > pc })
	if i < len(p.maps) && p.maps[i].start <= pc {
		return &p.maps[i]
	}
	return nil
}

func readMaps(path string) ([]mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseMaps(f)
}

// parseMaps reads the executable mappings of a /proc/<pid>/maps file:
// "start-end perms offset dev inode path".
func parseMaps(r io.Reader) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		if len(f[1]) < 3 || f[1][2] != 'x' {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			return out, fmt.Errorf("maps line %d: address range %q", line, f[0])
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(f[2], 16, 64)
		inode, err4 := strconv.ParseUint(f[4], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || end <= start {
			return out, fmt.Errorf("maps line %d: bad numbers in %q", line, sc.Text())
		}
		m := mapping{start: start, end: end, offset: off, dev: f[3], inode: inode}
		if len(f) > 5 {
			m.path = strings.Join(f[5:], " ")
			m.path = strings.TrimSuffix(m.path, " (deleted)")
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, sc.Err()
}
