// Package profiler loads Tally's eBPF CPU profiler (package bpf), attaches it
// to the software cpu-clock of every online CPU and drains the samples it
// counts. Each drain first follows CPU hotplug: it attaches CPUs that came
// online and detaches those that went offline. Draining then switches the
// program to the other map set (A/B), so user space reads and clears a set
// the kernel no longer writes. The program also announces the processes it
// samples for the first time (Processes), so that user space reads their
// mappings while they run, and tells the programs a process runs in turn
// apart by their generation (Sample.Gen, ProcessEvent.Gen), so that the
// samples taken before an exec, or before a pid is reused, are symbolized
// with the mappings of the program they were taken in.
package profiler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/tallyhq/tally/bpf"
)

// Frequency limits, in samples per second per CPU.
const (
	DefaultFrequency = 19
	MaxFrequency     = 999
)

// ErrFrequency reports a sampling frequency outside 1–MaxFrequency.
var ErrFrequency = errors.New("sampling frequency must be between 1 and 999 Hz")

// Profiler samples every online CPU.
type Profiler struct {
	mu        sync.Mutex
	objs      bpf.ProfilerObjects
	events    map[int]*cpuEvent // by CPU
	online    string            // the online CPU list (onlineFile but in tests)
	active    uint32            // the set the kernel writes: 0 = A, 1 = B
	frequency int
	cpuErrors atomic.Uint64
	closed    bool
	links     []link.Link // the process tracepoints
	// mappingsLost counts mapping records lost (Mapped), mappingErrors
	// CPUs whose ring of mapping records could not be mapped or watched.
	mappingsLost, mappingErrors atomic.Uint64
	mapWait                     *mappingWait // nil if it could not be made: WaitMapped sleeps
	// pidKeys and pidVals are Programs' buffers, kept between calls.
	pidKeys []bpf.ProfilerSampleKey
	pidVals []uint64
}

// cpuEvent is one CPU's cpu-clock perf event with the program attached,
// and its ring of mapping records (see Mapped).
type cpuEvent struct {
	fd      int
	link    link.Link    // nil where attached with ioctls
	ring    *mappingRing // nil if it could not be mapped
	clock   uint64       // the event's count (ns of the CPU's clock) at the last check
	checked time.Time    // just after the last check
}

// Sample is one distinct (process, program, cgroup, thread name, stacks)
// with its count over a drain. Stacks are instruction addresses, leaf
// first.
type Sample struct {
	PID uint32 // the process (tgid)
	// Gen is the generation of the program the process ran (see
	// Program), 0 when unknown: a kernel thread, or a sample of an
	// exiting process after the kernel forgot it.
	Gen     uint64
	Cgroup  uint64 // cgroup v2 id (the inode of its directory)
	Comm    string // thread name
	Kthread bool   // a kernel thread
	User    []uint64
	Kernel  []uint64
	Count   uint64
	// UserErr and KernelErr mark a stack the kernel could not read.
	UserErr, KernelErr bool
}

// Counters are cumulative counts since the profiler was opened.
type Counters struct {
	Samples           uint64 // samples counted
	Idle              uint64 // samples of idle CPUs, not counted
	UserStackErrors   uint64 // user stacks the kernel could not read (sample kept)
	KernelStackErrors uint64 // kernel stacks the kernel could not read, or empty in a kernel thread
	CountsFull        uint64 // samples lost: the counts map was full
	StacksFull        uint64 // stacks lost: the stacks map was full (sample kept, stack unknown)
	// ProcessEventsLost counts new processes not announced (see
	// Processes): the ring buffer was full.
	ProcessEventsLost uint64
	// CPUErrors counts failed attempts to sample a CPU (open its perf
	// event or attach the program; retried at every drain) and failed
	// reads of the online CPU list. Counted in user space.
	CPUErrors uint64
	// MappingsLost counts executable mappings not reported (see Mapped):
	// a CPU's ring was full. MappingErrors counts CPUs sampled without a
	// ring of mappings (it could not be mapped). Counted in user space.
	MappingsLost, MappingErrors uint64
}

// Dropped is the number of samples lost or degraded in the kernel.
func (c Counters) Dropped() uint64 { return c.CountsFull + c.StacksFull }

// onlineFile lists the online CPUs ("0-3,5").
const onlineFile = "/sys/devices/system/cpu/online"

// Open loads the program and attaches it to every online CPU at frequency
// Hz. A CPU that cannot be sampled is counted in CPUErrors and retried at
// every drain; Open fails only if no CPU can be.
func Open(frequency int) (*Profiler, error) { return open(frequency, onlineFile) }

// open is Open with the online CPU list read from online.
func open(frequency int, online string) (*Profiler, error) {
	if frequency < 1 || frequency > MaxFrequency {
		return nil, fmt.Errorf("%w: %d", ErrFrequency, frequency)
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock limit: %w", err)
	}
	cpus, err := readCPUList(online)
	if err != nil {
		return nil, err
	}
	// The stacks maps are sized for every CPU that may come online, not
	// for those online now: CPUs hot-added later are sampled into them.
	possible, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("read possible CPUs: %w", err)
	}
	p := &Profiler{frequency: frequency, online: online, events: map[int]*cpuEvent{}}
	if p.mapWait, err = newMappingWait(); err != nil {
		p.mappingErrors.Add(1)
	}
	spec, err := bpf.LoadProfiler()
	if err != nil {
		return nil, fmt.Errorf("load BPF profiler: %w", err)
	}
	for _, name := range []string{"stacks_a", "stacks_b"} {
		m := spec.Maps[name]
		m.MaxEntries = stackEntries(frequency, possible, m.MaxEntries)
	}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load BPF profiler: %+v", ve)
		}
		return nil, fmt.Errorf("load BPF profiler: %w", err)
	}
	if err := p.attachProcessTracepoints(); err != nil {
		p.Close()
		return nil, err
	}
	var errs []error
	for _, cpu := range cpus {
		if err := p.add(cpu); err != nil {
			errs = append(errs, err)
		}
	}
	if len(p.events) == 0 {
		p.Close()
		return nil, fmt.Errorf("sample no CPU: %w", errors.Join(errs...))
	}
	return p, nil
}

// stackWindow is how many seconds of samples a stacks map holds: three
// drains at the default interval, so a slow drain does not fill it.
const stackWindow = 30

// stackEntries sizes a (preallocated) stacks map: every sample of
// stackWindow seconds on every one of cpus CPUs (the possible CPUs, online
// or not, as a map cannot grow once loaded) with a user and a kernel stack
// of its own, as a power of two between 1,024 and most. Stacks repeat, so
// this is an upper bound; at 19 Hz on 2 CPUs it is 4,096 stacks, 4.5 MB of
// kernel memory a map.
func stackEntries(frequency, cpus int, most uint32) uint32 {
	want := uint64(frequency) * uint64(cpus) * stackWindow * 2
	n := uint32(1024)
	for uint64(n) < want && n < most {
		n *= 2
	}
	return min(n, most)
}

// reconcile matches the sampled CPUs to the online CPU list: it attaches
// CPUs that came online (or failed before), detaches CPUs that went
// offline, and replaces events that stopped counting (see counting). It
// costs a read of the list and one of each event's count; failures are
// counted in cpuErrors and the other CPUs go on. The caller holds p.mu.
func (p *Profiler) reconcile() {
	if p.closed {
		return
	}
	want, err := readCPUList(p.online)
	if err != nil {
		p.cpuErrors.Add(1)
		return
	}
	for cpu, ev := range p.events {
		if !slices.Contains(want, cpu) || !ev.counting() {
			ev.close()
			delete(p.events, cpu)
		}
	}
	for _, cpu := range want {
		if _, ok := p.events[cpu]; !ok {
			p.add(cpu) // counted in cpuErrors
		}
	}
}

// add attaches cpu, counting a failure in cpuErrors.
func (p *Profiler) add(cpu int) error {
	ev, err := p.attach(cpu)
	if err != nil {
		p.cpuErrors.Add(1)
		return err
	}
	p.events[cpu] = ev
	return nil
}

// counting reports whether the event counted all the time since the last
// check, or since it was opened. A live cpu-clock event counts every
// nanosecond; the kernel turns a CPU's events off for good when the CPU
// goes offline, so a CPU that went offline and came back since the last
// check has an event that counted only part of the time, or none, and its
// CPU is no longer sampled. The elapsed time is a lower bound (from just
// after the last read to just before this one), less 1% and 1 ms for the
// two clocks: an event found dead by mistake is only replaced. A CPU that
// went offline just before a check is found at the next.
func (ev *cpuEvent) counting() bool {
	var b [8]byte
	before := time.Now()
	n, err := unix.Read(ev.fd, b[:])
	after := time.Now()
	if err != nil || n != len(b) {
		return false
	}
	v := binary.NativeEndian.Uint64(b[:])
	elapsed := before.Sub(ev.checked)
	live := v >= ev.clock && time.Duration(v-ev.clock) >= elapsed-elapsed/100-time.Millisecond
	ev.clock, ev.checked = v, after
	return live
}

// close detaches the program and closes the event.
func (ev *cpuEvent) close() error {
	var errs []error
	if ev.link != nil {
		errs = append(errs, ev.link.Close())
	}
	if ev.ring != nil {
		errs = append(errs, ev.ring.close())
	}
	errs = append(errs, unix.Close(ev.fd))
	return errors.Join(errs...)
}

// attach opens a cpu-clock perf event on cpu, attaches the program and
// maps the event's ring of mapping records (a CPU without one is counted
// in mappingErrors and sampled all the same).
func (p *Profiler) attach(cpu int) (*cpuEvent, error) {
	ev, err := p.attachProgram(cpu)
	if err != nil {
		return nil, err
	}
	if ev.ring, err = openMappingRing(ev.fd); err != nil {
		p.mappingErrors.Add(1)
	} else if p.mapWait != nil {
		if err := p.mapWait.add(ev.fd); err != nil {
			p.mappingErrors.Add(1)
		}
	}
	return ev, nil
}

// attachProgram opens a cpu-clock perf event on cpu, which also reports
// executable mappings (attr.mmap), and attaches the program.
func (p *Profiler) attachProgram(cpu int) (*cpuEvent, error) {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CPU_CLOCK,
		Size:   uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Sample: uint64(p.frequency),
		Bits:   unix.PerfBitFreq | unix.PerfBitMmap | unix.PerfBitWatermark,
		Wakeup: 1, // a watermark of one byte: a mapping record wakes WaitMapped
	}
	fd, err := unix.PerfEventOpen(&attr, -1, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("open cpu-clock perf event on CPU %d: %w", cpu, err)
	}
	l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: p.objs.ProfileCpu, Attach: ebpf.AttachPerfEvent})
	if err == nil {
		return &cpuEvent{fd: fd, link: l, checked: time.Now()}, nil
	}
	// Kernels without perf_event BPF links: the ioctls.
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_SET_BPF, p.objs.ProfileCpu.FD()); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("attach BPF program to CPU %d: %w", cpu, err)
	}
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("enable perf event on CPU %d: %w", cpu, err)
	}
	return &cpuEvent{fd: fd, checked: time.Now()}, nil
}

// Frequency returns the sampling frequency in Hz.
func (p *Profiler) Frequency() int { return p.frequency }

// CPUs returns the CPUs the profiler samples, in order.
func (p *Profiler) CPUs() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	cpus := make([]int, 0, len(p.events))
	for cpu := range p.events {
		cpus = append(cpus, cpu)
	}
	slices.Sort(cpus)
	return cpus
}

// Close detaches and unloads the program.
func (p *Profiler) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mapWait != nil && !p.closed {
		p.mapWait.close()
	}
	var errs []error
	for cpu, ev := range p.events {
		errs = append(errs, ev.close())
		delete(p.events, cpu)
	}
	for _, l := range p.links {
		errs = append(errs, l.Close())
	}
	p.links = nil
	p.closed = true
	errs = append(errs, p.objs.Close())
	return errors.Join(errs...)
}

// ProgramIDs returns the ids of the loaded BPF programs (for bpf_stats).
func (p *Profiler) ProgramIDs() []ebpf.ProgramID {
	info, err := p.objs.ProfileCpu.Info()
	if err != nil {
		return nil
	}
	id, ok := info.ID()
	if !ok {
		return nil
	}
	return []ebpf.ProgramID{id}
}

// OnlineCPUs parses /sys/devices/system/cpu/online ("0-3,5").
func OnlineCPUs() ([]int, error) { return readCPUList(onlineFile) }

// readCPUList reads and parses a CPU list file such as onlineFile.
func readCPUList(path string) ([]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read online CPUs: %w", err)
	}
	return parseCPUList(strings.TrimSpace(string(b)))
}

// maxCPU is the highest CPU number a list may name: Linux builds for at
// most 8,192 CPUs (NR_CPUS), so a larger number is a corrupt list, not a
// machine (and "0-999999999" would otherwise allocate a billion numbers).
const maxCPU = 1<<16 - 1

// parseCPUList parses the kernel's CPU list format ("0-3,5,7-8"): the CPU
// numbers it names, sorted, each once.
func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseCPU(lo)
		if err != nil {
			return nil, fmt.Errorf("parse CPU list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = parseCPU(hi); err != nil {
				return nil, fmt.Errorf("parse CPU list %q: %w", s, err)
			}
			if b < a {
				return nil, fmt.Errorf("parse CPU list %q: bad range %q", s, part)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("parse CPU list %q: no CPUs", s)
	}
	slices.Sort(cpus)
	return slices.Compact(cpus), nil
}

// parseCPU parses one CPU number of a list: decimal digits, at most maxCPU.
func parseCPU(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("bad CPU number %q", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxCPU {
		return 0, fmt.Errorf("CPU number %q above %d", s, maxCPU)
	}
	return n, nil
}

// settle is how long a drain waits after switching sets for programs still
// running on the old set (they run for microseconds, in interrupt context).
const settle = 5 * time.Millisecond
