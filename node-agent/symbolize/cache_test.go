package symbolize

import (
	"os"
	"testing"
)

// TestCacheBudget checks the binary cache's bounds: least recently used
// binaries go first when over budget, binaries used in the current drain
// stay even over budget, idle ones go within budget, and evicted binaries
// lose their open file and their processes' references.
func TestCacheBudget(t *testing.T) {
	s := New(Config{CacheBytes: 3000})
	bin := func(name string, lastUse uint64) *binary {
		// About 1270 bytes by size(): four are over the budget, two within.
		b := &binary{buildID: name, elf: &elfTable{syms: make([]elfSym, 60)}, lastUse: lastUse}
		s.byBuild[name] = b
		s.byFile[fileKey{path: "/" + name}] = b
		return b
	}
	s.drainGen = 10
	oldest, old, recent, current := bin("oldest", 7), bin("old", 8), bin("recent", 9), bin("current", 10)
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	oldest.file = f
	p := &process{pid: 1, gen: 10, maps: []mapping{{start: 0, end: 10, bin: oldest}, {start: 10, end: 20, bin: current}}}
	s.procs[1] = p
	s.EndDrain()
	for _, b := range []*binary{oldest, old} {
		if _, ok := s.byBuild[b.buildID]; ok {
			t.Errorf("%s still cached over budget", b.buildID)
		}
	}
	for _, b := range []*binary{recent, current} {
		if _, ok := s.byBuild[b.buildID]; !ok {
			t.Errorf("%s evicted", b.buildID)
		}
	}
	if got := s.Binaries(); got != 2 {
		t.Errorf("%d binaries cached, want 2", got)
	}
	if oldest.file != nil {
		t.Error("evicted Go binary's file left open")
	}
	if p.maps[0].bin != nil || p.maps[1].bin != current {
		t.Errorf("process mappings after eviction: %+v", p.maps)
	}

	// Over budget with only binaries of the current drain: all stay.
	s = New(Config{CacheBytes: 100})
	s.drainGen = 5
	a, b := bin("a", 5), bin("b", 5)
	s.EndDrain()
	if _, ok := s.byBuild[a.buildID]; !ok {
		t.Error("binary of the current drain evicted")
	}
	if _, ok := s.byBuild[b.buildID]; !ok {
		t.Error("binary of the current drain evicted")
	}

	// Within budget but idle too long: forgotten.
	s = New(Config{CacheBytes: 1 << 20})
	s.drainGen = 100
	idle, fresh := bin("idle", 100-maxIdleDrains-1), bin("fresh", 99)
	s.EndDrain()
	if _, ok := s.byBuild[idle.buildID]; ok {
		t.Error("idle binary kept")
	}
	if _, ok := s.byBuild[fresh.buildID]; !ok {
		t.Error("fresh binary evicted")
	}
}
