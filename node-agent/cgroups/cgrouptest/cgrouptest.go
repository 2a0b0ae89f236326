// Package cgrouptest writes fake cgroup v2 directories for tests of the
// agent's cgroup reading.
package cgrouptest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Write creates dir as a cgroup v2 directory with the counter files the
// agent reads: a second of CPU, 500 MB of anonymous memory, and oomKills
// OOM kills in memory.events.
func Write(t *testing.T, dir string, oomKills int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{
		"cpu.stat":       "usage_usec 1000000\n",
		"memory.current": "500000000\n",
		"memory.stat":    "inactive_file 0\nanon 500000000\n",
		"memory.events":  "low 0\nhigh 0\nmax 3\noom 1\noom_kill " + strconv.Itoa(oomKills) + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
