// Package cgrouptest makes cgroups for tests of the agent: fake cgroup v2
// directories for its cgroup reading, and real cgroups for tests that run
// processes in pods' cgroups.
package cgrouptest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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

// Enter creates the cgroup rel (a path such as a pod container's, from the
// hierarchy's root) under each of roots, which are mounted cgroup
// hierarchies, and moves pid into it: it needs root. When t ends it kills
// pid and removes the directories, deepest first. It returns the cgroup's
// directories, one per root.
func Enter(t *testing.T, roots []string, rel string, pid int) []string {
	t.Helper()
	var dirs []string
	for _, root := range roots {
		dir := filepath.Join(root, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("create cgroup: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			t.Fatalf("move %d into %s: %v", pid, dir, err)
		}
		dirs = append(dirs, dir)
		t.Cleanup(func() {
			// A cgroup with a process in it cannot be removed: end the
			// process, and wait for the kernel to let the cgroup go.
			syscall.Kill(pid, syscall.SIGKILL)
			for d := dir; d != root && strings.HasPrefix(d, root); d = filepath.Dir(d) {
				for i := 0; i < 100 && os.Remove(d) != nil && d == dir; i++ {
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	return dirs
}
