package podmeta

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tallyhq/tally/node-agent/cgroups"
)

const (
	uidA = "11111111-2222-3333-4444-555555555555"
	uidB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	idA  = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idA2 = "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"
	idB  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idI  = "1111111111111111111111111111111111111111111111111111111111111111"
	idE  = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
)

// known makes p resolvable as the informer would.
func known(m *Meta, p *corev1.Pod) {
	m.mu.Lock()
	m.deleted[string(p.UID)] = deletedPod{pod: p, at: time.Now()}
	m.mu.Unlock()
}

func terminated(reason, id string, finished time.Time) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: reason, ContainerID: "containerd://" + id, FinishedAt: metav1.NewTime(finished)}}
}

// restartedPod: container api was OOM-killed and restarted (its old id is
// only in lastState), next to a sidecar, an init container that ran and an
// ephemeral debug container.
func restartedPod(finished time.Time) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: uidA, Name: "api-1", Namespace: "shop"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "api"}, {Name: "sidecar"}}},
		Status: corev1.PodStatus{
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "api", ContainerID: "containerd://" + idA2, RestartCount: 1,
					LastTerminationState: terminated("OOMKilled", idA, finished)},
				{Name: "sidecar", ContainerID: "containerd://" + idB},
			},
			InitContainerStatuses:      []corev1.ContainerStatus{{Name: "migrate", ContainerID: "containerd://" + idI, State: terminated("Completed", idI, finished)}},
			EphemeralContainerStatuses: []corev1.ContainerStatus{{Name: "debugger", ContainerID: "cri-o://" + idE}},
		},
	}
}

func TestContainerName(t *testing.T) {
	m := New(Config{})
	known(m, restartedPod(time.Now()))
	tests := []struct{ uid, id, want string }{
		{uidA, idA2, "api"},
		{uidA, idA, "api"}, // the OOM-killed container before the restart
		{uidA, idB, "sidecar"},
		{uidA, idI, "migrate"},
		{uidA, idE, "debugger"},
		{uidA, "", PodContainer},
		{uidA, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", PodContainer}, // the sandbox
		{uidB, idB, idB[:12]}, // a pod the informer does not know
	}
	for _, tt := range tests {
		if got := m.ContainerName(tt.uid, tt.id); got != tt.want {
			t.Errorf("ContainerName(%s, %s…) = %q, want %q", tt.uid[:8], tt.id[:min(8, len(tt.id))], got, tt.want)
		}
	}
}

// cgroupDir makes a cgroup v2 directory under root and returns its id (the
// directory's inode number, as bpf_get_current_cgroup_id reads it).
func cgroupDir(t *testing.T, root, rel string) uint64 {
	t.Helper()
	dir := filepath.Join(root, rel)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// A pid reused within one drain by a process in another pod is resolved
// again: the cache is keyed by pid and cgroup.
func TestAttributePIDReuse(t *testing.T) {
	root := t.TempDir()
	a := cgroupDir(t, root, "kubepods/besteffort/pod"+uidA+"/"+idA)
	b := cgroupDir(t, root, "kubepods/besteffort/pod"+uidB+"/"+idB)
	m := New(Config{Mounts: cgroups.Mounts{V2: root}, Proc: t.TempDir()})
	for _, tt := range []struct {
		cgroup  uint64
		pod, id string
	}{{a, uidA, idA}, {b, uidB, idB}, {a, uidA, idA}} {
		got := m.Attribute(Process{PID: 4242, Cgroup: tt.cgroup, Comm: "worker"})
		if got.PodUID != tt.pod || got.ContainerID != tt.id {
			t.Fatalf("pid 4242 in cgroup %d: pod %s container %s; want %s %s", tt.cgroup, got.PodUID, got.ContainerID, tt.pod, tt.id)
		}
	}
}

// Samples of a container whose cgroup is gone when they are attributed
// (it exited within the drain) find their pod through the cgroups the
// usage tracker saw, not host/<comm>.
func TestAttributeRemovedCgroup(t *testing.T) {
	root := t.TempDir()
	rel := "/kubepods/burstable/pod" + uidA + "/" + idA
	id := cgroupDir(t, root, rel)
	var seen cgroups.Container
	for _, c := range (cgroups.Mounts{V2: root}).Discover() {
		seen = c
	}
	if seen.ID != id || seen.Path != rel {
		t.Fatalf("Discover found %+v; want id %d path %s", seen, id, rel)
	}
	if err := os.Remove(filepath.Join(root, rel)); err != nil {
		t.Fatal(err)
	}
	m := New(Config{Mounts: cgroups.Mounts{V2: root}, Proc: t.TempDir()})
	m.RememberCgroup(seen.ID, seen.Path)
	if got := m.Attribute(Process{PID: 4242, Cgroup: id, Comm: "worker"}); got.PodUID != uidA || got.ContainerID != idA {
		t.Fatalf("sample of a removed cgroup went to %+v", got)
	}
	m.EndDrain()
	m.walked = time.Time{}
	if got := m.Attribute(Process{PID: 4242, Cgroup: id, Comm: "worker"}); got.PodUID != "" {
		t.Fatalf("after the drain the removed cgroup still resolves to %+v", got)
	}
}

func TestOOMKilled(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	m := New(Config{})
	p := restartedPod(now.Add(-3 * time.Second))
	// The sidecar was OOM-killed later and has not restarted yet; the init
	// container's run ended long before.
	p.Status.ContainerStatuses[1].State = terminated("OOMKilled", idB, now.Add(-time.Second))
	p.Status.InitContainerStatuses[0].State = terminated("OOMKilled", idI, now.Add(-time.Hour))
	known(m, p)
	tests := []struct {
		since time.Time
		want  []string
	}{
		{now.Add(-10 * time.Second), []string{"sidecar", "api"}},
		{now.Add(-3*time.Second + 500*time.Millisecond), []string{"sidecar", "api"}}, // statuses are to the second
		{now.Add(-2 * time.Second), []string{"sidecar"}},
		{now, nil},
		{now.Add(-2 * time.Hour), []string{"sidecar", "api", "migrate"}},
	}
	for _, tt := range tests {
		var got []string
		for _, k := range m.OOMKilled(uidA, tt.since) {
			got = append(got, k.Container)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("OOMKilled(since %s) = %v, want %v", tt.since.Format(time.TimeOnly), got, tt.want)
		}
	}
	if got := m.OOMKilled(uidA, now.Add(-2*time.Second)); len(got) != 1 || got[0].ContainerID != idB || !got[0].FinishedAt.Equal(now.Add(-time.Second)) {
		t.Errorf("OOMKilled = %+v, want the sidecar's instance %s…", got, idB[:8])
	}
	if got := m.OOMKilled(uidB, time.Time{}); got != nil {
		t.Errorf("unknown pod: %v", got)
	}
}
