package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoCgroup reports a container whose cgroup is in no hierarchy (it exited).
var ErrNoCgroup = errors.New("cgroup not found")

// Stats are a cgroup's counters at one instant.
type Stats struct {
	CPU          time.Duration // cumulative CPU time
	Throttled    time.Duration // cumulative throttled time
	HasMemory    bool          // memory counters were readable
	MemoryUsage  int64         // bytes, including page cache
	InactiveFile int64
	RSS          int64  // anonymous memory
	OOMKills     uint64 // cumulative
}

// WorkingSet is usage − inactive_file, as kubelet computes it (never negative).
func (s Stats) WorkingSet() int64 {
	if ws := s.MemoryUsage - s.InactiveFile; ws > 0 {
		return ws
	}
	return 0
}

// Read returns the counters of the cgroup at rel (a path relative to each
// hierarchy's root). CPU comes from the v1 cpuacct hierarchy when the
// cgroup is there (hybrid), else from cgroup v2 cpu.stat; memory from
// whichever hierarchy has the memory controller for it.
func (m Mounts) Read(rel string) (Stats, error) {
	var st Stats
	found := false
	if root := m.cpuRoot(); root != "" {
		dir := filepath.Join(root, rel)
		if v, err := readInt(filepath.Join(dir, "cpuacct.usage")); err == nil {
			st.CPU, found = time.Duration(v), true
		}
		if cpu := m.V1["cpu"]; cpu != "" {
			if kv, err := readKeyed(filepath.Join(cpu, rel, "cpu.stat")); err == nil {
				st.Throttled = time.Duration(kv["throttled_time"])
			}
		}
	}
	if m.V2 != "" {
		dir := filepath.Join(m.V2, rel)
		if kv, err := readKeyed(filepath.Join(dir, "cpu.stat")); err == nil {
			if !found {
				st.CPU, found = time.Duration(kv["usage_usec"])*time.Microsecond, true
				st.Throttled = time.Duration(kv["throttled_usec"]) * time.Microsecond
			}
			if cur, err := readInt(filepath.Join(dir, "memory.current")); err == nil {
				st.HasMemory, st.MemoryUsage = true, cur
				if ms, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
					st.InactiveFile, st.RSS = ms["inactive_file"], ms["anon"]
				}
				if ev, err := readKeyed(filepath.Join(dir, "memory.events")); err == nil {
					st.OOMKills = uint64(ev["oom_kill"])
				}
			}
		}
	}
	if mem := m.V1["memory"]; mem != "" && !st.HasMemory {
		dir := filepath.Join(mem, rel)
		if cur, err := readInt(filepath.Join(dir, "memory.usage_in_bytes")); err == nil {
			st.HasMemory, st.MemoryUsage, found = true, cur, true
			if ms, err := readKeyed(filepath.Join(dir, "memory.stat")); err == nil {
				st.InactiveFile, st.RSS = ms["total_inactive_file"], ms["total_rss"]
			}
			if oc, err := readKeyed(filepath.Join(dir, "memory.oom_control")); err == nil {
				st.OOMKills = uint64(oc["oom_kill"])
			}
		}
	}
	if !found {
		return Stats{}, fmt.Errorf("read cgroup %s: %w", rel, ErrNoCgroup)
	}
	return st, nil
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return -1, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// readKeyed reads "key value" lines (cpu.stat, memory.stat, memory.events, …).
func readKeyed(path string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseKeyed(b), nil
}

func parseKeyed(b []byte) map[string]int64 {
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}
