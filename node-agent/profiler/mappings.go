package profiler

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mappingPages is the size of each CPU's ring of mapping records, in
// pages: 32 KiB on 4 KiB pages, about 300 records (a record is 40 bytes
// and its file's path), more than the libraries a burst of process starts
// maps between two reads (Mapped, every MappedEvery).
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
