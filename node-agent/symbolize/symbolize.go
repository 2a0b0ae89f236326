// Package symbolize turns the instruction addresses of sampled stacks into
// function names: Go binaries from .gopclntab (which survives stripping),
// other ELF binaries from .symtab and .dynsym with C++ and Rust names
// demangled, the kernel from /proc/kallsyms, and JIT code from
// /tmp/perf-<pid>.map read through /proc/<pid>/root. Binaries are parsed
// once per build id. Processes are learned while they run (Learn, as the
// profiler announces them, and Prefetch), so that one that exits before
// the drain is still symbolized. A frame that cannot be symbolized becomes
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
	byFile   map[fileKey]*binary // (dev, inode) → binary
	byBuild  map[string]*binary  // build id → binary
	procs    map[uint32]*process
	kernel   *kallsyms
	kernErr  error
	stats    Stats
	drainGen uint64
	budget   int
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
		procs: map[uint32]*process{}, budget: cfg.CacheBytes}
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

// User symbolizes the user-space addresses of process pid, leaf first.
func (s *Symbolizer) User(pid uint32, pcs []uint64) []tally.Function {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.process(pid)
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

// EndDrain forgets processes neither symbolized nor prefetched since the
// previous call, so pid reuse and exited processes do not pin memory (one
// that exited is kept until the drain after the one it was last sampled
// or prefetched in, which may hold its last samples), and with them the
// binaries no remaining process maps: a cached binary holds its file open (names are
// read on demand), and an open file in a container's root file system
// would keep it busy after the container is gone. What remains is trimmed
// to the cache's budget, least recently used first.
func (s *Symbolizer) EndDrain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pid, p := range s.procs {
		if p.gen < s.drainGen {
			p.release()
			delete(s.procs, pid)
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
	for _, p := range s.procs {
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
	for _, p := range s.procs {
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
	for _, p := range s.procs {
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

// process returns pid's cached state, (re)reading its mappings when the pid
// is new, was reused or exec'd another program. This is checked once per
// drain, not once per sample: reuse by the start time in /proc/<pid>/stat,
// exec (which keeps the pid and the start time) by the file
// /proc/<pid>/exe names. An exec'd program may map its text where the old
// one did (two non-PIE binaries both at 0x400000, as a gosu or su-exec
// entrypoint does), so a PC inside a cached mapping says nothing about
// whether the mapping is current. Within a drain, a PC outside every known
// mapping makes frame read the maps once more.
func (s *Symbolizer) process(pid uint32) *process {
	p := s.procs[pid]
	if p != nil && p.checked == s.drainGen+1 {
		return p
	}
	start := startTime(s.proc, pid)
	exe := exeID(s.proc, pid)
	if p != nil && (start == 0 || start == p.start && exe == (fileID{}) && p.exe != (fileID{})) {
		// Exited since its mappings were read (a zombie keeps its start
		// time, but its exe is gone): the drain comes after the samples,
		// so the samples of its last interval are symbolized with what it
		// mapped.
		p.exited = true
	} else if p == nil || p.start != start || p.exe != exe {
		if p != nil {
			p.release()
		}
		p = &process{pid: pid, start: start, exe: exe}
		p.maps, p.mapsErr = readMaps(filepath.Join(s.proc, strconv.Itoa(int(pid)), "maps"))
		s.procs[pid] = p
	}
	p.gen, p.checked, p.reread = s.drainGen, s.drainGen+1, false
	return p
}

// Learn reads the mappings of process pid and opens and parses the
// binaries it maps, and its JIT perf map when it maps anonymous code,
// while it runs: the agent calls it as the profiler announces a process it
// sampled for the first time, or for the first time since it exec'd
// another program (exec). A process that lives less than an interval (a
// Kubernetes Job, a CI step, a compiler) is gone by the drain that
// symbolizes its samples, with its /proc/<pid>; its binary may be deleted
// too. What Learn read stays until the drain after the one that used it
// (see EndDrain), and its binaries stay open; so does its perf map, so
// that what the JIT writes until it exits is read at the drain.
//
// A known process announced again without an exec (its main thread
// exited before the others, or the kernel forgot it) costs a read of its
// start time, to tell it from a process that reused its pid.
func (s *Symbolizer) Learn(pid uint32, exec bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.procs[pid]
	if ok && !exec {
		if start := startTime(s.proc, pid); start == 0 || start == p.start {
			p.gen = max(p.gen, s.drainGen)
			return
		}
	}
	if !s.learn(pid) && ok && exec {
		// It exec'd and exited before it could be read: the mappings known
		// are the old program's, which would misname the new one's frames.
		p.release()
		delete(s.procs, pid)
	}
}

// Refresh reads again the mappings of process pid, learned a moment ago,
// and opens the binaries it maps since (the profiler announces a process
// that started less than 100 ms before its first sample once more, at its
// first sample 100 ms later: that first sample may precede the dynamic
// loader's mapping its libraries, or a JIT's code and perf map). Binaries already open cost nothing. A process
// the symbolizer does not know, or that exec'd or reused a known pid, is
// learned.
func (s *Symbolizer) Refresh(pid uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.procs[pid]
	if !ok || p.exited {
		if !ok {
			s.learn(pid)
		}
		return
	}
	start := startTime(s.proc, pid)
	if start == 0 {
		return
	}
	if start != p.start || exeID(s.proc, pid) != p.exe {
		s.learn(pid)
		return
	}
	maps, err := readMaps(filepath.Join(s.proc, strconv.Itoa(int(pid)), "maps"))
	if err != nil {
		return // exited meanwhile: what was read stands
	}
	p.maps, p.mapsErr = maps, nil
	p.gen = max(p.gen, s.drainGen)
	s.stats.Refreshed++
	for i := range p.maps {
		if !p.maps[i].anonymous() {
			s.binary(p, &p.maps[i])
		}
	}
	if p.perfMapFile == nil && p.jitLike() {
		s.readPerfMap(p)
		if p.perfMapFile == nil && p.rootDir == nil {
			p.rootDir, _ = os.Open(filepath.Join(s.proc, strconv.Itoa(int(pid)), "root"))
		}
	}
}

// Prefetch reads the mappings of the processes in pids that the
// symbolizer does not know yet, as Learn does: the agent calls it every
// few seconds with the processes sampled since the last drain, for those
// Learn missed (announcements lost or over the agent's rate). Known
// processes are skipped without a system call (the drain checks them for
// exec and pid reuse), but for one learned in this interval that maps
// anonymous code and had no perf map yet: a JIT may create it late.
func (s *Symbolizer) Prefetch(pids []uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range pids {
		if p, ok := s.procs[pid]; ok {
			if p.learned == s.drainGen+1 && p.perfMapFile == nil && !p.exited && p.jitLike() {
				s.readPerfMap(p)
			}
			continue
		}
		s.learn(pid)
	}
}

// learn reads process pid as new (see Learn), and reports whether it
// could: not when the process is gone. Binaries already cached cost
// nothing, so a new process of a known program costs a read of its maps.
func (s *Symbolizer) learn(pid uint32) bool {
	start := startTime(s.proc, pid)
	if start == 0 {
		return false // gone already
	}
	p := &process{pid: pid, start: start, exe: exeID(s.proc, pid), gen: s.drainGen, learned: s.drainGen + 1}
	p.maps, p.mapsErr = readMaps(filepath.Join(s.proc, strconv.Itoa(int(pid)), "maps"))
	if old := s.procs[pid]; old != nil {
		old.release()
	}
	s.procs[pid] = p
	s.stats.Prefetched++
	for i := range p.maps {
		if !p.maps[i].anonymous() {
			s.binary(p, &p.maps[i])
		}
	}
	if p.jitLike() {
		s.readPerfMap(p)
		if p.perfMapFile == nil {
			// No perf map yet: the JIT may write one later, perhaps just
			// before it exits, when /proc/<pid>/root is gone.
			p.rootDir, _ = os.Open(filepath.Join(s.proc, strconv.Itoa(int(pid)), "root"))
		}
	}
	return true
}

func (s *Symbolizer) frame(p *process, pc uint64) (tally.Function, Kind, bool) {
	m := p.find(pc)
	if m == nil && !p.reread && p.mapsErr == nil && !p.exited {
		// A library mapped since we read the maps (dlopen, JIT): read once more.
		p.reread = true
		// Kept when they cannot be read: the process exited meanwhile.
		if maps, err := readMaps(filepath.Join(s.proc, strconv.Itoa(int(p.pid)), "maps")); err == nil {
			p.maps = maps
		}
		m = p.find(pc)
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
	if p.exited {
		// Its files can no longer be opened through /proc/<pid>; a failure
		// cached under the file's key would hold for the live processes
		// that map it too.
		return nil
	}
	var b *binary
	if f, err := s.openMapped(p.pid, m); err != nil {
		b = &binary{err: err}
	} else {
		b = parseBinary(f, m.path)
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
	if p.perfMapGen != s.drainGen+1 && (!p.exited || p.perfMapFile != nil || p.rootDir != nil) {
		p.perfMapGen, p.perfMapRetried = s.drainGen+1, false
		s.readPerfMap(p)
	}
	name, ok := p.perfMap.lookup(pc)
	if !ok && !p.perfMapRetried && !p.exited {
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
	if !p.exited {
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
	if p.exited {
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
