// Package profiler loads Tally's eBPF CPU profiler (package bpf), attaches it
// to the software cpu-clock of every online CPU and drains the samples it
// counts. Draining switches the program to the other map set (A/B) first, so
// user space reads and clears a set the kernel no longer writes.
package profiler

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
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
	events    []int
	links     []link.Link
	active    uint32 // the set the kernel writes: 0 = A, 1 = B
	frequency int
	cpus      []int
}

// Sample is one distinct (process, cgroup, thread name, stacks) with its
// count over a drain. Stacks are instruction addresses, leaf first.
type Sample struct {
	PID     uint32 // the process (tgid)
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
}

// Dropped is the number of samples lost or degraded in the kernel.
func (c Counters) Dropped() uint64 { return c.CountsFull + c.StacksFull }

// Open loads the program and attaches it to every online CPU at frequency Hz.
func Open(frequency int) (*Profiler, error) {
	if frequency < 1 || frequency > MaxFrequency {
		return nil, fmt.Errorf("%w: %d", ErrFrequency, frequency)
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("remove memlock limit: %w", err)
	}
	cpus, err := OnlineCPUs()
	if err != nil {
		return nil, err
	}
	p := &Profiler{frequency: frequency, cpus: cpus}
	spec, err := bpf.LoadProfiler()
	if err != nil {
		return nil, fmt.Errorf("load BPF profiler: %w", err)
	}
	for _, name := range []string{"stacks_a", "stacks_b"} {
		m := spec.Maps[name]
		m.MaxEntries = stackEntries(frequency, len(cpus), m.MaxEntries)
	}
	if err := spec.LoadAndAssign(&p.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load BPF profiler: %+v", ve)
		}
		return nil, fmt.Errorf("load BPF profiler: %w", err)
	}
	for _, cpu := range cpus {
		if err := p.attach(cpu); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// stackWindow is how many seconds of samples a stacks map holds: three
// drains at the default interval, so a slow drain does not fill it.
const stackWindow = 30

// stackEntries sizes a (preallocated) stacks map: every sample of
// stackWindow seconds on every CPU with a user and a kernel stack of its
// own, as a power of two between 1,024 and most. Stacks repeat, so this is
// an upper bound; at 19 Hz on 2 CPUs it is 4,096 stacks, 4.5 MB of kernel
// memory a map.
func stackEntries(frequency, cpus int, most uint32) uint32 {
	want := uint64(frequency) * uint64(cpus) * stackWindow * 2
	n := uint32(1024)
	for uint64(n) < want && n < most {
		n *= 2
	}
	return min(n, most)
}

// attach opens a cpu-clock perf event on cpu and attaches the program.
func (p *Profiler) attach(cpu int) error {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CPU_CLOCK,
		Size:   uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
		Sample: uint64(p.frequency),
		Bits:   unix.PerfBitFreq,
	}
	fd, err := unix.PerfEventOpen(&attr, -1, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("open cpu-clock perf event on CPU %d: %w", cpu, err)
	}
	p.events = append(p.events, fd)
	l, err := link.AttachRawLink(link.RawLinkOptions{Target: fd, Program: p.objs.ProfileCpu, Attach: ebpf.AttachPerfEvent})
	if err == nil {
		p.links = append(p.links, l)
		return nil
	}
	// Kernels without perf_event BPF links: the ioctls.
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_SET_BPF, p.objs.ProfileCpu.FD()); err != nil {
		return fmt.Errorf("attach BPF program to CPU %d: %w", cpu, err)
	}
	if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
		return fmt.Errorf("enable perf event on CPU %d: %w", cpu, err)
	}
	return nil
}

// Frequency returns the sampling frequency in Hz.
func (p *Profiler) Frequency() int { return p.frequency }

// CPUs returns the CPUs the profiler samples.
func (p *Profiler) CPUs() []int { return p.cpus }

// Close detaches and unloads the program.
func (p *Profiler) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, l := range p.links {
		errs = append(errs, l.Close())
	}
	for _, fd := range p.events {
		errs = append(errs, unix.Close(fd))
	}
	p.links, p.events = nil, nil
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
func OnlineCPUs() ([]int, error) {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return nil, fmt.Errorf("read online CPUs: %w", err)
	}
	return parseCPUList(strings.TrimSpace(string(b)))
}

func parseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("parse CPU list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
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
	return cpus, nil
}

// settle is how long a drain waits after switching sets for programs still
// running on the old set (they run for microseconds, in interrupt context).
const settle = 5 * time.Millisecond
