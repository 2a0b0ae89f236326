package symbolize

import (
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Programs tells which program each process runs, by generation: the
// profiler numbers the programs a pid runs in turn (a new process, and
// each exec) with distinct generations, increasing in the order they ran,
// and carries them in its samples and announcements.
type Programs interface {
	// Program returns the generation of the program pid runs now, and
	// false when it does not know pid (never sampled, exited, forgotten).
	Program(pid uint32) (gen uint64, ok bool)
}

// Program is one program a process ran: its pid and generation (0 if
// unknown).
type Program struct {
	PID uint32
	Gen uint64
}

// maxPrograms bounds the programs kept per pid: a process exec'ing in a
// loop, each program sampled, keeps the newest (the oldest's frames are
// unknown, counted in Missed).
const maxPrograms = 8

// known returns pid's program gen, or nil.
func (s *Symbolizer) known(pid uint32, gen uint64) *process {
	for _, p := range s.procs[pid] {
		if p.gen == gen {
			return p
		}
	}
	return nil
}

// newest returns the newest program of pid known, or nil.
func (s *Symbolizer) newest(pid uint32) *process {
	ps := s.procs[pid]
	if len(ps) == 0 {
		return nil
	}
	return ps[len(ps)-1]
}

// superseded reports whether a program of pid that ran after program gen
// is known: gen no longer runs, and /proc/<pid> shows another program.
func (s *Symbolizer) superseded(pid uint32, gen uint64) bool {
	p := s.newest(pid)
	return gen != 0 && p != nil && p.gen > gen
}

// all iterates over every program known.
func (s *Symbolizer) all() iter.Seq[*process] {
	return func(yield func(*process) bool) {
		for _, ps := range s.procs {
			for _, p := range ps {
				if !yield(p) {
					return
				}
			}
		}
	}
}

// put adds p to its pid's programs, in order of generation, in place of a
// program of the same generation (released). A program newer than all
// others known, with mappings, makes the others gone: its process no
// longer runs them. Past maxPrograms, the oldest is forgotten.
func (s *Symbolizer) put(p *process) {
	ps := s.procs[p.pid]
	i := 0
	for i < len(ps) && ps[i].gen < p.gen {
		i++
	}
	if i < len(ps) && ps[i].gen == p.gen {
		ps[i].release()
		ps[i] = p
	} else {
		ps = append(ps, nil)
		copy(ps[i+1:], ps[i:])
		ps[i] = p
	}
	if i == len(ps)-1 && !p.gone {
		for _, o := range ps[:i] {
			o.gone = true
		}
	}
	if len(ps) > maxPrograms {
		ps[0].release()
		ps = append(ps[:0:0], ps[1:]...)
	}
	s.procs[p.pid] = ps
}

// tombstone records that program gen of pid is gone and its mappings were
// never read: its frames are unknown, rather than named from another
// program's mappings.
func (s *Symbolizer) tombstone(pid uint32, gen uint64) *process {
	p := &process{pid: pid, gen: gen, gone: true, used: s.drainGen}
	s.put(p)
	s.stats.Missed++
	return p
}

// current reports whether what was just read from /proc/<pid> may be of
// program gen: it is the program the profiler knows pid runs, or the
// profiler does not know pid (it exited, most likely just after the read).
// Without Programs, or without a generation, it always may.
func (s *Symbolizer) current(pid uint32, gen uint64) bool {
	if s.programs == nil || gen == 0 {
		return true
	}
	cur, ok := s.programs.Program(pid)
	return !ok || cur == gen
}

// read reads program gen of pid from /proc/<pid> and puts it among the
// programs known: its start time, its executable, its name and its
// mappings. It
// returns nil, having put nothing, when the process is gone and gen is 0;
// with a generation, a tombstone when the process is gone or runs another
// program (see current).
func (s *Symbolizer) read(pid uint32, gen uint64) *process {
	if s.superseded(pid, gen) {
		return s.tombstone(pid, gen)
	}
	start := startTime(s.proc, pid)
	if start == 0 {
		if gen == 0 {
			return nil
		}
		return s.tombstone(pid, gen)
	}
	p := &process{pid: pid, gen: gen, start: start, exe: exeID(s.proc, pid), comm: processComm(s.proc, pid), used: s.drainGen}
	p.maps, p.mapsErr = readMaps(filepath.Join(s.proc, strconv.Itoa(int(pid)), "maps"))
	if !s.current(pid, gen) {
		return s.tombstone(pid, gen)
	}
	s.put(p)
	return p
}

// program returns the state of pid's program gen for the drain, checked
// once per drain, not once per sample. A program learned while it ran is
// checked for whether it still does (by the profiler's generation, or by
// the start time in /proc/<pid>/stat and the file /proc/<pid>/exe names,
// as an exec keeps the pid and start time): one that no longer runs keeps
// the mappings read while it ran. One not learned (its announcement was
// lost or over the agent's rate) is read now, if it still runs; if it no
// longer does, its frames are unknown: the mappings in /proc/<pid> are
// another program's, and an exec'd program may map its text where the old
// one did (two non-PIE binaries both at 0x400000, as a gosu or su-exec
// entrypoint does), so a PC inside them says nothing.
//
// Generation 0 (a source without generations, or a sample of an exiting
// process the kernel forgot) is pid's newest program known; without
// one, it is read now, and read again at a drain that finds the process
// exec'd or its pid reused. Within a drain, a PC outside every known
// mapping of a running program makes frame read its maps once more.
func (s *Symbolizer) program(pid uint32, gen uint64) *process {
	var p *process
	if gen == 0 {
		p = s.newest(pid)
	} else {
		p = s.known(pid, gen)
	}
	if p != nil && p.checked == s.drainGen+1 {
		return p
	}
	switch {
	case p == nil:
		if p = s.read(pid, gen); p == nil {
			p = &process{pid: pid, gen: gen, gone: true, used: s.drainGen}
			s.put(p)
		}
	case !p.gone:
		p = s.check(p)
	}
	p.used, p.checked, p.reread = s.drainGen, s.drainGen+1, false
	return p
}

// check marks p gone when it no longer runs, and returns it; a program
// of generation 0 that the process no longer runs (it exec'd, or the pid
// is another process's) is read again, as the pid's program now.
func (s *Symbolizer) check(p *process) *process {
	if p.gen != 0 && s.programs != nil {
		if cur, ok := s.programs.Program(p.pid); !ok || cur != p.gen {
			p.gone = true
		}
		return p
	}
	start := startTime(s.proc, p.pid)
	exe := exeID(s.proc, p.pid)
	switch {
	case start == 0 || start == p.start && exe == (fileID{}) && p.exe != (fileID{}):
		// Exited since its mappings were read (a zombie keeps its start
		// time, but its exe is gone): the drain comes after the samples,
		// so the samples of its last interval are symbolized with what it
		// mapped.
		p.gone = true
	case start != p.start || exe != p.exe:
		if p.gen != 0 {
			p.gone = true // exec'd or reused: the new program has its own generation
		} else if q := s.read(p.pid, 0); q != nil {
			return q
		}
	}
	return p
}

// Learn reads the mappings of program gen of process pid and opens and
// parses the binaries it maps, and its JIT perf map when it maps
// anonymous code, while it runs: the agent calls it as the profiler
// announces a process it sampled for the first time, or for the first
// time since it exec'd another program (a new generation). A process that
// lives less than an interval (a Kubernetes Job, a CI step, a compiler)
// is gone by the drain that symbolizes its samples, with its /proc/<pid>;
// its binary may be deleted too. A process that execs replaces its
// mappings, and a pid reused is another process's: each program's are
// kept apart, so the samples it took are symbolized with its own. What
// Learn read stays until the drain after the one that used it (see
// EndDrain), and its binaries stay open; so does its perf map, so that
// what the JIT writes until it exits is read at the drain.
//
// A program known already (announced again) costs nothing. One that no
// longer runs by the time it is read (checked with Programs) is
// recorded as such: its frames will be unknown.
func (s *Symbolizer) Learn(pid uint32, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.known(pid, gen); p != nil {
		p.used = max(p.used, s.drainGen)
		return
	}
	s.learn(pid, gen)
}

// Knows reports whether the symbolizer has read a program of process pid
// (and still keeps it).
func (s *Symbolizer) Knows(pid uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newest(pid) != nil
}

// Refresh reads again the mappings of program gen of process pid,
// learned before, and opens the binaries it maps since: the profiler
// announces a process that started less than 100 ms before its first
// sample once more, at its first sample 100 ms later (that first sample
// may precede the dynamic loader's mapping its libraries, or a JIT's
// code and perf map), and reports a process that maps a file executable
// later (a library it dlopen'ed). Binaries already open cost nothing. A program
// the symbolizer does not know is learned; one that no longer runs keeps
// what was read.
func (s *Symbolizer) Refresh(pid uint32, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.known(pid, gen)
	if p == nil {
		s.learn(pid, gen)
		return
	}
	if p.gone {
		return
	}
	start := startTime(s.proc, pid)
	if start == 0 {
		return
	}
	if start != p.start || exeID(s.proc, pid) != p.exe {
		if gen == 0 {
			s.learn(pid, 0)
		} else {
			p.gone = true
		}
		return
	}
	comm := processComm(s.proc, pid)
	maps, err := readMaps(filepath.Join(s.proc, strconv.Itoa(int(pid)), "maps"))
	if err != nil {
		return // exited meanwhile: what was read stands
	}
	if !s.current(pid, gen) {
		p.gone = true // exec'd meanwhile: what was read stands
		return
	}
	p.maps, p.mapsErr = maps, nil
	if comm != "" {
		p.comm = comm
	}
	p.used = max(p.used, s.drainGen)
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

// Prefetch reads the mappings of the programs in progs that the
// symbolizer does not know yet, as Learn does: the agent calls it every
// few seconds with the programs sampled since the last drain, for those
// Learn missed (announcements lost or over the agent's rate). Known
// programs are skipped without a system call (the drain checks them for
// exec, pid reuse and exit), but for one learned in this interval that
// maps anonymous code and had no perf map yet: a JIT may create it late.
// A program older than one known of its pid no longer runs: it is left to
// the drain, which names its frames unknown.
func (s *Symbolizer) Prefetch(progs []Program) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pr := range progs {
		if p := s.known(pr.PID, pr.Gen); p != nil {
			if p.learned == s.drainGen+1 && p.perfMapFile == nil && !p.gone && p.jitLike() {
				s.readPerfMap(p)
			}
			continue
		}
		if s.superseded(pr.PID, pr.Gen) {
			continue
		}
		s.learn(pr.PID, pr.Gen)
	}
}

// learn reads program gen of pid as new (see Learn and read) and opens
// the binaries it maps. Binaries already cached cost nothing, so a new
// process of a known program costs a read of its maps.
func (s *Symbolizer) learn(pid uint32, gen uint64) {
	p := s.read(pid, gen)
	if p == nil || p.gone {
		return
	}
	p.learned = s.drainGen + 1
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
}

// Comm returns the name (comm) of program gen of process pid as it was
// read while the program ran: as the profiler announced it (see Learn),
// prefetched, or at the drain that first symbolized its samples. It is ""
// when the symbolizer never read it. running is false when the program is
// known to no longer run (it exited, exec'd another program, or its pid
// is another process's): /proc/<pid>/comm then names another program, or
// nothing. Generation 0 is pid's newest program known. It reads nothing.
func (s *Symbolizer) Comm(pid uint32, gen uint64) (comm string, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.known(pid, gen)
	if gen == 0 {
		p = s.newest(pid)
	}
	if p == nil {
		return "", !s.superseded(pid, gen)
	}
	return p.comm, !p.gone
}

// processComm returns the name of process pid ("" if it is gone).
func processComm(proc string, pid uint32) string {
	b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(int(pid)), "comm"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
