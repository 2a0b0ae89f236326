package profiler

import (
	"testing"

	"github.com/cilium/ebpf"
)

// TestMapMemoryMatchesKernel loads the profiler and checks MapMemory against
// what the kernel counts for its maps (bpftool's memlock): at least as much,
// and within 1%.
func TestMapMemoryMatchesKernel(t *testing.T) {
	requireBPF(t)
	for _, hz := range []int{19, MaxFrequency} {
		p, err := Open(hz)
		if err != nil {
			t.Fatal(err)
		}
		got := loadedMapMemory(t, p)
		p.Close()
		possible, err := ebpf.PossibleCPU()
		if err != nil {
			t.Fatal(err)
		}
		want, err := MapMemory(hz, possible)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d Hz, %d CPUs: kernel %d bytes, MapMemory %d", hz, possible, got, want)
		if want < got || want > got+got/100 {
			t.Errorf("%d Hz, %d CPUs: MapMemory = %d bytes, the kernel counts %d: want at least as much, within 1%%", hz, possible, want, got)
		}
	}
}

// loadedMapMemory sums the kernel's memlock of the maps p's programs use.
func loadedMapMemory(t *testing.T, p *Profiler) uint64 {
	t.Helper()
	seen := map[ebpf.MapID]bool{}
	var total uint64
	for _, prog := range []*ebpf.Program{p.objs.ProfileCpu, p.objs.ProcessExec, p.objs.ProcessExit} {
		info, err := prog.Info()
		if err != nil {
			t.Fatal(err)
		}
		ids, _ := info.MapIDs()
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			total += memlock(t, id)
		}
	}
	return total
}

func memlock(t *testing.T, id ebpf.MapID) uint64 {
	t.Helper()
	m, err := ebpf.NewMapFromID(id)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	info, err := m.Info()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := info.Memlock()
	if !ok {
		t.Skip("the kernel does not report maps' memory (memlock)")
	}
	return n
}
