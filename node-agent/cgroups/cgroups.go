// Package cgroups reads exact per-container CPU and memory usage from the
// kernel's cgroup counters, for cgroup v2, v1 and hybrid hierarchies, and
// finds containers by kubelet's cgroup naming (systemd and cgroupfs drivers;
// containerd, CRI-O and Docker).
//
// Counters give the totals: CPU core-seconds from cpu.stat usage_usec (v2)
// or cpuacct.usage (v1); memory working set = usage − inactive_file, sampled
// for its average and maximum over an interval; RSS (anon); OOM kills. eBPF
// samples only split those totals by function.
package cgroups

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Mounts locates the cgroup hierarchies.
type Mounts struct {
	V2 string            // cgroup2 mount ("" if none)
	V1 map[string]string // v1 controller (cpu, cpuacct, memory, …) → mount
}

// Hybrid reports v1 controllers next to a cgroup2 mount.
func (m Mounts) Hybrid() bool { return m.V2 != "" && len(m.V1) > 0 }

// DetectMounts reads the cgroup mounts from a mountinfo file (e.g.
// /proc/self/mountinfo, or /proc/1/mountinfo for the host's view).
func DetectMounts(mountinfo string) (Mounts, error) {
	f, err := os.Open(mountinfo)
	if err != nil {
		return Mounts{}, fmt.Errorf("detect cgroup mounts: %w", err)
	}
	defer f.Close()
	return parseMountinfo(f)
}

// parseMountinfo reads lines "id parent maj:min root mountpoint opts … - fstype source superopts".
func parseMountinfo(r io.Reader) (Mounts, error) {
	m := Mounts{V1: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		if f[3] != "/" { // a bind mount of a sub-tree (e.g. inside a container)
			continue
		}
		switch g[0] {
		case "cgroup2":
			if m.V2 == "" {
				m.V2 = unescape(f[4])
			}
		case "cgroup":
			for _, opt := range strings.Split(g[2], ",") {
				switch opt {
				case "cpu", "cpuacct", "memory", "pids", "cpuset", "blkio", "devices", "freezer":
					if _, dup := m.V1[opt]; !dup {
						m.V1[opt] = unescape(f[4])
					}
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("read mountinfo: %w", err)
	}
	if m.V2 == "" && len(m.V1) == 0 {
		return m, fmt.Errorf("no cgroup filesystem is mounted")
	}
	return m, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Container is a container's cgroup, by its path relative to each hierarchy's root.
type Container struct {
	Location
	Path string // relative path, e.g. /kubepods/burstable/pod<uid>/<id>
	ID   uint64 // cgroup v2 id (the directory's inode number), 0 outside cgroup v2
	V2   bool   // present in the cgroup2 hierarchy
	V1   bool   // present in the v1 cpuacct (or cpu) hierarchy
}

// Discover walks the hierarchies and returns the cgroups of containers in pods.
func (m Mounts) Discover() []Container {
	containers, _ := m.discover()
	return containers
}

// discover returns the cgroups of containers in pods and, in the cgroup2
// hierarchy, the pods' own cgroups (ContainerID "").
func (m Mounts) discover() (containers, pods []Container) {
	found := map[string]*Container{}
	var order []string
	walk := func(root string, v2 bool) {
		if root == "" {
			return
		}
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
			loc, ok := ParsePath(rel)
			if !ok {
				return nil
			}
			if loc.ContainerID == "" {
				if name := d.Name(); v2 && (podSlice.MatchString(name) || podDir.MatchString(name)) {
					pods = append(pods, Container{Location: loc, Path: rel, ID: inode(d), V2: true})
				}
				return nil
			}
			c := found[rel]
			if c == nil {
				c = &Container{Location: loc, Path: rel}
				found[rel] = c
				order = append(order, rel)
			}
			if v2 {
				c.V2, c.ID = true, inode(d)
			} else {
				c.V1 = true
			}
			return filepath.SkipDir
		})
	}
	walk(m.V2, true)
	walk(m.cpuRoot(), false)
	containers = make([]Container, 0, len(order))
	for _, rel := range order {
		containers = append(containers, *found[rel])
	}
	return containers, pods
}

// inode returns a directory's inode number: a cgroup v2 directory's is the
// cgroup's id (what bpf_get_current_cgroup_id returns).
func inode(d os.DirEntry) uint64 {
	if fi, err := d.Info(); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			return st.Ino
		}
	}
	return 0
}

func (m Mounts) cpuRoot() string {
	if r := m.V1["cpuacct"]; r != "" {
		return r
	}
	return m.V1["cpu"]
}
