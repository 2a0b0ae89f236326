package cgroups

import (
	"strings"
	"testing"
)

const (
	uid = "5f3a1c2e-8b4d-4e6f-9a0b-1c2d3e4f5a6b"
	cid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestParsePath(t *testing.T) {
	us := strings.ReplaceAll(uid, "-", "_")
	tests := []struct {
		path string
		want Location
		ok   bool
	}{
		{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + us + ".slice/cri-containerd-" + cid + ".scope", Location{uid, cid, "containerd", "burstable"}, true},
		{"/kubepods.slice/kubepods-pod" + us + ".slice/crio-" + cid + ".scope", Location{uid, cid, "cri-o", "guaranteed"}, true},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + us + ".slice/docker-" + cid + ".scope", Location{uid, cid, "docker", "besteffort"}, true},
		{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + us + ".slice/crio-conmon-" + cid + ".scope", Location{uid, "", "cri-o", "besteffort"}, true},
		{"/kubepods/burstable/pod" + uid + "/" + cid, Location{uid, cid, "", "burstable"}, true},
		{"/kubepods/pod" + uid + "/" + cid, Location{uid, cid, "", "guaranteed"}, true},
		{"/kubepods/besteffort/pod" + uid, Location{uid, "", "", "besteffort"}, true},
		{"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubepods-burstable-pod" + us + ".slice/cri-containerd-" + cid + ".scope", Location{uid, cid, "containerd", "burstable"}, true},
		{"/system.slice/containerd.service", Location{}, false},
		{"/pod" + uid + "/" + cid, Location{}, false}, // not under kubepods
		{"/", Location{}, false},
		{"/kubepods/burstable/podnot-a-uid", Location{}, false},
	}
	for _, tt := range tests {
		got, ok := ParsePath(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParsePath(%s) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseMountinfo(t *testing.T) {
	hybrid := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 31 0:38 /sub /mnt/x\040y rw - cgroup2 cgroup2 rw
`
	m, err := parseMountinfo(strings.NewReader(hybrid))
	if err != nil {
		t.Fatal(err)
	}
	if m.V2 != "/sys/fs/cgroup/unified" || m.V1["cpuacct"] != "/sys/fs/cgroup/cpu,cpuacct" || m.V1["memory"] != "/sys/fs/cgroup/memory" || !m.Hybrid() {
		t.Fatalf("%+v", m)
	}
	if _, err := parseMountinfo(strings.NewReader("1 2 0:1 / / rw - ext4 /dev/sda rw\n")); err == nil {
		t.Fatal("no error without cgroups")
	}
	if got := unescape(`/mnt/x\040y`); got != "/mnt/x y" {
		t.Fatalf("unescape = %q", got)
	}
}

func TestParseKeyed(t *testing.T) {
	kv := parseKeyed([]byte("usage_usec 1234\nuser_usec 1000\nbad\nthrottled_usec x\n"))
	if kv["usage_usec"] != 1234 || kv["user_usec"] != 1000 || len(kv) != 2 {
		t.Fatalf("%v", kv)
	}
	if (Stats{MemoryUsage: 100, InactiveFile: 150}).WorkingSet() != 0 {
		t.Fatal("negative working set")
	}
}

func FuzzParsePath(f *testing.F) {
	f.Add("/kubepods/burstable/pod" + uid + "/" + cid)
	f.Add("/kubepods.slice/kubepods-pod" + strings.ReplaceAll(uid, "-", "_") + ".slice/crio-" + cid + ".scope")
	f.Fuzz(func(t *testing.T, p string) {
		if loc, ok := ParsePath(p); ok && !validUID(loc.PodUID) {
			t.Fatalf("invalid uid %q from %q", loc.PodUID, p)
		}
	})
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n")
	f.Fuzz(func(t *testing.T, s string) { parseMountinfo(strings.NewReader(s)) })
}
