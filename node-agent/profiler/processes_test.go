package profiler

import (
	"errors"
	"os/exec"
	"testing"
	"time"

	"github.com/cilium/ebpf"
)

// TestProcessesAnnounced: a process is announced at its first sample, once
// whatever its samples, announced again (Exec) at its first sample after
// it exec'd, and forgotten by the kernel when it exits (its pid may be
// reused). The child spins in sh, then execs another sh that spins.
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
	events := make(chan NewProcess, 1024)
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
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // events are read as they come
	r.Close()
	var news, execs int
	for ev := range events {
		if ev.PID != pid {
			continue
		}
		if ev.Exec {
			if news == 0 {
				t.Errorf("exec announced before the process")
			}
			execs++
		} else {
			news++
		}
	}
	if news != 1 || execs != 1 {
		t.Errorf("pid %d announced %d times new and %d times after exec, want 1 and 1", pid, news, execs)
	}
	var v uint32
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
