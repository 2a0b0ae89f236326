package collector

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally/node-agent/symbolize"
)

// TestRateLimit: a burst's worth at once, then the rate.
func TestRateLimit(t *testing.T) {
	now := time.Unix(0, 0)
	b := newRateLimit(50, 2, now)
	n := 0
	for b.take(now) {
		n++
	}
	if n != 100 {
		t.Fatalf("%d taken at once, want 100 (2 s at 50/s)", n)
	}
	n = 0
	for i := range 1000 { // a second, in milliseconds
		if b.take(now.Add(time.Duration(i+1) * time.Millisecond)) {
			n++
		}
	}
	if n != 50 {
		t.Fatalf("%d taken over the next second, want 50", n)
	}
	if !b.take(now.Add(time.Hour)) {
		t.Fatal("none after an hour")
	}
	n = 0
	for b.take(now.Add(time.Hour)) {
		n++
	}
	if n != 99 {
		t.Fatalf("%d more after an hour, want 99: the bucket holds 2 s", n)
	}
}

// mapper is a Mapper that reports pids as having mapped a file executable,
// once, and every pid as announced, counting the lookups.
type mapper struct {
	pids    []uint32
	waited  bool
	lookups []uint32
}

func (m *mapper) WaitMapped(time.Duration) (bool, error) {
	ready := !m.waited
	m.waited = true
	return ready, nil
}

func (m *mapper) Mapped() []uint32 { return m.pids }

func (m *mapper) Program(pid uint32) (uint64, bool) {
	m.lookups = append(m.lookups, pid)
	return 1, true
}

// TestWatchMappingsLooksUpKnownProcessesOnly: of the processes that mapped
// a file executable, which in a fork/exec storm are every new process,
// only those the symbolizer read are looked up in the kernel's announced
// map and read again; the others are read when announced.
func TestWatchMappingsLooksUpKnownProcessesOnly(t *testing.T) {
	sym := symbolize.New(symbolize.Config{})
	self := uint32(os.Getpid())
	sym.Learn(self, 1)
	m := &mapper{pids: []uint32{1 << 30, self, 1<<30 + 1}}
	for i := range uint32(100) {
		m.pids = append(m.pids, 1<<30+2+i)
	}
	c := New(Config{Symbolizer: sym})
	ctx, cancel := context.WithTimeout(context.Background(), 3*MappedEvery)
	defer cancel()
	c.watchMappings(ctx, m)
	if !slices.Equal(m.lookups, []uint32{self}) {
		t.Errorf("looked up %d processes (%v …), want only the one the symbolizer read, %d", len(m.lookups), m.lookups[:min(3, len(m.lookups))], self)
	}
	if got := c.remapped.Load(); got != 1 {
		t.Errorf("read %d processes again, want 1", got)
	}
}
