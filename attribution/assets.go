package attribution

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Asset types, as OpenCost names them.
const (
	AssetNode              = "Node"
	AssetDisk              = "Disk"
	AssetLoadBalancer      = "LoadBalancer"
	AssetNetwork           = "Network"
	AssetClusterManagement = "ClusterManagement"
	AssetShared            = "Shared" // a cluster's shared cost that is none of the others (a NAT gateway, …)
)

// Parts of a node's pool cost, by who it went to.
const (
	PartUser   = "user"   // containers outside kube-system
	PartSystem = "system" // containers of kube-system
	PartIdle   = "idle"   // the node's idle
)

// AssetQuery asks for the costs of what the clusters were billed for (their
// nodes, disks, load balancers, control planes), per step, amortized as the
// allocations are.
type AssetQuery struct {
	Window tally.Window
	Step   time.Duration // 0: one step over the whole window
}

// Steps returns the query's steps.
func (q *AssetQuery) Steps() []tally.Window {
	return (&Query{Window: q.Window, Step: q.Step}).Steps()
}

// Validate checks the query before it reaches a store: assets are read from
// the hourly allocations, so a window covers at most MaxHourlyWindow, and
// steps are whole hours, at most MaxSteps of them.
func (q *AssetQuery) Validate() error {
	if q.Window.End.Sub(q.Window.Start) > MaxHourlyWindow {
		return tally.Errorf(tally.EInvalid, "window %v: assets are read from the hourly allocations and cover at most %d days; narrow the window",
			q.Window, MaxHourlyWindow/(24*time.Hour))
	}
	return (&Query{Window: q.Window, Step: q.Step}).validate()
}

// AssetCost is what a store returns for an AssetQuery: the allocations of
// one cost kind of one billed asset in one step, summed. Node costs (cpu,
// ram, gpu) are those of the node's allocations, idle included; other costs
// are those a cluster was billed for outside its nodes (volumes, load
// balancers, network, its shared costs such as the control-plane fee).
type AssetCost struct {
	Start      time.Time // the step's start
	Account    string    // billing account
	Cluster    string
	Provider   string // the cluster's provider (aws, gcp)
	Node       string // node costs: the node's name ("" for other costs)
	ResourceID string // other costs: the billed resource ("" when the bill names none)
	Service    string // other costs: the billed service
	Kind       string // tally.Cost… of the allocations
	Part       string // node costs: PartUser, PartSystem or PartIdle
	// Labels are the billed resource's tags (other costs).
	Labels    map[string]string
	Cost      tally.Money // amortized (EffectiveCost)
	List      tally.Money // at the public on-demand price (ListCost)
	Estimated bool
	Ran       tally.Window // from the first hour with the cost to the end of the last
}

// AssetPool is a node's CPU, RAM or GPU cost in a step, and the parts of it
// that were idle and went to kube-system.
type AssetPool struct {
	Cost   tally.Money // amortized
	List   tally.Money // on-demand
	Idle   tally.Money // amortized
	System tally.Money // amortized
}

// Asset is one billed asset's cost in one step (or, aggregated, several
// assets' summed).
type Asset struct {
	Type       string // AssetNode, AssetDisk, …; "" for an aggregate of several types
	Category   string // Compute, Storage, Network, Management, Shared
	Provider   string // aws, gcp
	Account    string
	Project    string // GCP: the project the bill's lines of ProviderID name (their sub-account); "" unknown
	Cluster    string
	Name       string
	ProviderID string            // the billed resource: a node's instance, a volume, a load balancer
	Labels     map[string]string // a node's labels, or the billed resource's tags
	Window     tally.Window      // the step
	Ran        tally.Window      // when it ran within the step
	// Node
	NodeType     string  // instance type
	Preemptible  float64 // the share of its time a node ran as spot (preemptible)
	CPUCoreHours float64 // capacity, core-hours
	RAMByteHours float64
	GPUHours     float64
	CPU, RAM     AssetPool
	GPU          AssetPool
	// Disk
	VolumeName, ClaimName, ClaimNamespace string
	ByteHours                             float64 // the storage the bill charged, set by the caller (BuildAssets does not know it)
	// Total is what the asset cost in the step: a node's pools, or the
	// billed resource's cost.
	Total     tally.Money
	List      tally.Money // Total at on-demand prices
	Estimated bool
	// ranHours are the hours the assets merged into this one ran, each
	// its own (Ran of an aggregate spans them all): Preemptible's weights.
	ranHours float64
}

// BuildAssets makes the assets of q from a store's costs and the nodes alive
// in q's window (for their properties and capacity). Node assets' totals
// are their allocations' (idle included), so that over a window they sum to
// what the allocation API gives the nodes. Assets are sorted by step, type,
// cluster and name.
func BuildAssets(q AssetQuery, costs []AssetCost, nodes []tally.Node) ([]Asset, error) {
	steps := q.Steps()
	stepOf := func(t time.Time) (int, error) {
		i, ok := slices.BinarySearchFunc(steps, t, func(w tally.Window, t time.Time) int { return w.Start.Compare(t) })
		if !ok {
			return 0, fmt.Errorf("build assets: cost of step %v is in none of the steps of %v", t, q.Window)
		}
		return i, nil
	}
	type nodeKey struct{ cluster, name string }
	byNode := map[nodeKey][]*tally.Node{}
	for i := range nodes {
		n := &nodes[i]
		k := nodeKey{string(n.Cluster), n.Name}
		byNode[k] = append(byNode[k], n)
	}
	type assetKey struct {
		step                                            int
		account, cluster, node, kind, resource, service string
	}
	assets := map[assetKey]*Asset{}
	var order []assetKey
	for i := range costs {
		c := &costs[i]
		step, err := stepOf(c.Start)
		if err != nil {
			return nil, err
		}
		k := assetKey{step: step, account: c.Account, cluster: c.Cluster, node: c.Node}
		if c.Node == "" {
			k.kind, k.resource, k.service = assetType(c), c.ResourceID, c.Service
		}
		a := assets[k]
		if a == nil {
			a = newAsset(c, steps[step])
			if c.Node != "" {
				a.setNode(byNode[nodeKey{c.Cluster, c.Node}])
			}
			assets[k] = a
			order = append(order, k)
		}
		if err := a.add(c); err != nil {
			return nil, fmt.Errorf("build assets: %s %s: %w", a.Type, a.Name, err)
		}
	}
	out := make([]Asset, 0, len(order))
	for _, k := range order {
		a := assets[k]
		if a.Type == AssetNode && a.Ran.End.IsZero() {
			a.Ran = a.Window
		}
		a.ranHours = a.Ran.Duration().Hours()
		out = append(out, *a)
	}
	slices.SortStableFunc(out, func(a, b Asset) int {
		return cmp.Or(a.Window.Start.Compare(b.Window.Start), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Cluster, b.Cluster),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.ProviderID, b.ProviderID))
	})
	return out, nil
}

// assetType is the type of the asset a cost is of.
func assetType(c *AssetCost) string {
	switch c.Kind {
	case tally.CostCPU, tally.CostRAM, tally.CostGPU:
		if c.Node != "" {
			return AssetNode
		}
	case tally.CostPV:
		return AssetDisk
	case tally.CostLoadBalancer:
		return AssetLoadBalancer
	case tally.CostNetwork:
		return AssetNetwork
	}
	// A cluster's shared cost: its control plane, or a resource serving it.
	id, svc := strings.ToLower(c.ResourceID), strings.ToLower(c.Service)
	switch {
	case strings.Contains(id, ":cluster/") || strings.Contains(id, "/clusters/") || strings.Contains(svc, "kubernetes"):
		return AssetClusterManagement
	case strings.HasPrefix(id, "vol-") || strings.Contains(id, ":volume/") || strings.Contains(id, "/disks/"):
		return AssetDisk
	case strings.Contains(id, "loadbalancer") || strings.Contains(svc, "load balanc"):
		return AssetLoadBalancer
	case strings.Contains(id, "natgateway") || strings.Contains(svc, "network"):
		return AssetNetwork
	}
	return AssetShared
}

// assetCategory is OpenCost's category of an asset type.
func assetCategory(typ string) string {
	switch typ {
	case AssetNode:
		return "Compute"
	case AssetDisk:
		return "Storage"
	case AssetLoadBalancer, AssetNetwork:
		return "Network"
	case AssetClusterManagement:
		return "Management"
	}
	return "Shared"
}

// Tag keys (as normalizeKey folds them) that name a disk's or load
// balancer's Kubernetes objects.
var (
	pvNameTags       = []string{"kubernetes.io/created-for/pv/name"}
	pvcNameTags      = []string{"kubernetes.io/created-for/pvc/name"}
	pvcNamespaceTags = []string{"kubernetes.io/created-for/pvc/namespace"}
	serviceNameTags  = []string{"kubernetes.io/service-name", "service.k8s.aws/stack"}
)

func newAsset(c *AssetCost, step tally.Window) *Asset {
	a := &Asset{Type: AssetNode, Provider: providerName(c.Provider), Account: c.Account, Cluster: c.Cluster, Name: c.Node, Window: step}
	if c.Node == "" {
		a.Type, a.ProviderID, a.Labels = assetType(c), c.ResourceID, c.Labels
		tags := normalizeTags(c.Labels)
		a.Name = cmp.Or(c.ResourceID, c.Service, a.Type)
		switch a.Type {
		case AssetDisk:
			a.VolumeName = firstTag(tags, pvNameTags)
			a.ClaimName, a.ClaimNamespace = firstTag(tags, pvcNameTags), firstTag(tags, pvcNamespaceTags)
			a.Name = cmp.Or(a.VolumeName, a.Name)
		case AssetLoadBalancer:
			a.Name = cmp.Or(firstTag(tags, serviceNameTags), a.Name)
		case AssetClusterManagement:
			a.Name = cmp.Or(c.ResourceID, c.Cluster)
		}
	}
	a.Category = assetCategory(a.Type)
	return a
}

// setNode sets a node asset's properties and capacity from the records of
// the node alive in its step (a node's name can be reused by another
// instance): the last record's properties, every record's capacity.
func (a *Asset) setNode(records []*tally.Node) {
	var spot time.Duration
	for _, n := range records {
		life := n.Lifetime(a.Window.End)
		ran := life.Intersect(a.Window)
		if !ran.End.After(ran.Start) {
			continue
		}
		hours := ran.Duration().Hours()
		a.CPUCoreHours += n.CPUCores * hours
		a.RAMByteHours += float64(n.MemoryBytes) * hours
		a.GPUHours += float64(n.GPUs) * hours
		if n.Lifecycle == tally.LifecycleSpot {
			spot += ran.Duration()
		}
		a.extend(ran)
		a.ProviderID = cmp.Or(n.InstanceID, n.ProviderID)
		a.NodeType, a.Labels = n.InstanceType, n.Labels
	}
	if a.Ran.End.After(a.Ran.Start) {
		a.Preemptible = float64(spot) / float64(a.Ran.Duration())
	}
}

// extend widens a's Ran to include w.
func (a *Asset) extend(w tally.Window) {
	if w.End.IsZero() {
		return
	}
	if a.Ran.End.IsZero() {
		a.Ran = w
		return
	}
	a.Ran = a.Ran.Span(w)
}

// add adds a cost of the asset.
func (a *Asset) add(c *AssetCost) error {
	var err error
	if a.Total, err = a.Total.Add(c.Cost); err != nil {
		return err
	}
	if a.List, err = a.List.Add(c.List); err != nil {
		return err
	}
	a.Estimated = a.Estimated || c.Estimated
	if a.Type != AssetNode {
		a.extend(c.Ran)
		return nil
	}
	if a.CPUCoreHours == 0 && a.RAMByteHours == 0 {
		a.extend(c.Ran) // billed where no record of the node says it ran
	}
	pool := &a.CPU
	switch c.Kind {
	case tally.CostRAM:
		pool = &a.RAM
	case tally.CostGPU:
		pool = &a.GPU
	}
	return pool.add(c)
}

func (p *AssetPool) add(c *AssetCost) error {
	var err error
	if p.Cost, err = p.Cost.Add(c.Cost); err != nil {
		return err
	}
	if p.List, err = p.List.Add(c.List); err != nil {
		return err
	}
	switch c.Part {
	case PartIdle:
		p.Idle, err = p.Idle.Add(c.Cost)
	case PartSystem:
		p.System, err = p.System.Add(c.Cost)
	}
	return err
}

// Merge adds o's costs and resources to a, as aggregating assets does:
// properties the two do not share are cleared, and assets of different
// types make an aggregate of none ("").
func (a *Asset) Merge(o *Asset) error {
	if ac, oc := a.Total.Currency(), o.Total.Currency(); ac != "" && oc != "" && ac != oc {
		return tally.Errorf(tally.EInvalid, "assets are in several currencies (%s, %s): filter by cluster so one currency remains", ac, oc)
	}
	a.Type, a.Category = same(a.Type, o.Type), same(a.Category, o.Category)
	a.Provider, a.Account, a.Cluster = same(a.Provider, o.Provider), same(a.Account, o.Account), same(a.Cluster, o.Cluster)
	a.Project = same(a.Project, o.Project)
	a.Name, a.ProviderID, a.NodeType = same(a.Name, o.Name), same(a.ProviderID, o.ProviderID), same(a.NodeType, o.NodeType)
	a.VolumeName, a.ClaimName, a.ClaimNamespace = same(a.VolumeName, o.VolumeName), same(a.ClaimName, o.ClaimName), same(a.ClaimNamespace, o.ClaimNamespace)
	labels := map[string]string{}
	for k, v := range a.Labels {
		if o.Labels[k] == v {
			labels[k] = v
		}
	}
	a.Labels = labels
	if hours := a.ranHours + o.ranHours; hours > 0 {
		a.Preemptible = (a.Preemptible*a.ranHours + o.Preemptible*o.ranHours) / hours
	}
	a.ranHours += o.ranHours
	a.extend(o.Ran)
	a.Window = a.Window.Span(o.Window)
	a.CPUCoreHours += o.CPUCoreHours
	a.RAMByteHours += o.RAMByteHours
	a.GPUHours += o.GPUHours
	a.ByteHours += o.ByteHours
	a.Estimated = a.Estimated || o.Estimated
	for _, m := range []struct{ dst, src *tally.Money }{
		{&a.Total, &o.Total}, {&a.List, &o.List},
		{&a.CPU.Cost, &o.CPU.Cost}, {&a.CPU.List, &o.CPU.List}, {&a.CPU.Idle, &o.CPU.Idle}, {&a.CPU.System, &o.CPU.System},
		{&a.RAM.Cost, &o.RAM.Cost}, {&a.RAM.List, &o.RAM.List}, {&a.RAM.Idle, &o.RAM.Idle}, {&a.RAM.System, &o.RAM.System},
		{&a.GPU.Cost, &o.GPU.Cost}, {&a.GPU.List, &o.GPU.List}, {&a.GPU.Idle, &o.GPU.Idle}, {&a.GPU.System, &o.GPU.System},
	} {
		v, err := m.dst.Add(*m.src)
		if err != nil {
			return fmt.Errorf("merge asset %s into %s: %w", o.Name, a.Name, err)
		}
		*m.dst = v
	}
	return nil
}

// same returns a when a and b are equal, else "".
func same(a, b string) string {
	if a == b {
		return a
	}
	return ""
}
