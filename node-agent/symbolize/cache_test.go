package symbolize

import (
	"os"
	"strings"
	"testing"
)

// TestCacheBudget checks the binary cache's bounds: binaries no live
// process maps go; of the rest, least recently used ones go first when
// over budget, and binaries used in the current drain stay even over
// budget; evicted binaries lose their open file and their processes'
// references.
func TestCacheBudget(t *testing.T) {
	var s *Symbolizer
	bin := func(name string, lastUse uint64) *binary {
		// About 1270 bytes by size(): four are over a budget of 3000, two within.
		b := &binary{buildID: name, elf: &elfTable{syms: make([]elfSym, 60)}, lastUse: lastUse}
		s.byBuild[name] = b
		s.byFile[fileKey{path: "/" + name}] = b
		return b
	}
	live := func(bins ...*binary) *process {
		p := &process{pid: uint32(len(s.procs) + 1), used: s.drainGen}
		for i, b := range bins {
			p.maps = append(p.maps, mapping{start: uint64(i) * 10, end: uint64(i)*10 + 10, bin: b})
		}
		s.procs[p.pid] = []*process{p}
		return p
	}
	cached := func(b *binary) bool { _, ok := s.byBuild[b.buildID]; return ok }

	s = New(Config{CacheBytes: 3000})
	s.drainGen = 10
	oldest, old, recent, current, unmapped := bin("oldest", 7), bin("old", 8), bin("recent", 9), bin("current", 10), bin("unmapped", 10)
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	oldest.file = f
	p := live(oldest, old, recent, current)
	s.EndDrain()
	for _, b := range []*binary{oldest, old, unmapped} {
		if cached(b) {
			t.Errorf("%s still cached", b.buildID)
		}
	}
	for _, b := range []*binary{recent, current} {
		if !cached(b) {
			t.Errorf("%s evicted", b.buildID)
		}
	}
	if got := s.Binaries(); got != 2 {
		t.Errorf("%d binaries cached, want 2", got)
	}
	if oldest.file != nil {
		t.Error("evicted binary's file left open")
	}
	if p.maps[0].bin != nil || p.maps[1].bin != nil || p.maps[3].bin != current {
		t.Errorf("process mappings after eviction: %+v", p.maps)
	}

	// Over budget with only binaries of the current drain: all stay.
	s = New(Config{CacheBytes: 100})
	s.drainGen = 5
	a, b := bin("a", 5), bin("b", 5)
	live(a, b)
	s.EndDrain()
	if !cached(a) || !cached(b) {
		t.Error("binary of the current drain evicted")
	}

	// The process exits (is not sampled again): its binaries go.
	s.EndDrain()
	if cached(a) || cached(b) || s.Binaries() != 0 {
		t.Errorf("%d binaries cached after their process went", s.Binaries())
	}
}

// TestCacheBudgetPerfMaps checks that perf maps count in the cache's
// budget: one not used in the drain just ended goes when over budget (and
// is read again when needed); one used in it stays.
func TestCacheBudgetPerfMaps(t *testing.T) {
	s := New(Config{CacheBytes: 1000})
	s.drainGen = 3
	pm := func(lastUse uint64) *perfMap {
		p := parsePerfMapString(t, strings.Repeat("7f0000001000 100 some::jitted::function\n", 20))
		p.lastUse = lastUse
		return p
	}
	old := &process{pid: 1, used: 3, perfMap: pm(2), perfMapGen: 3}
	cur := &process{pid: 2, used: 3, perfMap: pm(3), perfMapGen: 4}
	s.procs[1], s.procs[2] = []*process{old}, []*process{cur}
	if total := old.perfMap.bytes() + cur.perfMap.bytes(); total <= 1000 {
		t.Fatalf("perf maps of %d bytes are within the budget: the test tests nothing", total)
	}
	s.EndDrain()
	if old.perfMap != nil || old.perfMapGen != 0 {
		t.Error("perf map unused in the last drain kept over budget")
	}
	if cur.perfMap == nil {
		t.Error("perf map of the current drain evicted")
	}
}

func parsePerfMapString(t *testing.T, s string) *perfMap {
	t.Helper()
	pm, err := parsePerfMap(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return pm
}
