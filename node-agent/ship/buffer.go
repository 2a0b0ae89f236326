package ship

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Buffer defaults.
const (
	DefaultBufferBytes = 64 << 20 // total, memory and disk
	DefaultMemoryBytes = 8 << 20  // kept in memory before spilling to disk
)

// ErrTooLarge reports an item larger than the whole buffer.
var ErrTooLarge = errors.New("batch larger than the buffer")

// Buffer is a bounded FIFO of encoded batches: the newest in memory, older
// ones spilled to files in Dir when memory holds more than MemoryBytes.
// Files left by a previous run are picked up, oldest first. When the total
// would exceed MaxBytes the oldest items are dropped and counted.
//
// Every item has a sequence number, increasing in push order (a spilled
// item's file is named by it). The deliverer takes the oldest item with
// Peek, which marks it in flight, and ends the delivery with Pop (delivered
// or refused) or Release (to be retried), naming the item by its number.
// The item in flight is never dropped to make room, and the bound counts
// the other items only: the deliverer holds the bytes of the item in
// flight anyway (dropping it would free no memory) and it may well arrive.
// So while a delivery lasts the buffer holds up to MaxBytes plus that one
// item (on disk, when it was spilled), and Dropped counts exactly the
// items that were never delivered.
type Buffer struct {
	mu          sync.Mutex
	maxBytes    int64
	memoryBytes int64
	dir         string

	disk     []diskItem // oldest first
	mem      []memItem  // oldest first, all newer than disk
	memSize  int64
	dskSize  int64
	seq      uint64 // the last sequence number given
	inflight uint64 // the item Peek handed out, 0 for none
	flySize  int64  // its size
	dropped  uint64
}

type diskItem struct {
	seq  uint64
	path string
	size int64
}

type memItem struct {
	seq  uint64
	data []byte
}

// NewBuffer returns a buffer of at most maxBytes, holding up to memoryBytes
// in memory and the rest in dir ("" keeps everything in memory).
func NewBuffer(maxBytes, memoryBytes int64, dir string) (*Buffer, error) {
	b := &Buffer{maxBytes: maxBytes, memoryBytes: memoryBytes, dir: dir}
	if dir == "" {
		b.memoryBytes = maxBytes
		return b, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("buffer directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("buffer directory: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".batch") {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, ".batch"), 10, 64)
		info, ierr := e.Info()
		if err != nil || ierr != nil || n == 0 {
			continue
		}
		b.disk = append(b.disk, diskItem{seq: n, path: filepath.Join(dir, name), size: info.Size()})
		b.dskSize += info.Size()
		b.seq = max(b.seq, n)
	}
	sort.Slice(b.disk, func(i, j int) bool { return b.disk[i].seq < b.disk[j].seq })
	b.trim()
	return b, nil
}

// Push appends an item, spilling and dropping the oldest as needed.
func (b *Buffer) Push(item []byte) error {
	if int64(len(item)) > b.maxBytes {
		return fmt.Errorf("%w: %d bytes > %d", ErrTooLarge, len(item), b.maxBytes)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	b.mem = append(b.mem, memItem{seq: b.seq, data: item})
	b.memSize += int64(len(item))
	for b.dir != "" && b.memSize > b.memoryBytes {
		if err := b.spill(); err != nil {
			break // the disk failed: keep it in memory, bounded by maxBytes
		}
	}
	b.trim()
	return nil
}

// spill writes the oldest memory item to disk (the item in flight too: the
// disk holds only items older than those in memory).
func (b *Buffer) spill() error {
	item := b.mem[0]
	path := filepath.Join(b.dir, fmt.Sprintf("%020d.batch", item.seq))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, item.data, 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	size := int64(len(item.data))
	b.disk = append(b.disk, diskItem{seq: item.seq, path: path, size: size})
	b.dskSize += size
	b.mem[0] = memItem{}
	b.mem = b.mem[1:]
	b.memSize -= size
	return nil
}

// trim drops the oldest items, except the one in flight, while the others
// exceed the bound.
func (b *Buffer) trim() {
	for b.memSize+b.dskSize-b.flySize > b.maxBytes {
		if !b.remove(func(seq uint64) bool { return seq != b.inflight }) {
			return // only the item in flight is left to drop
		}
		b.dropped++
	}
}

// remove removes the oldest item for which match is true and reports
// whether there was one.
func (b *Buffer) remove(match func(seq uint64) bool) bool {
	for i, d := range b.disk {
		if match(d.seq) {
			os.Remove(d.path)
			b.disk = slices.Delete(b.disk, i, i+1)
			b.dskSize -= d.size
			return true
		}
	}
	for i, m := range b.mem {
		if match(m.seq) {
			b.memSize -= int64(len(m.data))
			b.mem = slices.Delete(b.mem, i, i+1)
			return true
		}
	}
	return false
}

// Peek returns the oldest item and its sequence number, or nil when empty,
// and marks the item in flight until Pop or Release. An unreadable disk
// item is dropped and counted.
func (b *Buffer) Peek() (seq uint64, item []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight, b.flySize = 0, 0
	for len(b.disk) > 0 {
		d := b.disk[0]
		data, err := os.ReadFile(d.path)
		if err == nil {
			b.inflight, b.flySize = d.seq, d.size
			return d.seq, data
		}
		b.remove(func(s uint64) bool { return s == d.seq })
		b.dropped++
	}
	if len(b.mem) > 0 {
		b.inflight, b.flySize = b.mem[0].seq, int64(len(b.mem[0].data))
		return b.mem[0].seq, b.mem[0].data
	}
	return 0, nil
}

// Pop removes item seq after its delivery ended for good (delivered or
// refused). It does nothing when seq is no longer buffered.
func (b *Buffer) Pop(seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.remove(func(s uint64) bool { return s == seq })
	if b.inflight == seq {
		b.inflight, b.flySize = 0, 0
	}
}

// Release ends the delivery of item seq without removing it (it will be
// retried): it counts against the bound again, and as the oldest item it is
// the first dropped when the buffer is over it.
func (b *Buffer) Release(seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.inflight == seq {
		b.inflight, b.flySize = 0, 0
	}
	b.trim()
}

// Persist spills every item held in memory to the directory, so that a
// buffer made on it after a restart delivers them (nothing without a
// directory). Call it when the agent stops, after the deliverer has.
func (b *Buffer) Persist() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dir == "" {
		return nil
	}
	for len(b.mem) > 0 {
		if err := b.spill(); err != nil {
			return fmt.Errorf("persist buffer: %w", err)
		}
	}
	return nil
}

// Len returns the number of items.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.disk) + len(b.mem)
}

// Bytes returns the bytes held, in memory and on disk.
func (b *Buffer) Bytes() (memory, disk int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.memSize, b.dskSize
}

// Dropped returns how many items were dropped because the buffer was full.
func (b *Buffer) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// MaxBytes returns the bound.
func (b *Buffer) MaxBytes() int64 { return b.maxBytes }
