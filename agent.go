package tally

import "time"

// AgentBatchVersion is the version of the agent wire format this build speaks.
const AgentBatchVersion = 1

// MaxAgentInterval bounds one interval of an agent batch (the agent drains
// every 10 s): the ingest endpoint refuses longer ones, so a stored
// interval that overlaps a time starts at most this long before it.
const MaxAgentInterval = time.Hour

// AgentBatch is what tally-agent sends to POST /api/v1/ingest/agent: JSON,
// gzip-compressed, with a bearer token bound to one cluster. One batch holds
// one or more drain intervals of one node.
type AgentBatch struct {
	Version   int              `json:"version"`
	Cluster   ClusterID        `json:"cluster"`
	Node      AgentNode        `json:"node"`
	Intervals []AgentInterval  `json:"intervals"`
	Pods      []AgentPod       `json:"pods,omitempty"` // pods seen in the batch's intervals
	Dropped   AgentDropCounter `json:"dropped"`
}

// AgentNode describes the node the agent runs on.
type AgentNode struct {
	Name              string            `json:"name"`
	UID               string            `json:"uid,omitempty"`
	ProviderID        string            `json:"providerID,omitempty"` // aws:///us-east-1a/i-0abc…; gce://project/zone/name
	InstanceType      string            `json:"instanceType,omitempty"`
	Region            string            `json:"region,omitempty"`
	Zone              string            `json:"zone,omitempty"`
	Lifecycle         string            `json:"lifecycle,omitempty"` // on-demand or spot
	CPUCapacity       float64           `json:"cpuCapacity"`         // cores
	MemoryCapacity    int64             `json:"memoryCapacity"`      // bytes
	GPUCapacity       int               `json:"gpuCapacity,omitempty"`
	CPUAllocatable    float64           `json:"cpuAllocatable"`
	MemoryAllocatable int64             `json:"memoryAllocatable"`
	Labels            map[string]string `json:"labels,omitempty"`
}

// AgentPod is a pod's metadata as the agent's informer sees it.
type AgentPod struct {
	UID         string            `json:"uid"`
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	OwnerKind   string            `json:"ownerKind,omitempty"` // Deployment, StatefulSet, …
	OwnerName   string            `json:"ownerName,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	StartedAt   time.Time         `json:"startedAt"`
	Containers  []AgentContainer  `json:"containers"`
	// Scheduling is what of the pod's spec constrains where its replicas
	// may run relative to one another; nil from agents that do not send it
	// (unknown, not "none").
	Scheduling *PodScheduling `json:"scheduling,omitempty"`
	// Autoscaling is what scales its workload's replica count (the
	// HorizontalPodAutoscaler targeting it, or none); nil from agents that
	// do not send it or cannot list HPAs (unknown, not "none").
	Autoscaling *PodAutoscaling `json:"autoscaling,omitempty"`
}

// AgentContainer is a container's spec: requests and limits.
type AgentContainer struct {
	Name string `json:"name"`
	// Kind is where the pod's spec declares it: "" for spec.containers,
	// "init" for a classic init container, "sidecar" for an init container
	// with restartPolicy Always (ContainerRegular, ContainerInit,
	// ContainerSidecar). Older agents send only spec.containers.
	Kind string `json:"kind,omitempty"`
	// Position is its place in its list of the pod's spec, counted from 1:
	// spec.initContainers for the init and sidecar kinds, spec.containers
	// for the others. 0 (absent) when not known: older agents do not send
	// it.
	Position      int     `json:"position,omitempty"`
	ID            string  `json:"id,omitempty"` // runtime container id (64 hex)
	Image         string  `json:"image,omitempty"`
	CPURequest    float64 `json:"cpuRequest"` // cores
	CPULimit      float64 `json:"cpuLimit,omitempty"`
	MemoryRequest int64   `json:"memoryRequest"` // bytes
	MemoryLimit   int64   `json:"memoryLimit,omitempty"`
	GPURequest    int     `json:"gpuRequest,omitempty"`
}

// AgentInterval is one drain interval [Start, End) of a node.
type AgentInterval struct {
	Start      time.Time    `json:"start"`
	End        time.Time    `json:"end"`
	Containers []AgentUsage `json:"containers"`
}

// AgentUsage is one container's exact usage over an interval, from cgroup
// counters, and its CPU profile from eBPF samples. Counters give the totals;
// samples only split them by function.
type AgentUsage struct {
	PodUID         string  `json:"podUID"` // "" for host processes and the kernel
	Container      string  `json:"container"`
	CPUCoreSeconds float64 `json:"cpuCoreSeconds"`
	// Seconds is how long the container ran within the interval (the
	// interval's length when it ran throughout; less when it started or
	// stopped inside it). Averages are over this time; attribution charges
	// requests for it. 0 means "the whole interval" (older agents).
	Seconds          float64 `json:"seconds,omitempty"`
	MemoryWorkingSet int64   `json:"memoryWorkingSetAvg"` // bytes, average over the interval
	MemoryWorkingMax int64   `json:"memoryWorkingSetMax"` // bytes, peak
	MemoryRSSMax     int64   `json:"memoryRSSMax,omitempty"`
	OOMKills         int     `json:"oomKills,omitempty"`
	Throttled        float64 `json:"cpuThrottledSeconds,omitempty"`
	// Profile is a gzip-compressed pprof profile (sample types samples/count
	// and cpu/nanoseconds; labels namespace, pod, container, node).
	Profile []byte `json:"profile,omitempty"`
}

// AgentDropCounter reports what the agent lost, so the backend can show it.
type AgentDropCounter struct {
	Samples   uint64 `json:"samples"`   // stack-id errors and full maps in the kernel
	Intervals uint64 `json:"intervals"` // buffered intervals dropped while the backend was away
}

// AgentIngest is what the backend stores from one agent batch, decoded and
// validated: the node, its pods, and per interval the usage records and
// function samples; Stacks holds every stack the samples reference.
type AgentIngest struct {
	Cluster   ClusterID
	Node      Node
	Pods      []Pod
	Intervals []AgentIngestInterval
	Stacks    []Stack
}

// AgentIngestInterval is one interval of an AgentIngest. Its samples are
// added to the hour × container × stack cells once: an interval the agent
// sends again (it missed the first answer) updates usage but adds nothing.
type AgentIngestInterval struct {
	Window  Window
	Usage   []ContainerUsage
	Samples []FunctionSample
}
