package profiler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/tallyhq/tally/bpf"
)

// ErrClosed reports a Processes (or its Profiler) that was closed.
var ErrClosed = errors.New("process events closed")

// ProcessEventKind says why a process is announced.
type ProcessEventKind int

// Kinds of ProcessEvent.
const (
	// ProcessNew: the process's first sample.
	ProcessNew ProcessEventKind = iota + 1
	// ProcessExec: its first sample since it exec'd another program.
	ProcessExec
	// ProcessRefresh: its first sample RefreshAfter after it was
	// announced (new or exec'd), if it had started or exec'd less than
	// RefreshAfter before: by then the dynamic loader has mapped its
	// libraries and a JIT its code, which the first sample of a young
	// process may precede.
	ProcessRefresh
)

// RefreshAfter is how long after its announcement a young process is
// announced again (ProcessRefresh), at its next sample, and how young:
// REFRESH_NS in the program.
const RefreshAfter = 100 * time.Millisecond

// ProcessEvent is a process announced by the program.
type ProcessEvent struct {
	PID  uint32
	Kind ProcessEventKind
	// Gen is the generation of the program it runs (see
	// Profiler.Program), as its samples carry it (Sample.Gen).
	Gen uint64
}

// Processes reads the processes the program announces: the first sample
// of each process, the first after each exec, and for a young process the
// first RefreshAfter later, so that user space can read a process's
// mappings while it runs rather than at the drain, by which a short-lived
// one is gone. Each process is announced at most twice per program it
// runs, with the program's generation (the kernel remembers those
// announced and forgets them at exit),
// and no more events than samples are sent, whatever the rate of forks.
// Announcements the ring buffer could not hold are counted in
// Counters.ProcessEventsLost.
type Processes struct {
	rd *ringbuf.Reader
}

// attachProcessTracepoints attaches the programs that keep the announced
// processes current: sched_process_exec (announce again) and
// sched_process_exit (forget). Raw tracepoints need no tracefs mount.
func (p *Profiler) attachProcessTracepoints() error {
	for _, tp := range []struct {
		name string
		prog *ebpf.Program
	}{
		{"sched_process_exec", p.objs.ProcessExec},
		{"sched_process_exit", p.objs.ProcessExit},
	} {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp.name, Program: tp.prog})
		if err != nil {
			return fmt.Errorf("attach BPF program to tracepoint %s: %w", tp.name, err)
		}
		p.links = append(p.links, l)
	}
	return nil
}

// Processes returns a reader of the processes announced from now on. One
// reader at a time: the ring buffer has one consumer.
func (p *Profiler) Processes() (*Processes, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	rd, err := ringbuf.NewReader(p.objs.ProcEvents)
	if err != nil {
		return nil, fmt.Errorf("read process events: %w", err)
	}
	return &Processes{rd: rd}, nil
}

// Read blocks until a process is announced, and returns it; after Close
// it returns ErrClosed.
func (r *Processes) Read() (ProcessEvent, error) {
	for {
		rec, err := r.rd.Read()
		if errors.Is(err, ringbuf.ErrClosed) {
			return ProcessEvent{}, ErrClosed
		}
		if err != nil {
			return ProcessEvent{}, fmt.Errorf("read process event: %w", err)
		}
		if len(rec.RawSample) < 16 {
			continue // not an event of ours
		}
		ev := ProcessEvent{PID: binary.NativeEndian.Uint32(rec.RawSample[0:4]), Gen: binary.NativeEndian.Uint64(rec.RawSample[8:16])}
		switch bpf.ProfilerProcessEventKind(binary.NativeEndian.Uint32(rec.RawSample[4:8])) {
		case bpf.ProfilerProcessEventKindPROCESS_NEW:
			ev.Kind = ProcessNew
		case bpf.ProfilerProcessEventKindPROCESS_EXEC:
			ev.Kind = ProcessExec
		case bpf.ProfilerProcessEventKindPROCESS_REFRESH:
			ev.Kind = ProcessRefresh
		default:
			continue
		}
		return ev, nil
	}
}

// Close ends Read, in another goroutine too.
func (r *Processes) Close() error { return r.rd.Close() }
