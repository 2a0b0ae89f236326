package attribution_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally/internal/pgtest"
)

// cpuClock reads the CPU time this process and the PostgreSQL server have
// used: on a noisy two-core machine CPU seconds say more about a change
// than wall time.
type cpuClock struct{ postmaster int }

// newCPUClock finds the server behind pgtest's databases: the parent of a
// backend.
func newCPUClock(t *testing.T) cpuClock {
	conn, err := pgx.Connect(ctx, pgtest.NewURL(t, false))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	f := procStat(pid)
	if len(f) < 2 {
		t.Fatalf("read /proc/%d/stat", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	return cpuClock{postmaster: ppid}
}

// read returns the CPU time used so far by this process and by the
// server's processes alive now.
func (c cpuClock) read() (self, server time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	tick := time.Second / 100 // USER_HZ
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		f := procStat(pid)
		if len(f) < 14 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid != c.postmaster && pid != c.postmaster {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		server += time.Duration(u+s) * tick
	}
	return self, server
}

// procStat returns the fields of /proc/pid/stat after the command name
// (state first), or nil.
func procStat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}
