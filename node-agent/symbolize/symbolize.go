// Package symbolize turns the instruction addresses of sampled stacks into
// function names: Go binaries from .gopclntab (which survives stripping),
// other ELF binaries from .symtab and .dynsym with C++ and Rust names
// demangled, the kernel from /proc/kallsyms, and JIT code from
// /tmp/perf-<pid>.map read through /proc/<pid>/root. Binaries are parsed
// once per build id. Processes are learned while they run (Learn, as the
// profiler announces them, and Prefetch), so that one that exits before
// the drain is still symbolized, and each program a process runs in turn
// (it exec'd another, or its pid was reused) is kept apart, by the
// profiler's generation, so that its samples are symbolized with its own
// mappings. A frame that cannot be symbolized becomes
// "[unknown] module+0xoffset"; it is never dropped.
package symbolize

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/tallyhq/tally"
)

// Kind is how a frame was (or would have been) symbolized.
type Kind int

// Kinds of frames.
const (
	KindGo Kind = iota
	KindELF
	KindKernel
	KindJIT
	KindNone // no mapping or binary to look in
	numKinds
)

var kindNames = [numKinds]string{"go", "elf", "kernel", "jit", "none"}

func (k Kind) String() string { return kindNames[k] }

// KindNames lists the kinds in order, for metrics labels.
func KindNames() []string { return kindNames[:] }

// Stats counts frames by kind since the symbolizer was made.
type Stats struct {
	Frames   [numKinds]uint64 // frames looked up
	Resolved [numKinds]uint64 // frames given a name
	// Prefetched counts the processes whose mappings Learn or Prefetch
	// read, before the drain; Refreshed those Refresh read again.
	Prefetched, Refreshed uint64
	// Missed counts the programs sampled whose mappings could not be read
	// while they ran: they exited, or exec'd another program, before they
	// were read (their pid perhaps another process's by then). Their
	// frames are unknown.
	Missed uint64
}

// Config configures a Symbolizer.
type Config struct {
	// Proc is the procfs mount (default /proc); the host's when the agent
	// runs in a container with hostPID.
	Proc string
	// Logger reports binaries that cannot be read (debug level).
	Logger *slog.Logger
	// CacheBytes bounds the parsed binaries and JIT perf maps kept for
	// live processes (default DefaultCacheBytes): past it, EndDrain forgets
	// the least recently used ones, except those used in the drain just
	// ended. A perf map keeps at most half of it (its newest entries), so
	// the cache holds at most CacheBytes plus what the last drain used,
	// and a process's perf map never more than CacheBytes/2.
	CacheBytes int
	// Programs, when set, tells which program each process runs (the
	// profiler does): the mappings read for a program are checked to be
	// its own, not those of a program it exec'd since or of another
	// process that reused its pid. Without it, what is read is taken as
	// the program's.
	Programs Programs
}

// DefaultCacheBytes is the default bound of the symbol cache. A native
// binary costs about 50 bytes per function symbol, a Go binary a few
// kilobytes plus its sampled names (goTable), so it holds hundreds.
const DefaultCacheBytes = 8 << 20

// maxCachedBinaries bounds the cache by count too: each Go binary holds an
// open file.
const maxCachedBinaries = 512

// Symbolizer symbolizes stacks. It is safe for concurrent use.
type Symbolizer struct {
	mu       sync.Mutex
	proc     string
	log      *slog.Logger
	byFile   map[fileKey]*binary   // (dev, inode) → binary
	byBuild  map[string]*binary    // build id → binary
	procs    map[uint32][]*process // by pid: its programs known, by generation (see put)
	programs Programs
	kernel   *kallsyms
	kernErr  error
	stats    Stats
	drainGen uint64
	budget   int
	vdso     *binary // the agent's own vDSO, read at the first vDSO frame
	vdsoSize uint64  // its mapping's size
}

// New returns a Symbolizer.
func New(cfg Config) *Symbolizer {
	if cfg.Proc == "" {
		cfg.Proc = "/proc"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	return &Symbolizer{proc: cfg.Proc, log: cfg.Logger, byFile: map[fileKey]*binary{}, byBuild: map[string]*binary{},
		procs: map[uint32][]*process{}, programs: cfg.Programs, budget: cfg.CacheBytes}
}

// Stats returns the frame counters.
func (s *Symbolizer) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// LoadKernel reads the kernel's symbols now rather than at the first
// kernel frame. Reading /proc/kallsyms is the symbolizer's largest one-time
// cost (the kernel formats every symbol); an agent does it while starting.
// The error says why kernel frames will stay unknown.
func (s *Symbolizer) LoadKernel() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadKernel()
	return s.kernErr
}

func (s *Symbolizer) loadKernel() {
	if s.kernel == nil && s.kernErr == nil {
		s.kernel, s.kernErr = loadKallsyms(filepath.Join(s.proc, "kallsyms"))
		if s.kernErr != nil {
			s.log.Debug("kernel symbols unavailable", "err", s.kernErr)
		}
	}
}

// Kernel symbolizes kernel addresses, leaf first. Without the kernel's
// symbols (kallsyms hidden by kptr_restrict, or unreadable) the stack is
// one "[unknown] [kernel]" frame with no offset: the addresses would
// tell whoever reads the profile where the kernel was loaded (KASLR) and
// name nothing.
func (s *Symbolizer) Kernel(pcs []uint64) []tally.Function {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadKernel()
	s.stats.Frames[KindKernel] += uint64(len(pcs))
	if s.kernel == nil {
		if len(pcs) == 0 {
			return nil
		}
		return []tally.Function{{Name: tally.UnknownFunction, Module: "[kernel]"}}
	}
	out := make([]tally.Function, len(pcs))
	for i, pc := range pcs {
		if name, module, ok := s.kernel.lookup(pc); ok {
			s.stats.Resolved[KindKernel]++
			out[i] = tally.Function{Name: name, Module: module}
			continue
		}
		out[i] = tally.Function{Name: tally.UnknownFunction, Module: "[kernel]", Offset: pc}
	}
	return out
}

// User symbolizes the user-space addresses of process pid, leaf first,
// sampled while it ran the program of generation gen (0 if unknown: see
// program).
func (s *Symbolizer) User(pid uint32, gen uint64, pcs []uint64) []tally.Function {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.program(pid, gen)
	out := make([]tally.Function, len(pcs))
	for i, pc := range pcs {
		if i > 0 && pc > 0 {
			pc-- // a return address: look up the call instruction
		}
		fn, kind, ok := s.frame(p, pc)
		s.stats.Frames[kind]++
		if ok {
			s.stats.Resolved[kind]++
		}
		out[i] = fn
	}
	return out
}

// EndDrain forgets the programs neither symbolized nor prefetched since
// the previous call, so exec, pid reuse and exited processes do not pin
// memory (a program that no longer runs is kept until the drain after the
// one it was last sampled or prefetched in, which may hold its last
// samples), and with them the binaries no remaining program maps: a cached
// binary holds its file open (names are read on demand), and an open file
// in a container's root file system would keep it busy after the
// container is gone. What remains is trimmed
// to the cache's budget, least recently used first.
func (s *Symbolizer) EndDrain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pid, ps := range s.procs {
		kept := ps[:0]
		for _, p := range ps {
			if p.used < s.drainGen {
				p.release()
			} else {
				kept = append(kept, p)
			}
		}
		clear(ps[len(kept):])
		if len(kept) == 0 {
			delete(s.procs, pid)
		} else {
			s.procs[pid] = kept
		}
	}
	s.trimCache()
	s.drainGen++
}

// trimCache evicts the binaries no known process maps, then the least
// recently used binaries and perf maps while the cache is over its byte or
// count bound, never one used in the current drain. An evicted perf map is
// read again, whole, when its process next needs it.
func (s *Symbolizer) trimCache() {
	mapped := map[*binary]bool{}
	for p := range s.all() {
		for _, m := range p.maps {
			if m.bin != nil {
				mapped[m.bin] = true
			}
		}
	}
	// An entry is a binary or a process's perf map.
	type entry struct {
		bin     *binary
		proc    *process
		size    int
		lastUse uint64
	}
	var all []entry
	total, n := 0, 0
	seen := map[*binary]bool{}
	evict := map[*binary]bool{}
	addBinary := func(b *binary) {
		if seen[b] {
			return
		}
		seen[b] = true
		if !mapped[b] {
			evict[b] = true
			return
		}
		all = append(all, entry{bin: b, size: b.size(), lastUse: b.lastUse})
		total += b.size()
		n++
	}
	for _, b := range s.byFile {
		addBinary(b)
	}
	for _, b := range s.byBuild {
		addBinary(b)
	}
	for p := range s.all() {
		if p.perfMap != nil {
			all = append(all, entry{proc: p, size: p.perfMap.bytes(), lastUse: p.perfMap.lastUse})
			total += p.perfMap.bytes()
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lastUse < all[j].lastUse })
	for _, e := range all {
		if (total <= s.budget && n <= maxCachedBinaries) || e.lastUse >= s.drainGen {
			break
		}
		total -= e.size
		if e.bin != nil {
			evict[e.bin] = true
			n--
		} else {
			e.proc.perfMap, e.proc.perfMapGen = nil, 0
			e.proc.closePerfMap()
		}
	}
	if len(evict) == 0 {
		return
	}
	for k, b := range s.byFile {
		if evict[b] {
			delete(s.byFile, k)
		}
	}
	for k, b := range s.byBuild {
		if evict[b] {
			delete(s.byBuild, k)
		}
	}
	for p := range s.all() {
		for i := range p.maps {
			if evict[p.maps[i].bin] {
				p.maps[i].bin = nil
			}
		}
	}
	for b := range evict {
		b.close()
	}
}

// Binaries returns how many parsed binaries are cached.
func (s *Symbolizer) Binaries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[*binary]bool{}
	for _, b := range s.byFile {
		seen[b] = true
	}
	for _, b := range s.byBuild {
		seen[b] = true
	}
	return len(seen)
}

func (s *Symbolizer) frame(p *process, pc uint64) (tally.Function, Kind, bool) {
	m := p.find(pc)
	if m == nil && !p.reread && p.mapsErr == nil && !p.gone {
		// A library mapped since we read the maps (dlopen, JIT): read once
		// more. Kept when they cannot be read (the process exited
		// meanwhile), or are another program's (it exec'd meanwhile).
		p.reread = true
		if maps, err := readMaps(filepath.Join(s.proc, strconv.Itoa(int(p.pid)), "maps")); err == nil {
			if s.current(p.pid, p.gen) {
				p.maps = maps
			} else {
				p.gone = true
			}
		}
		m = p.find(pc)
	}
	if m != nil && m.path == vdsoPath {
		return s.vdsoFrame(m, pc)
	}
	if m == nil || m.anonymous() {
		if name, ok := s.jit(p, pc); ok {
			return tally.Function{Name: name, Module: "[jit]"}, KindJIT, true
		}
		module := "[anon]"
		off := pc
		if m != nil {
			if m.path != "" {
				module = m.path
			}
			off = pc - m.start
		}
		kind := KindNone
		if m != nil {
			kind = KindJIT
		}
		return tally.Function{Name: tally.UnknownFunction, Module: module, Offset: off}, kind, false
	}
	fileOff := pc - m.start + m.offset
	b := s.binary(p, m)
	unknown := tally.Function{Name: tally.UnknownFunction, Module: m.path, Offset: fileOff}
	if b == nil || b.err != nil {
		return unknown, KindELF, false
	}
	kind := KindELF
	if b.isGo {
		kind = KindGo
	}
	vaddr, ok := b.vaddr(fileOff)
	if !ok {
		return unknown, kind, false
	}
	name, ok := b.lookup(vaddr)
	if !ok {
		return unknown, kind, false
	}
	return tally.Function{Name: name, Module: m.path}, kind, true
}

// binary returns the parsed binary behind m, from the caches when possible.
func (s *Symbolizer) binary(p *process, m *mapping) *binary {
	if m.bin != nil {
		m.bin.lastUse = s.drainGen
		return m.bin
	}
	key := fileKey{dev: m.dev, inode: m.inode, path: m.path}
	if b, ok := s.byFile[key]; ok {
		m.bin = b
		b.lastUse = s.drainGen
		return b
	}
	if p.gone {
		// Its files can no longer be opened through /proc/<pid> (gone, or
		// another program's: map_files would name the new program's
		// files); a failure cached under the file's key would hold for the
		// live processes that map it too.
		return nil
	}
	var b *binary
	if f, err := s.openMapped(p.pid, m); err != nil {
		b = &binary{err: err}
	} else {
		b = parseBinary(f, m.path, filepath.Join(s.proc, strconv.Itoa(int(p.pid)), "root"))
	}
	if b.err != nil {
		s.log.Debug("cannot read binary", "pid", p.pid, "path", m.path, "err", b.err)
	}
	if b.buildID != "" {
		if cached, ok := s.byBuild[b.buildID]; ok {
			b.close()
			b = cached
		} else {
			s.byBuild[b.buildID] = b
		}
	}
	s.byFile[key] = b
	m.bin = b
	b.lastUse = s.drainGen
	return b
}

// ErrReplaced reports a binary whose path now names another file than
// the one the process mapped (upgraded, or deleted and recreated).
var ErrReplaced = errors.New("binary replaced since it was mapped")

// openMapped opens the file m maps. /proc/<pid>/map_files/<start>-<end>
// is the mapped file itself, even deleted or renamed over, but opening it
// takes CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE), which the deployed
// agent lacks. The fallback is m's path in the process's root, accepted
// only when it is still the mapped inode: a replaced file would give the
// new file's names to the old code, cached under the old file's key.
// Devices are not compared: on overlayfs (container images), maps shows
// the layer's device and stat the overlay's, with the same inode number.
func (s *Symbolizer) openMapped(pid uint32, m *mapping) (*os.File, error) {
	dir := filepath.Join(s.proc, strconv.Itoa(int(pid)))
	if f, err := os.Open(filepath.Join(dir, "map_files", fmt.Sprintf("%x-%x", m.start, m.end))); err == nil {
		return f, nil
	}
	f, err := os.Open(filepath.Join(dir, "root", m.path))
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || st.Ino != m.inode {
		f.Close()
		return nil, fmt.Errorf("%s: %w", m.path, ErrReplaced)
	}
	return f, nil
}

// jit looks pc up in the process's perf map. The file is checked for
// growth once per drain, and once more for a PC it lacks (a JIT writes an
// entry after compiling, and may create the file late), not per frame. A
// process that exited is read one last time from the file held open since
// it was read while the process ran.
func (s *Symbolizer) jit(p *process, pc uint64) (string, bool) {
	if p.perfMapGen != s.drainGen+1 && (!p.gone || p.perfMapFile != nil || p.rootDir != nil) {
		p.perfMapGen, p.perfMapRetried = s.drainGen+1, false
		s.readPerfMap(p)
	}
	name, ok := p.perfMap.lookup(pc)
	if !ok && !p.perfMapRetried && !p.gone {
		p.perfMapRetried = true
		s.readPerfMap(p)
		name, ok = p.perfMap.lookup(pc)
	}
	if p.perfMap != nil {
		p.perfMap.lastUse = s.drainGen
	}
	return name, ok
}

// readPerfMap reads what was appended to p's perf map since it was last
// read, or all of it when the file is new or was truncated; it forgets the
// map when the file is gone. The file is kept open (p.perfMapFile): once
// the process has exited, its /proc/<pid>/root is gone, but what the JIT
// wrote until it exited is read from the open file, one last time. A
// process that had no perf map when it was learned has its root held open
// instead (p.rootDir), to look for one once it has exited.
func (s *Symbolizer) readPerfMap(p *process) {
	if p.perfMapPath == "" {
		nspid := nsPID(s.proc, p.pid)
		p.perfMapPath = filepath.Join(s.proc, strconv.Itoa(int(p.pid)), "root", "tmp", "perf-"+strconv.Itoa(int(nspid))+".map")
	}
	if !p.gone {
		f, err := os.Open(p.perfMapPath)
		p.closePerfMap()
		if err != nil {
			p.perfMap = nil
			return
		}
		p.perfMapFile = f
		if p.rootDir != nil {
			p.rootDir.Close()
			p.rootDir = nil
		}
	} else if p.perfMapFile == nil && p.rootDir != nil {
		fd, err := syscall.Openat(int(p.rootDir.Fd()), filepath.Join("tmp", filepath.Base(p.perfMapPath)), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		p.rootDir.Close()
		p.rootDir = nil
		if err != nil {
			return
		}
		p.perfMapFile = os.NewFile(uintptr(fd), p.perfMapPath)
	}
	f := p.perfMapFile
	if f == nil {
		return // exited: what was read is final
	}
	if p.gone {
		defer p.closePerfMap()
	}
	fi, err := f.Stat()
	if err != nil {
		p.perfMap = nil
		return
	}
	var inode uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		inode = st.Ino
	}
	pm := p.perfMap
	if pm == nil || pm.inode != inode || fi.Size() < pm.offset {
		pm = newPerfMap(inode, s.perfMapBytes())
	}
	if fi.Size() > pm.offset {
		if _, err := f.Seek(pm.offset, io.SeekStart); err != nil {
			p.perfMap = nil
			return
		}
		if err := pm.read(f); err != nil {
			s.log.Debug("bad perf map", "path", p.perfMapPath, "err", err)
		}
	}
	p.perfMap = pm
}

// perfMapBytes bounds one process's perf map: half the cache's budget, so
// that one JIT cannot take all of it.
func (s *Symbolizer) perfMapBytes() int { return max(s.budget/2, 64<<10) }

// startTime returns field 22 of /proc/<pid>/stat (start time in ticks), or
// 0 when the process is gone.
func startTime(proc string, pid uint32) uint64 {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(int(pid)), "stat"))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v
}

// exeID identifies the program pid runs: the device and inode of
// /proc/<pid>/exe, zero when it cannot be read (a kernel thread, a process
// that is gone).
func exeID(proc string, pid uint32) fileID {
	fi, err := os.Stat(filepath.Join(proc, strconv.Itoa(int(pid)), "exe"))
	if err != nil {
		return fileID{}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}
	}
	return fileID{dev: uint64(st.Dev), inode: st.Ino}
}

// nsPID returns pid as its own pid namespace numbers it (the last NSpid).
func nsPID(proc string, pid uint32) uint32 {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(int(pid)), "status"))
	if err != nil {
		return pid
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if v, err := strconv.ParseUint(f[len(f)-1], 10, 32); err == nil {
					return uint32(v)
				}
			}
		}
	}
	return pid
}

// String formats stats for logs.
func (st Stats) String() string {
	var b strings.Builder
	for k := Kind(0); k < numKinds; k++ {
		fmt.Fprintf(&b, "%s=%d/%d ", k, st.Resolved[k], st.Frames[k])
	}
	return strings.TrimSpace(b.String())
}
