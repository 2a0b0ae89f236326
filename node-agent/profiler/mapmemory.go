package profiler

import (
	"fmt"
	"math/bits"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/tallyhq/tally/bpf"
)

// Kernel sizes (64-bit) that the maps' memory is made of, as the kernel
// counts it (bpftool map show's memlock, charged to the agent's memory
// cgroup). mapHeader and cpuHeader bound each map's fixed and per-CPU
// bookkeeping (measured: under 1 KiB and 40 bytes).
const (
	htabElem    = 48 // struct htab_elem, before its key and value
	htabBucket  = 16 // struct bucket, one per power-of-two slot
	mapHeader   = 1024
	cpuHeader   = 40
	pageSize    = 4096
	ringbufMeta = 4 * pageSize // consumer and producer pages, page table
)

// MapMemory returns the kernel memory the profiler's BPF maps take on a
// node with cpus possible CPUs sampled at frequency Hz, an upper bound
// within 1% of what the kernel counts:
//
//   - a (preallocated) hash map: (max_entries + cpus) × (48 + key + value)
//   - 16 × max_entries rounded up to a power of two; an LRU hash map has
//     no cpus extra elements. The stacks maps hold stackEntries(frequency,
//     cpus): 1,140 × cpus at 19 Hz as a power of two, at most 16,384;
//   - a per-CPU array: max_entries × value × cpus;
//   - a ring buffer: its size and four pages; an array (.bss): its pages
//     and one;
//
// keys and values rounded up to 8 bytes, and each map 1 KiB + 40 bytes a CPU.
// At 19 Hz it is 13.4 MiB on 2 CPUs, 38.9 MiB on 8, where the stacks maps
// reach their 16,384 stacks, and 39.2 MiB on 96: each CPU beyond 8 adds 3.7 KB.
func MapMemory(frequency, cpus int) (uint64, error) {
	spec, err := bpf.LoadProfiler()
	if err != nil {
		return 0, fmt.Errorf("load BPF profiler: %w", err)
	}
	var total uint64
	for name, m := range spec.Maps {
		entries := m.MaxEntries
		if name == "stacks_a" || name == "stacks_b" {
			entries = stackEntries(frequency, cpus, entries)
		}
		n, err := mapMemory(m, entries, uint64(cpus))
		if err != nil {
			return 0, fmt.Errorf("map %s: %w", name, err)
		}
		total += n
	}
	return total, nil
}

// mapMemory is the kernel memory of map m with entries elements on cpus CPUs.
func mapMemory(m *ebpf.MapSpec, entries uint32, cpus uint64) (uint64, error) {
	n := uint64(entries)
	key, value := roundUp(uint64(m.KeySize), 8), roundUp(uint64(m.ValueSize), 8)
	fixed := mapHeader + cpuHeader*cpus
	switch {
	case m.Type == ebpf.Hash && m.Flags&unix.BPF_F_NO_PREALLOC == 0:
		return fixed + (n+cpus)*(htabElem+key+value) + htabBucket*pow2(n), nil
	case m.Type == ebpf.LRUHash && m.Flags&unix.BPF_F_NO_PREALLOC == 0:
		return fixed + n*(htabElem+key+value) + htabBucket*pow2(n), nil
	case m.Type == ebpf.PerCPUArray:
		return fixed + n*(8+value*cpus), nil
	case m.Type == ebpf.Array: // as mmapable, as the loader makes data sections
		return roundUp(n*value, pageSize) + pageSize, nil
	case m.Type == ebpf.RingBuf:
		return n + ringbufMeta, nil
	}
	return 0, fmt.Errorf("no memory model for a %s map with flags %#x", m.Type, m.Flags)
}

func roundUp(n, to uint64) uint64 { return (n + to - 1) / to * to }

// pow2 is n rounded up to a power of two.
func pow2(n uint64) uint64 {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len64(n-1)
}
