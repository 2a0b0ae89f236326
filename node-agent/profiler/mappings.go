package profiler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mappingPages is the size of each CPU's ring of mapping records, in
// pages: 32 KiB on 4 KiB pages, about 300 records (a record is 40 bytes
// and its file's path), more than the libraries a burst of process starts
// maps between two reads (Mapped).
const mappingPages = 8

// mappingRing is the ring buffer of a CPU's perf event, where the kernel
// writes a PERF_RECORD_MMAP for each file a process running on that CPU
// maps executable (the event has attr.mmap set). The BPF program takes
// the event's samples: they are never written there.
type mappingRing struct {
	mem  []byte
	meta *unix.PerfEventMmapPage
	data []byte
	rec  []byte // a record that wraps around the ring, gathered
}

// openMappingRing maps the ring of perf event fd.
func openMappingRing(fd int) (*mappingRing, error) {
	page := os.Getpagesize()
	mem, err := unix.Mmap(fd, 0, (1+mappingPages)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map perf ring: %w", err)
	}
	return &mappingRing{mem: mem, meta: (*unix.PerfEventMmapPage)(unsafe.Pointer(&mem[0])), data: mem[page:]}, nil
}

// close unmaps the ring.
func (r *mappingRing) close() error { return unix.Munmap(r.mem) }

// read calls mapped with the pid of each PERF_RECORD_MMAP written since
// the last read, and returns how many records the kernel lost (the ring
// was full).
func (r *mappingRing) read(mapped func(pid uint32)) (lost uint64) {
	head := atomic.LoadUint64(&r.meta.Data_head)
	tail := r.meta.Data_tail // only this reader writes it
	size := uint64(len(r.data))
	for tail+8 <= head {
		var hdr [8]byte
		r.copyAt(hdr[:], tail)
		typ, n := binary.NativeEndian.Uint32(hdr[0:4]), uint64(binary.NativeEndian.Uint16(hdr[6:8]))
		if n < 8 || tail+n > head || n > size {
			tail = head // a torn record: the ring is not what it should be
			break
		}
		switch typ {
		case unix.PERF_RECORD_MMAP, unix.PERF_RECORD_LOST:
			r.rec = slices.Grow(r.rec[:0], int(n))[:n]
			r.copyAt(r.rec, tail)
			if typ == unix.PERF_RECORD_LOST && n >= 24 {
				lost += binary.NativeEndian.Uint64(r.rec[16:24]) // id, then lost
			} else if n >= 12 {
				mapped(binary.NativeEndian.Uint32(r.rec[8:12]))
			}
		}
		tail += n
	}
	atomic.StoreUint64(&r.meta.Data_tail, tail)
	return lost
}

// copyAt copies len(dst) bytes of the ring from position at, wrapping.
func (r *mappingRing) copyAt(dst []byte, at uint64) {
	off := int(at % uint64(len(r.data)))
	n := copy(dst, r.data[off:])
	copy(dst[n:], r.data)
}

// Mapped returns each process that mapped a file executable (its
// program, the dynamic loader's libraries, a library it dlopen'ed) since
// the last call, once, in the order first seen. The kernel reports a
// mapping once it is made, so the process's /proc/<pid>/maps has it. A
// process announced long ago that maps a library (a plugin, a Python
// extension) is read again this way: the announcements (Processes) read
// it only when it starts and 100 ms later. Not to be called concurrently
// with itself.
func (p *Profiler) Mapped() []uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []uint32
	seen := map[uint32]bool{}
	for _, ev := range p.events {
		if ev.ring == nil {
			continue
		}
		lost := ev.ring.read(func(pid uint32) {
			if pid != 0 && !seen[pid] {
				seen[pid] = true
				pids = append(pids, pid)
			}
		})
		p.mappingsLost.Add(lost)
	}
	return pids
}

// WaitMapped blocks until a CPU's ring has a mapping record (the kernel
// wakes it: each event's watermark is one byte), for at most timeout. It
// reports whether one may have, and returns ErrClosed once the profiler
// is closed. It costs nothing while nothing is mapped: a timer polling
// the rings every 20 ms cost the agent 0.4% of a 2-CPU machine in
// wakeups alone.
func (p *Profiler) WaitMapped(timeout time.Duration) (bool, error) {
	if p.mapWait == nil {
		time.Sleep(timeout)
		return false, nil
	}
	return p.mapWait.wait(timeout)
}

// mappingWait waits for mapping records: an epoll set of the CPUs' events,
// and an eventfd that close writes to wake the waiters.
type mappingWait struct {
	epfd, wake int
	mu         sync.Mutex
	closed     bool
	waiting    sync.WaitGroup
}

func newMappingWait() (*mappingWait, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("create epoll set: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("create eventfd: %w", err)
	}
	w := &mappingWait{epfd: epfd, wake: wake}
	if err := w.add(wake); err != nil {
		w.closeFDs()
		return nil, err
	}
	return w, nil
}

// add watches fd; it leaves the set when it is closed.
func (w *mappingWait) add(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("watch perf event: %w", err)
	}
	return nil
}

func (w *mappingWait) wait(timeout time.Duration) (bool, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false, ErrClosed
	}
	w.waiting.Add(1)
	w.mu.Unlock()
	defer w.waiting.Done()
	var evs [8]unix.EpollEvent
	n, err := unix.EpollWait(w.epfd, evs[:], int(timeout.Milliseconds()))
	if errors.Is(err, unix.EINTR) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("wait for mappings: %w", err)
	}
	for _, ev := range evs[:n] {
		if int(ev.Fd) == w.wake {
			return false, ErrClosed
		}
	}
	return n > 0, nil
}

// close wakes the waiters, waits for them to return and closes the set.
func (w *mappingWait) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	unix.Write(w.wake, one[:])
	w.waiting.Wait()
	w.closeFDs()
}

func (w *mappingWait) closeFDs() {
	unix.Close(w.epfd)
	unix.Close(w.wake)
}
