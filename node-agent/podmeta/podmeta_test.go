package podmeta

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
