package tally

import (
	"strings"
	"time"
)

// Cluster is a Kubernetes cluster Tally watches.
type Cluster struct {
	ID               ClusterID `json:"id"`
	Name             string    `json:"name"`
	Provider         string    `json:"provider"`
	Region           string    `json:"region"`
	BillingAccountID string    `json:"billingAccountId"` // the account its nodes are billed to
	// BillingAccountFrom says where BillingAccountID came from: "" when it
	// was configured (or there is none), AccountFromProvider or
	// AccountFromBill when it was learnt.
	BillingAccountFrom string `json:"billingAccountFrom,omitempty"`
}

// Where a cluster registered by its agents got its billing account.
const (
	// AccountFromProvider: the only billing account of its provider known
	// when it registered, a guess that a bill of its nodes corrects.
	AccountFromProvider = "provider"
	// AccountFromBill: the account of a bill of one of its nodes' instances.
	AccountFromBill = "bill"
)

// Node lifecycles.
const (
	LifecycleOnDemand = "on-demand"
	LifecycleSpot     = "spot"
)

// Node is a node over its lifetime [ValidFrom, ValidTo); a zero ValidTo means it still runs.
type Node struct {
	Cluster           ClusterID         `json:"cluster"`
	UID               string            `json:"uid"`
	Name              string            `json:"name"`
	ProviderID        string            `json:"providerID"`
	InstanceID        string            `json:"instanceId"` // from ProviderID: matches CostLine.ResourceID
	InstanceType      string            `json:"instanceType"`
	Region            string            `json:"region"`
	Zone              string            `json:"zone"`
	Lifecycle         string            `json:"lifecycle"`
	CPUCores          float64           `json:"cpuCores"`
	MemoryBytes       int64             `json:"memoryBytes"`
	GPUs              int               `json:"gpus"`
	AllocatableCPU    float64           `json:"allocatableCpuCores"`
	AllocatableMemory int64             `json:"allocatableMemoryBytes"`
	Labels            map[string]string `json:"labels"`
	ValidFrom         time.Time         `json:"validFrom"`
	ValidTo           time.Time         `json:"validTo,omitzero"`
	// UsageOperation is the operation EC2 bills its instance's usage under
	// (RunInstances:0010 for Red Hat Enterprise Linux), as read by
	// `tally pricing platforms aws` (InstancePlatform); "" when not read.
	// Nodes are read with it; storing a node does not store it.
	UsageOperation string `json:"usageOperation,omitempty"`
}

// InstancePlatform is the platform (operating system and licence) a cloud
// provider bills an instance as: EC2's DescribeInstances UsageOperation
// and PlatformDetails.
type InstancePlatform struct {
	Provider        string    `json:"provider"`
	InstanceID      string    `json:"instanceId"` // matches Node.InstanceID
	Region          string    `json:"region"`
	UsageOperation  string    `json:"usageOperation"`  // RunInstances, RunInstances:0010, …
	PlatformDetails string    `json:"platformDetails"` // Linux/UNIX, Red Hat Enterprise Linux, …
	ReadAt          time.Time `json:"readAt"`
}

// Lifetime returns the node's lifetime, ending at until while it still runs.
func (n *Node) Lifetime(until time.Time) Window {
	end := n.ValidTo
	if end.IsZero() {
		end = until
	}
	return Window{Start: n.ValidFrom, End: end}
}

// InstanceIDFromProviderID extracts the cloud instance id from a Kubernetes
// node's spec.providerID: "aws:///us-east-1a/i-0abc" → "i-0abc",
// "gce://project/zone/name" → "name". Unknown forms yield "".
func InstanceIDFromProviderID(providerID string) string {
	scheme, rest, ok := strings.Cut(providerID, "://")
	if !ok || rest == "" {
		return ""
	}
	switch scheme {
	case "aws", "gce", "azure", "oci":
		i := strings.LastIndexByte(rest, '/')
		return rest[i+1:]
	}
	return ""
}

// Pod is a pod over its lifetime, with the workload that owns it.
type Pod struct {
	Ref         PodRef            `json:"ref"`
	NodeName    string            `json:"nodeName"`
	OwnerKind   string            `json:"ownerKind"` // KindDeployment, …
	OwnerName   string            `json:"ownerName"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	ValidFrom   time.Time         `json:"validFrom"`
	ValidTo     time.Time         `json:"validTo,omitzero"`
	Containers  []Container       `json:"containers"`
	// Scheduling is what of its spec constrains where its workload's
	// replicas may run relative to one another; nil when unknown (sent by
	// an agent that does not report it).
	Scheduling *PodScheduling `json:"scheduling,omitempty"`
	// Autoscaling is what scaled its workload's replica count, as its
	// agent last saw it; nil when unknown.
	Autoscaling *PodAutoscaling `json:"autoscaling,omitempty"`
}

// Lifetime returns the pod's lifetime, ending at until while it still runs.
func (p *Pod) Lifetime(until time.Time) Window {
	end := p.ValidTo
	if end.IsZero() {
		end = until
	}
	return Window{Start: p.ValidFrom, End: end}
}

// Workload returns the pod's owning workload (the pod itself when bare).
func (p *Pod) Workload() WorkloadRef {
	if p.OwnerKind == "" {
		return WorkloadRef{Cluster: p.Ref.Cluster, Namespace: p.Ref.Namespace, Kind: KindPod, Name: p.Ref.Name}
	}
	return WorkloadRef{Cluster: p.Ref.Cluster, Namespace: p.Ref.Namespace, Kind: p.OwnerKind, Name: p.OwnerName}
}

// Container is a container's spec. Zero limits mean no limit.
type Container struct {
	Name string `json:"name"`
	// Kind is ContainerRegular (""), ContainerInit or ContainerSidecar.
	Kind string `json:"kind,omitempty"`
	// Position is its place in its list of the pod's spec, counted from 1
	// (spec.initContainers for ContainerInit and ContainerSidecar,
	// spec.containers for the others); 0 when not known (its agent did
	// not report it).
	Position      int     `json:"position,omitempty"`
	ContainerID   string  `json:"containerId"`
	Image         string  `json:"image"`
	CPURequest    float64 `json:"cpuRequestCores"`
	CPULimit      float64 `json:"cpuLimitCores"`
	MemoryRequest int64   `json:"memoryRequestBytes"`
	MemoryLimit   int64   `json:"memoryLimitBytes"`
	GPURequest    int     `json:"gpuRequest"`
}

// Container kinds: where a container is declared in its pod's spec.
const (
	// ContainerRegular is a container of spec.containers (the main
	// container, or a sidecar declared beside it): it runs for the pod's
	// lifetime.
	ContainerRegular = ""
	// ContainerInit is a classic init container (spec.initContainers
	// without restartPolicy Always): it runs to completion, one after
	// another, before the pod's containers start. Its requests count
	// towards the pod's only while it runs (the pod reserves the larger of
	// its init containers' and its containers' requests).
	ContainerInit = "init"
	// ContainerSidecar is a native sidecar (spec.initContainers with
	// restartPolicy Always, Kubernetes 1.29+): it starts before the pod's
	// containers and runs beside them for the pod's lifetime.
	ContainerSidecar = "sidecar"
)

// ValidContainerKind reports whether k is a container kind.
func ValidContainerKind(k string) bool {
	return k == ContainerRegular || k == ContainerInit || k == ContainerSidecar
}

// ContainerUsage is a container's exact usage over an interval, from cgroup
// counters. PodUID "" marks usage outside pods (Container "host/<comm>" or "kernel").
type ContainerUsage struct {
	Cluster             ClusterID `json:"cluster"`
	Interval            Window    `json:"interval"`
	PodUID              string    `json:"podUid"`
	Container           string    `json:"container"`
	NodeName            string    `json:"nodeName"`
	CPUCoreSeconds      float64   `json:"cpuCoreSeconds"`
	MemoryWorkingSetAvg int64     `json:"memoryWorkingSetAvgBytes"`
	MemoryWorkingSetMax int64     `json:"memoryWorkingSetMaxBytes"`
	MemoryRSSMax        int64     `json:"memoryRssMaxBytes"`
	OOMKills            int       `json:"oomKills"`
	CPUThrottledSeconds float64   `json:"cpuThrottledSeconds"`
}

// Stack is a symbolized call stack, leaf first, identified within a cluster
// by a 64-bit hash of its frames.
type Stack struct {
	Cluster ClusterID  `json:"cluster"`
	ID      int64      `json:"id"`
	Frames  []Function `json:"frames"`
}

// FunctionSample counts a container's CPU samples on one stack in one hour.
type FunctionSample struct {
	Cluster   ClusterID `json:"cluster"`
	Hour      Hour      `json:"hour"`
	PodUID    string    `json:"podUid"`
	Container string    `json:"container"`
	StackID   int64     `json:"stackId"`
	Samples   int64     `json:"samples"`
	CPUNanos  int64     `json:"cpuNanos"`
}
