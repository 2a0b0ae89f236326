package podmeta

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tallyhq/tally"
)

// AgentPod converts the pod with uid to the wire format.
func (m *Meta) AgentPod(uid string) (tally.AgentPod, bool) {
	p, ok := m.Pod(uid)
	if !ok {
		return tally.AgentPod{}, false
	}
	ap := tally.AgentPod{
		UID: string(p.UID), Namespace: p.Namespace, Name: p.Name,
		Labels: p.Labels, Annotations: smallAnnotations(p.Annotations),
		StartedAt: p.CreationTimestamp.UTC(),
	}
	if p.Status.StartTime != nil {
		ap.StartedAt = p.Status.StartTime.UTC()
	}
	if m.owners != nil {
		ap.OwnerKind, ap.OwnerName = m.owners.Workload(p)
	}
	ids := map[string]string{}
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			_, id, _ := strings.Cut(cs.ContainerID, "://")
			ids[cs.Name] = id
		}
	}
	// Init containers first, in the spec's order (the order they start
	// in): native sidecars (restartPolicy Always) run for the pod's
	// lifetime and are right-sized like its containers; classic ones run
	// to completion before them, and their requests count only then.
	// Each carries its position in its list.
	for i, c := range p.Spec.InitContainers {
		kind := tally.ContainerInit
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			kind = tally.ContainerSidecar
		}
		ap.Containers = append(ap.Containers, agentContainer(&c, kind, i+1, ids[c.Name]))
	}
	for i, c := range p.Spec.Containers {
		ap.Containers = append(ap.Containers, agentContainer(&c, tally.ContainerRegular, i+1, ids[c.Name]))
	}
	var problems []string
	ap.Scheduling, problems = podScheduling(p)
	if len(problems) > 0 {
		m.warnScheduling(p, problems)
	}
	ap.Autoscaling, problems = m.podAutoscaling(p, ap.OwnerKind, ap.OwnerName)
	if len(problems) > 0 {
		m.warnOnce("hpa/"+targetKey(p.Namespace, ap.OwnerKind, ap.OwnerName), "workload autoscaler values ignored",
			"namespace", p.Namespace, "kind", ap.OwnerKind, "workload", ap.OwnerName, "problems", problems)
	}
	return ap, true
}

// agentContainer converts c, declared in its pod's spec as kind at
// position (counted from 1 in its list), to the wire format.
func agentContainer(c *corev1.Container, kind string, position int, id string) tally.AgentContainer {
	return tally.AgentContainer{
		Name: c.Name, Kind: kind, Position: position, ID: id, Image: c.Image,
		CPURequest:    cores(c.Resources.Requests, corev1.ResourceCPU),
		CPULimit:      cores(c.Resources.Limits, corev1.ResourceCPU),
		MemoryRequest: bytesOf(c.Resources.Requests, corev1.ResourceMemory),
		MemoryLimit:   bytesOf(c.Resources.Limits, corev1.ResourceMemory),
		GPURequest:    int(bytesOf(c.Resources.Requests, "nvidia.com/gpu")),
	}
}

// smallAnnotations drops annotations too large to be useful (last-applied
// configuration and the like).
func smallAnnotations(a map[string]string) map[string]string {
	var out map[string]string
	for k, v := range a {
		if len(v) > 256 || k == corev1.LastAppliedConfigAnnotation {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

func cores(l corev1.ResourceList, name corev1.ResourceName) float64 {
	if q, ok := l[name]; ok {
		return float64(q.MilliValue()) / 1000
	}
	return 0
}

func bytesOf(l corev1.ResourceList, name corev1.ResourceName) int64 {
	if q, ok := l[name]; ok {
		return q.Value()
	}
	return 0
}

// Node returns this node's description: from the API when a client is set,
// else (or when the API fails) capacity from the machine itself.
func (m *Meta) Node(ctx context.Context) (tally.AgentNode, error) {
	if m.cfg.Client != nil {
		n, err := m.cfg.Client.CoreV1().Nodes().Get(ctx, m.cfg.NodeName, metav1.GetOptions{})
		if err == nil {
			return agentNode(n), nil
		}
		local := localNode(m.cfg.NodeName, m.cfg.Proc)
		return local, fmt.Errorf("get node %s: %w", m.cfg.NodeName, err)
	}
	return localNode(m.cfg.NodeName, m.cfg.Proc), nil
}

func agentNode(n *corev1.Node) tally.AgentNode {
	l := n.Labels
	an := tally.AgentNode{
		Name: n.Name, UID: string(n.UID), ProviderID: n.Spec.ProviderID,
		InstanceType:      first(l, "node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"),
		Region:            first(l, "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region"),
		Zone:              first(l, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"),
		Lifecycle:         tally.LifecycleOnDemand,
		CPUCapacity:       cores(n.Status.Capacity, corev1.ResourceCPU),
		MemoryCapacity:    bytesOf(n.Status.Capacity, corev1.ResourceMemory),
		GPUCapacity:       int(bytesOf(n.Status.Capacity, "nvidia.com/gpu")),
		CPUAllocatable:    cores(n.Status.Allocatable, corev1.ResourceCPU),
		MemoryAllocatable: bytesOf(n.Status.Allocatable, corev1.ResourceMemory),
		Labels:            l,
	}
	if strings.EqualFold(l["karpenter.sh/capacity-type"], "spot") || strings.EqualFold(l["eks.amazonaws.com/capacityType"], "SPOT") ||
		l["cloud.google.com/gke-spot"] == "true" || l["cloud.google.com/gke-preemptible"] == "true" {
		an.Lifecycle = tally.LifecycleSpot
	}
	return an
}

func first(l map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := l[k]; v != "" {
			return v
		}
	}
	return ""
}

// localNode describes the machine from /proc when the API is unavailable:
// capacity = allocatable (kubelet's reservations are unknown here).
func localNode(name, proc string) tally.AgentNode {
	if name == "" {
		name, _ = os.Hostname()
	}
	n := tally.AgentNode{Name: name, CPUCapacity: float64(runtime.NumCPU()), Lifecycle: tally.LifecycleOnDemand}
	if b, err := os.ReadFile(proc + "/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if q, err := resource.ParseQuantity(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")) + "Ki"); err == nil {
					n.MemoryCapacity = q.Value()
				}
			}
		}
	}
	n.CPUAllocatable, n.MemoryAllocatable = n.CPUCapacity, n.MemoryCapacity
	return n
}
