package tally

// Cost kinds of an allocation.
const (
	CostCPU          = "cpu"
	CostRAM          = "ram"
	CostGPU          = "gpu"
	CostPV           = "pv"
	CostNetwork      = "network"
	CostLoadBalancer = "load-balancer"
	CostShared       = "shared"   // a cluster's shared costs (control plane, NAT), on __shared__
	CostExternal     = "external" // billed outside Kubernetes (managed services, storage, …)
	CostOther        = "other"    // unowned costs on __unallocated__ (unused commitments, unowned resources, …)
	// CostPeriod is an unowned charge for a whole billing period or any span
	// longer than a day (tax, support, a monthly fee), on __unallocated__.
	// Spread evenly over its span, it says nothing about any one day, and it
	// posts only when the month closes: reports show it as other cost but
	// leave it out of day-to-day comparisons.
	CostPeriod = "period"
)

// Allocation is cost assigned to one container (or to __idle__, __shared__,
// __unallocated__) for one hour and one cost kind. Idle rows carry the kind
// of the pool they are idle in (cpu, ram, gpu). For every day and billing
// account, Σ EffectiveCost over allocations equals Σ EffectiveCost over the bill.
type Allocation struct {
	BillingAccountID string    `json:"billingAccountId"`
	Hour             Hour      `json:"hour"`
	Cluster          ClusterID `json:"cluster"`
	Node             string    `json:"node"`
	Namespace        string    `json:"namespace"`
	WorkloadKind     string    `json:"workloadKind"`
	Workload         string    `json:"workload"`
	PodUID           string    `json:"podUid"`
	Pod              string    `json:"pod"`
	Container        string    `json:"container"`
	CostKind         string    `json:"costKind"`
	EffectiveCost    Money     `json:"effectiveCost"`
	BilledCost       Money     `json:"billedCost"`
	ListCost         Money     `json:"listCost"`
	Estimated        bool      `json:"estimated"`            // from the price catalog; replaced when billing lands
	Service          string    `json:"service,omitempty"`    // billed service, for costs outside nodes
	ResourceID       string    `json:"resourceId,omitempty"` // billed resource, for costs outside nodes
	// Labels are the pod's labels, or the billed resource's tags.
	Labels map[string]string `json:"labels,omitempty"`
	// Ran is when within Hour a container's allocation ran (its pod and
	// node both alive), or a node's idle its node: set only when that is
	// less than the whole hour. Zero means the whole hour, and for the
	// rows of costs outside nodes.
	Ran Window `json:"ran,omitzero"`

	CPUCoreHours        float64 `json:"cpuCoreHours"`
	CPURequestCoreHours float64 `json:"cpuRequestCoreHours"`
	CPUUsageCoreHours   float64 `json:"cpuUsageCoreHours"`
	RAMByteHours        float64 `json:"ramByteHours"`
	RAMRequestByteHours float64 `json:"ramRequestByteHours"`
	RAMUsageByteHours   float64 `json:"ramUsageByteHours"`
	GPUHours            float64 `json:"gpuHours"`
}
