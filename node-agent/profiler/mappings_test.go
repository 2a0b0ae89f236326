package profiler

import (
	"encoding/binary"
	"os"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestMappingRingWraps: records are read whole across the ring's end, a
// lost record is counted, other records are skipped, and the tail is
// given back to the kernel.
func TestMappingRingWraps(t *testing.T) {
	page := os.Getpagesize()
	mem := make([]byte, (1+mappingPages)*page)
	r := &mappingRing{mem: mem, meta: (*unix.PerfEventMmapPage)(unsafe.Pointer(&mem[0])), data: mem[page:]}
	size := uint64(len(r.data))
	at := size - 24 // the first record straddles the end
	r.meta.Data_tail = at
	put := func(typ uint32, body []byte) {
		rec := make([]byte, 8+len(body))
		binary.NativeEndian.PutUint32(rec[0:4], typ)
		binary.NativeEndian.PutUint16(rec[6:8], uint16(len(rec)))
		copy(rec[8:], body)
		for i, b := range rec {
			r.data[(at+uint64(i))%size] = b
		}
		at += uint64(len(rec))
	}
	mmap := func(pid uint32) []byte {
		b := make([]byte, 32+16) // pid, tid, addr, len, pgoff, "/lib/x.so\0" padded
		binary.NativeEndian.PutUint32(b[0:4], pid)
		binary.NativeEndian.PutUint32(b[4:8], pid)
		copy(b[32:], "/lib/x.so")
		return b
	}
	put(unix.PERF_RECORD_MMAP, mmap(41))
	lost := make([]byte, 16)
	binary.NativeEndian.PutUint64(lost[8:16], 7)
	put(unix.PERF_RECORD_LOST, lost)
	put(unix.PERF_RECORD_THROTTLE, make([]byte, 16))
	put(unix.PERF_RECORD_MMAP, mmap(42))
	r.meta.Data_head = at

	var pids []uint32
	if n := r.read(func(pid uint32) { pids = append(pids, pid) }); n != 7 {
		t.Errorf("lost %d, want 7", n)
	}
	if !slices.Equal(pids, []uint32{41, 42}) {
		t.Errorf("pids %v, want [41 42]", pids)
	}
	if r.meta.Data_tail != at {
		t.Errorf("tail %d, want %d", r.meta.Data_tail, at)
	}
	if n := r.read(func(pid uint32) { t.Errorf("pid %d read twice", pid) }); n != 0 {
		t.Errorf("lost %d on a second read", n)
	}
}
