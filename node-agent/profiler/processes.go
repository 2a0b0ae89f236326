package profiler

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/tallyhq/tally/bpf"
)

// ErrClosed reports a Processes (or its Profiler) that was closed.
var ErrClosed = errors.New("process events closed")

// NewProcess is a process the program sampled for the first time since it
// started, or since it exec'd another program (Exec).
type NewProcess struct {
	PID  uint32
	Exec bool
}

// Processes reads the processes the program announces: the first sample
// of each process, and the first after each exec, so that user space can
// read a process's mappings while it runs rather than at the drain, by
// which a short-lived one is gone. Each process is announced once per
// program it runs (the kernel remembers those announced and forgets them
// at exit), and no more events than samples are sent, whatever the rate
// of forks. Announcements the ring buffer could not hold are counted in
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
func (r *Processes) Read() (NewProcess, error) {
	for {
		rec, err := r.rd.Read()
		if errors.Is(err, ringbuf.ErrClosed) {
			return NewProcess{}, ErrClosed
		}
		if err != nil {
			return NewProcess{}, fmt.Errorf("read process event: %w", err)
		}
		if len(rec.RawSample) < 8 {
			continue // not an event of ours
		}
		pid := binary.NativeEndian.Uint32(rec.RawSample[0:4])
		kind := bpf.ProfilerProcessEventKind(binary.NativeEndian.Uint32(rec.RawSample[4:8]))
		return NewProcess{PID: pid, Exec: kind == bpf.ProfilerProcessEventKindPROCESS_EXEC}, nil
	}
}

// Close ends Read, in another goroutine too.
func (r *Processes) Close() error { return r.rd.Close() }
