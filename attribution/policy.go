package attribution

import "fmt"

// ShareBasis says what a container's share of a node pool is proportional to.
type ShareBasis string

// Share bases.
const (
	// ShareMax weighs each container by max(request, usage): what it reserved
	// or what it used, whichever is larger (OpenCost's rule, normalized here).
	ShareMax ShareBasis = "max"
	// ShareRequest weighs by requests only.
	ShareRequest ShareBasis = "request"
	// ShareUsage weighs by measured usage only.
	ShareUsage ShareBasis = "usage"
)

// ParseShareBasis validates a share basis name.
func ParseShareBasis(s string) (ShareBasis, error) {
	switch b := ShareBasis(s); b {
	case ShareMax, ShareRequest, ShareUsage:
		return b, nil
	}
	return "", fmt.Errorf("share basis %q: want max, request or usage", s)
}

// UnitPrices are relative prices of a node's resources. Only their ratios
// matter: they split a node's real cost into CPU, RAM and GPU pools.
type UnitPrices struct {
	CPUCoreHour float64 // per vCPU-hour
	RAMGiBHour  float64 // per GiB-hour
	GPUHour     float64 // per GPU-hour
}

// DefaultUnitPrices are on-demand list prices of a general-purpose family
// (GCP N2 in us-central1: $0.031611 per vCPU-hour, $0.004237 per GiB-hour;
// $0.95 per GPU-hour), the ratios OpenCost also defaults to.
var DefaultUnitPrices = UnitPrices{CPUCoreHour: 0.031611, RAMGiBHour: 0.004237, GPUHour: 0.95}

// Policy configures attribution.
type Policy struct {
	// Share is what containers' pool shares are proportional to. Default ShareMax.
	Share ShareBasis
	// UnitPrices returns the relative unit prices of an instance type's
	// resources. Default: DefaultUnitPrices for every type.
	UnitPrices func(provider, region, instanceType string) UnitPrices
	// NamespaceTags are tag keys whose value names the namespace a billed
	// resource belongs to (volumes created for a PVC, tagged services).
	NamespaceTags []string
	// ServiceTags are tag keys whose value is "namespace/service" of the
	// Kubernetes Service a load balancer was created for.
	ServiceTags []string
	// ClusterTags are tag keys whose value names the cluster a resource
	// serves (its cost is shared by the cluster's namespaces). Keys ending in
	// "/" are prefixes followed by the cluster name (kubernetes.io/cluster/NAME).
	ClusterTags []string
	// OwnerTags are tag keys that make a cost owned (e.g. team): a line with
	// one is allocated as external to its tags, else it is __unallocated__.
	OwnerTags []string
}

// DefaultPolicy is what Tally uses unless configured otherwise.
func DefaultPolicy() Policy {
	return Policy{
		Share: ShareMax,
		NamespaceTags: []string{
			"kubernetes.io/created-for/pvc/namespace", // AWS EBS CSI, in-tree provisioners
			"kubernetes_namespace", "k8s-namespace", "k8s_namespace", "namespace",
		},
		ServiceTags: []string{"kubernetes.io/service-name", "service.k8s.aws/stack"},
		ClusterTags: []string{
			"eks:cluster-name", "aws:eks:cluster-name", "goog-k8s-cluster-name", "k8s-cluster", "kubernetes_cluster",
			"elbv2.k8s.aws/cluster", // AWS Load Balancer Controller
			"kubernetes.io/cluster/",
		},
		OwnerTags: []string{"team", "owner", "cost-center", "cost_center", "app", "application", "service", "project", "business_unit"},
	}
}

func (p *Policy) unitPrices(provider, region, instanceType string) UnitPrices {
	if p.UnitPrices == nil {
		return DefaultUnitPrices
	}
	return p.UnitPrices(provider, region, instanceType)
}
