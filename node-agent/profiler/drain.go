package profiler

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf"

	"github.com/tallyhq/tally/bpf"
)

// Drain matches the sampled CPUs to the online CPUs (see reconcile),
// switches the program to the other map set, then reads and clears the set
// it wrote since the last drain.
func (p *Profiler) Drain() ([]Sample, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reconcile()
	old := p.active
	next := 1 - old
	if err := p.objs.ActiveSet.Set(next); err != nil {
		return nil, fmt.Errorf("switch map set: %w", err)
	}
	p.active = next
	time.Sleep(settle)
	counts, stacks := p.objs.CountsA, p.objs.StacksA
	if old == 1 {
		counts, stacks = p.objs.CountsB, p.objs.StacksB
	}
	return drainSet(counts, stacks)
}

func drainSet(counts, stacks *ebpf.Map) ([]Sample, error) {
	var (
		key  bpf.ProfilerSampleKey
		val  uint64
		keys []bpf.ProfilerSampleKey
		out  []Sample
	)
	resolved := map[uint64][]uint64{}
	var st bpf.ProfilerStack
	lookup := func(h uint64) []uint64 {
		if h == 0 {
			return nil
		}
		if s, ok := resolved[h]; ok {
			return s
		}
		var frames []uint64
		if err := stacks.Lookup(h, &st); err == nil {
			n := 0
			for n < len(st.Ips) && st.Ips[n] != 0 {
				n++
			}
			frames = append([]uint64(nil), st.Ips[:n]...)
		}
		resolved[h] = frames
		return frames
	}
	it := counts.Iterate()
	for it.Next(&key, &val) {
		keys = append(keys, key)
		s := Sample{
			PID:       key.Tgid,
			Gen:       key.Gen,
			Cgroup:    key.Cgroup,
			Comm:      comm(key.Comm),
			Kthread:   key.Flags&1 != 0,
			Count:     val,
			User:      lookup(key.UserStack),
			Kernel:    lookup(key.KernelStack),
			UserErr:   key.Flags&2 != 0,
			KernelErr: key.Flags&4 != 0,
		}
		if key.UserStack != 0 && s.User == nil {
			s.UserErr = true
		}
		out = append(out, s)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read sample counts: %w", err)
	}
	if err := deleteKeys(counts, keys); err != nil {
		return nil, fmt.Errorf("clear sample counts: %w", err)
	}
	var h uint64
	var hashes []uint64
	sit := stacks.Iterate()
	for sit.Next(&h, &st) {
		hashes = append(hashes, h)
	}
	if err := sit.Err(); err != nil {
		return nil, fmt.Errorf("read stacks: %w", err)
	}
	if err := deleteKeys(stacks, hashes); err != nil {
		return nil, fmt.Errorf("clear stacks: %w", err)
	}
	return out, nil
}

// deleteKeys deletes keys in batches, one by one where batches are not supported.
func deleteKeys[K any](m *ebpf.Map, keys []K) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := m.BatchDelete(keys, nil); err == nil {
		return nil
	} else if !errors.Is(err, ebpf.ErrNotSupported) {
		// Fall through: delete what is left one by one.
	}
	for i := range keys {
		if err := m.Delete(&keys[i]); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return err
		}
	}
	return nil
}

func comm(c [16]int8) string {
	b := make([]byte, 0, len(c))
	for _, x := range c {
		if x == 0 {
			break
		}
		b = append(b, byte(x))
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

// Counters returns the kernel-side counters summed over CPUs, and those
// counted in user space.
func (p *Profiler) Counters() (Counters, error) {
	c := Counters{CPUErrors: p.cpuErrors.Load(), MappingsLost: p.mappingsLost.Load(), MappingErrors: p.mappingErrors.Load()}
	fields := []*uint64{&c.Samples, &c.Idle, &c.UserStackErrors, &c.KernelStackErrors, &c.CountsFull, &c.StacksFull, &c.ProcessEventsLost}
	for i, f := range fields {
		var perCPU []uint64
		if err := p.objs.Counters.Lookup(uint32(i), &perCPU); err != nil {
			return Counters{}, fmt.Errorf("read counter %d: %w", i, err)
		}
		for _, v := range perCPU {
			*f += v
		}
	}
	return c, nil
}

// programBatch is how many sample keys Programs reads per system call.
const programBatch = 256

// Program is one program a process ran: its pid and generation.
type Program struct {
	PID uint32
	Gen uint64
}

// Programs returns the programs of processes (not kernel threads) sampled
// since the last drain, each once, in no order. It reads the keys of the
// set the kernel writes now without clearing them: the agent calls it
// between drains to learn of processes while they run, so that those that
// exit before the drain can still be symbolized. It costs a system call
// per 256 distinct samples (one per sample where batch lookups are not
// supported), and nothing per sample in the kernel.
func (p *Profiler) Programs() ([]Program, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	counts := p.objs.CountsA
	if p.active == 1 {
		counts = p.objs.CountsB
	}
	seen := map[Program]bool{}
	var out []Program
	add := func(k *bpf.ProfilerSampleKey) {
		pr := Program{PID: k.Tgid, Gen: k.Gen}
		if k.Flags&1 == 0 && !seen[pr] {
			seen[pr] = true
			out = append(out, pr)
		}
	}
	if p.pidKeys == nil {
		p.pidKeys, p.pidVals = make([]bpf.ProfilerSampleKey, programBatch), make([]uint64, programBatch)
	}
	var cursor ebpf.MapBatchCursor
	for {
		n, err := counts.BatchLookup(&cursor, p.pidKeys, p.pidVals, nil)
		for i := range n {
			add(&p.pidKeys[i])
		}
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return out, nil
		}
		if errors.Is(err, ebpf.ErrNotSupported) && n == 0 {
			break
		}
		if err != nil {
			return out, fmt.Errorf("read sampled processes: %w", err)
		}
	}
	// Kernels without batch lookups (before 5.6): key by key. Keys the
	// kernel adds meanwhile may be missed, or the walk restart; the next
	// call sees them.
	var key bpf.ProfilerSampleKey
	var next bpf.ProfilerSampleKey
	err := counts.NextKey(nil, &next)
	for i := 0; err == nil && i < int(counts.MaxEntries()); i++ {
		add(&next)
		key = next
		err = counts.NextKey(&key, &next)
	}
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return out, fmt.Errorf("read sampled processes: %w", err)
	}
	return out, nil
}

// Program returns the generation of the program process pid runs, as the
// kernel knows it now, and false when it does not know pid: never sampled
// (or not since it exited, the pid perhaps another process's now), or
// forgotten (announced is an LRU map). A program's generation is the
// CLOCK_MONOTONIC time the kernel first saw it run, at its process's
// first sample or at its exec: a pid's programs have distinct generations,
// increasing in the order they ran. The symbolizer reads a program's
// mappings from /proc and calls Program after, to check they are that
// program's (it did not exec another since, nor its pid become another
// process's). One system call, no lock: not to be called after Close.
func (p *Profiler) Program(pid uint32) (uint64, bool) {
	var a bpf.ProfilerAnnouncement
	if err := p.objs.Announced.Lookup(pid, &a); err != nil {
		return 0, false
	}
	return a.Gen, true
}
