package podmeta

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tallyhq/tally"
)

func resources(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}
}

// A pod's init containers are sent with its containers, each with its
// kind: a classic init container (runs to completion) and a native
// sidecar (restartPolicy Always), whose specs the backend needs to
// right-size them. Each has its position in its list of the spec, which a
// JSON patch of a custom kind addresses it by: the backend stores
// containers by name, not in the spec's order.
func TestAgentPodInitContainersAndSidecars(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: uidA, Name: "api-1", Namespace: "shop"},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{
				{Name: "migrate", Image: "migrate:1", Resources: resources("500m", "256Mi")},
				{Name: "istio-proxy", Image: "proxyv2:1.24", RestartPolicy: &always, Resources: resources("100m", "128Mi")},
			},
			Containers: []corev1.Container{
				{Name: "api", Image: "api:3", Resources: resources("1", "1Gi")},
				{Name: "log-shipper", Image: "fluent-bit:3", Resources: resources("50m", "64Mi")},
			},
		},
		Status: corev1.PodStatus{
			InitContainerStatuses: []corev1.ContainerStatus{
				{Name: "migrate", ContainerID: "containerd://" + idI},
				{Name: "istio-proxy", ContainerID: "containerd://" + idE},
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "api", ContainerID: "containerd://" + idA},
				{Name: "log-shipper", ContainerID: "containerd://" + idB},
			},
		},
	}
	m := New(Config{})
	known(m, p)
	ap, ok := m.AgentPod(uidA)
	if !ok {
		t.Fatal("pod not found")
	}
	want := []tally.AgentContainer{
		{Name: "migrate", Kind: tally.ContainerInit, Position: 1, ID: idI, Image: "migrate:1", CPURequest: 0.5, MemoryRequest: 256 << 20},
		{Name: "istio-proxy", Kind: tally.ContainerSidecar, Position: 2, ID: idE, Image: "proxyv2:1.24", CPURequest: 0.1, MemoryRequest: 128 << 20},
		{Name: "api", Position: 1, ID: idA, Image: "api:3", CPURequest: 1, MemoryRequest: 1 << 30},
		{Name: "log-shipper", Position: 2, ID: idB, Image: "fluent-bit:3", CPURequest: 0.05, MemoryRequest: 64 << 20},
	}
	if len(ap.Containers) != len(want) {
		t.Fatalf("containers %+v, want %+v", ap.Containers, want)
	}
	for i := range want {
		if ap.Containers[i] != want[i] {
			t.Errorf("container %d: %+v, want %+v", i, ap.Containers[i], want[i])
		}
	}
}

// Before any status is reported, an unknown container id is the pod's only
// container only when the pod has no init container it could be.
func TestContainerNameBeforeStatusesWithInit(t *testing.T) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: uidA, Name: "api-1", Namespace: "shop"},
		Spec:       corev1.PodSpec{InitContainers: []corev1.Container{{Name: "migrate"}}, Containers: []corev1.Container{{Name: "api"}}},
	}
	m := New(Config{})
	known(m, p)
	if got := m.ContainerName(uidA, idI); got != PodContainer {
		t.Errorf("ContainerName of an init container before statuses = %q, want %q (it may be migrate, not api)", got, PodContainer)
	}
	q := p.DeepCopy()
	q.UID, q.Spec.InitContainers = uidB, nil
	known(m, q)
	if got := m.ContainerName(uidB, idB); got != "api" {
		t.Errorf("ContainerName of the only container before statuses = %q, want api", got)
	}
}
