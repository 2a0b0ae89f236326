package ship

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
type Buffer struct {
	mu          sync.Mutex
	maxBytes    int64
	memoryBytes int64
	dir         string

	disk    []diskItem // oldest first
	mem     [][]byte   // oldest first
	memSize int64
	dskSize int64
	seq     uint64
	dropped uint64
}

type diskItem struct {
	path string
	size int64
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
		if err != nil || ierr != nil {
			continue
		}
		b.disk = append(b.disk, diskItem{path: filepath.Join(dir, name), size: info.Size()})
		b.dskSize += info.Size()
		b.seq = max(b.seq, n)
	}
	sort.Slice(b.disk, func(i, j int) bool { return b.disk[i].path < b.disk[j].path })
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
	b.mem = append(b.mem, item)
	b.memSize += int64(len(item))
	for b.memSize > b.memoryBytes && len(b.mem) > 0 {
		if err := b.spill(); err != nil {
			break // the disk failed: keep it in memory, bounded by maxBytes
		}
	}
	b.trim()
	return nil
}

// spill writes the oldest memory item to disk.
func (b *Buffer) spill() error {
	item := b.mem[0]
	b.seq++
	path := filepath.Join(b.dir, fmt.Sprintf("%020d.batch", b.seq))
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, item, 0o600); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	b.disk = append(b.disk, diskItem{path: path, size: int64(len(item))})
	b.dskSize += int64(len(item))
	b.mem[0] = nil
	b.mem = b.mem[1:]
	b.memSize -= int64(len(item))
	return nil
}

// trim drops the oldest items while the buffer is over its bound.
func (b *Buffer) trim() {
	for b.memSize+b.dskSize > b.maxBytes {
		b.dropOldest()
		b.dropped++
	}
}

func (b *Buffer) dropOldest() {
	if len(b.disk) > 0 {
		d := b.disk[0]
		os.Remove(d.path)
		b.disk = b.disk[1:]
		b.dskSize -= d.size
		return
	}
	if len(b.mem) > 0 {
		b.memSize -= int64(len(b.mem[0]))
		b.mem[0] = nil
		b.mem = b.mem[1:]
	}
}

// Peek returns the oldest item, or nil when empty. An unreadable disk
// item is dropped and counted.
func (b *Buffer) Peek() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.disk) > 0 {
		data, err := os.ReadFile(b.disk[0].path)
		if err == nil {
			return data
		}
		b.dropOldest()
		b.dropped++
	}
	if len(b.mem) > 0 {
		return b.mem[0]
	}
	return nil
}

// Pop removes the oldest item (after it was delivered).
func (b *Buffer) Pop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropOldest()
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
