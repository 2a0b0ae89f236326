package tally

import "strings"

// ClusterID identifies a Kubernetes cluster within Tally (chosen at install,
// e.g. "prod-eu-1"). It is the distribution column of the cluster-side tables.
type ClusterID string

// NodeRef identifies a node.
type NodeRef struct {
	Cluster ClusterID `json:"cluster"`
	Name    string    `json:"name"`
}

// PodRef identifies a pod. UID distinguishes pods that reuse a name.
type PodRef struct {
	Cluster   ClusterID `json:"cluster"`
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       string    `json:"uid"`
}

// ContainerRef identifies a container in a pod.
type ContainerRef struct {
	Pod  PodRef `json:"pod"`
	Name string `json:"name"`
}

// String formats the reference as cluster/namespace/pod/container.
func (c ContainerRef) String() string {
	return string(c.Pod.Cluster) + "/" + c.Pod.Namespace + "/" + c.Pod.Name + "/" + c.Name
}

// Workload kinds, as Kubernetes names the controllers that own pods.
const (
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindDaemonSet   = "DaemonSet"
	KindJob         = "Job"
	KindCronJob     = "CronJob"
	KindReplicaSet  = "ReplicaSet" // a ReplicaSet without a Deployment
	KindPod         = "Pod"        // a bare pod, its own workload
)

// WorkloadRef identifies the controller that owns pods (a Deployment rather
// than its ReplicaSets, a CronJob rather than its Jobs).
type WorkloadRef struct {
	Cluster   ClusterID `json:"cluster"`
	Namespace string    `json:"namespace"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
}

// String formats the reference as namespace/kind/name.
func (w WorkloadRef) String() string { return w.Namespace + "/" + w.Kind + "/" + w.Name }

// Function is one frame of a symbolized stack.
type Function struct {
	Name   string `json:"name"`             // symbol, e.g. "main.(*Server).handle", or UnknownFunction
	Module string `json:"module,omitempty"` // binary or library path, or "[kernel]"
	Offset uint64 `json:"offset,omitempty"` // offset in Module, kept for unknown frames
}

// String returns the frame as shown to users: the symbol, or for an unknown
// frame "[unknown] module+0xoffset".
func (f Function) String() string {
	if f.Name != "" && f.Name != UnknownFunction {
		return f.Name
	}
	var b strings.Builder
	b.WriteString(UnknownFunction)
	if f.Module != "" {
		b.WriteString(" ")
		b.WriteString(f.Module)
		b.WriteString("+0x")
		b.WriteString(hex(f.Offset))
	}
	return b.String()
}

func hex(v uint64) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0"
	}
	var buf [16]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = digits[v&15]
		v >>= 4
	}
	return string(buf[i:])
}
