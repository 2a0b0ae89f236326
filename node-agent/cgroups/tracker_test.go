package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/node-agent/cgroups/cgrouptest"
)

type oomCount struct {
	container map[string]int // by container id
	unseen    map[string]int // by pod uid
}

func oomKills(t *testing.T, us []Usage) oomCount {
	t.Helper()
	n := oomCount{container: map[string]int{}, unseen: map[string]int{}}
	for _, u := range us {
		if u.ContainerID == "" {
			if u.OOMKills != 0 || u.CPUSeconds != 0 || u.HasMemory {
				t.Errorf("a pod entry carries more than its unseen kills: %+v", u)
			}
			n.unseen[u.PodUID] += u.UnseenOOMKills
			continue
		}
		n.container[u.ContainerID] += u.OOMKills
	}
	return n
}

// An OOM-killed container whose cgroup the runtime removes before the next
// sample: its kill is seen only in the pod's hierarchical memory.events and
// is reported once, on the pod; kills a container cgroup showed are not.
func TestTrackerUnseenOOMKills(t *testing.T) {
	root := t.TempDir()
	us := strings.ReplaceAll(uid, "-", "_")
	pod := filepath.Join(root, "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"+us+".slice")
	c1 := filepath.Join(pod, "cri-containerd-"+cid+".scope")
	cid2 := strings.Repeat("b", 64)
	c2 := filepath.Join(pod, "cri-containerd-"+cid2+".scope")
	cgrouptest.Write(t, pod, 4) // 4 kills before the agent started: not this interval's
	cgrouptest.Write(t, c1, 4)
	tr := NewTracker(Mounts{V2: root})
	tr.Sample()

	// c1 loses a child process to the OOM killer and lives on.
	cgrouptest.Write(t, pod, 5)
	cgrouptest.Write(t, c1, 5)
	got := oomKills(t, tr.Interval())
	if got.container[cid] != 1 || got.unseen[uid] != 0 {
		t.Fatalf("kill seen at the container: %+v", got)
	}

	// c1's main process is killed; the runtime removes its cgroup before the
	// next sample and starts c2, which is killed too between two samples.
	cgrouptest.Write(t, c2, 0)
	tr.Sample()
	cgrouptest.Write(t, pod, 7)
	if err := os.RemoveAll(c1); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(c2); err != nil {
		t.Fatal(err)
	}
	got = oomKills(t, tr.Interval())
	if got.container[cid] != 0 || got.container[cid2] != 0 || got.unseen[uid] != 2 {
		t.Fatalf("kills of removed cgroups: %+v; want 2 unseen on the pod", got)
	}
	if got = oomKills(t, tr.Interval()); got.unseen[uid] != 0 {
		t.Fatalf("reported again: %+v", got)
	}

	// A pod that appears after the first sample: all its kills are new.
	uid2 := "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	cgrouptest.Write(t, filepath.Join(root, "kubepods.slice/kubepods-pod"+strings.ReplaceAll(uid2, "-", "_")+".slice"), 1)
	if got = oomKills(t, tr.Interval()); got.unseen[uid2] != 1 || got.unseen[uid] != 0 {
		t.Fatalf("new pod: %+v", got)
	}
}
