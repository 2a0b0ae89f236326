package profiler

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/tallyhq/tally/bpf"
)

// TestProcessesAnnounced: a process is announced at its first sample,
// announced again (Exec) at its first sample after it exec'd, each time
// refreshed at most once, and forgotten by the kernel when it exits (its
// pid may be reused). The child spins in sh, then execs another sh that
// spins. A process older than RefreshAfter at its first sample (this one)
// is not refreshed. Each program has a generation, greater after the
// exec, that its announcements and samples carry: the samples before the
// exec and after it are told apart.
func TestProcessesAnnounced(t *testing.T) {
	requireBPF(t)
	p, err := Open(99)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r, err := p.Processes()
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan ProcessEvent, 1024)
	go func() {
		defer close(events)
		for {
			ev, err := r.Read()
			if err != nil {
				return
			}
			events <- ev
		}
	}()
	const loop = `i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done`
	cmd := exec.Command("sh", "-c", loop+"; exec sh -c '"+loop+"'")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := uint32(cmd.Process.Pid)
	spin(t, 300*time.Millisecond)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // events are read as they come
	r.Close()
	var kinds, own []ProcessEventKind
	var gens []uint64
	for ev := range events {
		switch ev.PID {
		case pid:
			kinds = append(kinds, ev.Kind)
			gens = append(gens, ev.Gen)
		case uint32(os.Getpid()):
			own = append(own, ev.Kind)
		}
	}
	if len(own) != 1 || own[0] != ProcessNew {
		t.Errorf("this process announced as %v, want new (1) only: it is no longer young", own)
	}
	// New, perhaps Refresh, Exec, perhaps Refresh.
	ok := len(kinds) >= 2 && kinds[0] == ProcessNew
	i := 1
	if ok && kinds[i] == ProcessRefresh {
		i++
	}
	ok = ok && i < len(kinds) && kinds[i] == ProcessExec
	i++
	if ok && i < len(kinds) && kinds[i] == ProcessRefresh {
		i++
	}
	if !ok || i != len(kinds) {
		t.Fatalf("pid %d announced as %v, want new (1), perhaps refresh (3), exec (2), perhaps refresh", pid, kinds)
	}
	// The generations: one before the exec, a greater one after.
	e := slices.Index(kinds, ProcessExec)
	before, after := gens[0], gens[e]
	if slices.ContainsFunc(gens[:e], func(g uint64) bool { return g != before }) || slices.ContainsFunc(gens[e:], func(g uint64) bool { return g != after }) {
		t.Errorf("pid %d announced as %v with generations %v, want one before the exec and another after", pid, kinds, gens)
	}
	if before == 0 || after <= before {
		t.Errorf("generation %d after the exec, %d before: want greater", after, before)
	}
	samples, err := p.Drain()
	if err != nil {
		t.Fatal(err)
	}
	byGen := map[uint64]uint64{}
	for _, s := range samples {
		if s.PID == pid && !s.Kthread {
			byGen[s.Gen] += s.Count
		}
	}
	delete(byGen, 0) // unknown: in the exit, after the kernel forgot it
	if byGen[before] == 0 || byGen[after] == 0 || len(byGen) != 2 {
		t.Errorf("pid %d's samples by generation %v, want generations %d and %d (and perhaps 0) only", pid, byGen, before, after)
	}
	var v bpf.ProfilerAnnouncement
	if err := p.objs.Announced.Lookup(pid, &v); !errors.Is(err, ebpf.ErrKeyNotExist) {
		t.Errorf("pid %d still announced after it exited (%d, %v): its pid's next process would not be", pid, v, err)
	}
	c, err := p.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.ProcessEventsLost != 0 {
		t.Errorf("%d process events lost", c.ProcessEventsLost)
	}
}
