package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// nodeGroupLabels name a node's group, by provisioner, in order of preference.
var nodeGroupLabels = []string{
	"karpenter.sh/nodepool", "karpenter.sh/provisioner-name", "eks.amazonaws.com/nodegroup",
	"cloud.google.com/gke-nodepool", "kubernetes.azure.com/agentpool", "kops.k8s.io/instancegroup",
}

func nodeGroupOf(n *tally.Node) string {
	for _, l := range nodeGroupLabels {
		if v := n.Labels[l]; v != "" {
			return v
		}
	}
	return "default"
}

// instanceFamily returns the family of an instance type: m5.large → m5,
// n2-standard-4 → n2.
func instanceFamily(t string) string {
	if i := strings.IndexByte(t, '.'); i > 0 {
		return t[:i]
	}
	if i := strings.IndexByte(t, '-'); i > 0 {
		return t[:i]
	}
	return t
}

type groupKey struct {
	cluster tally.ClusterID
	name    string
}

// planNodes packs each node group's pods, at their recommended requests, onto
// the instance types of the group's families priced from the price catalog
// (on-demand, and spot where the group runs spot), telling PlanNodes where
// each pod runs now so that a plan never costs more than nodes that hold it.
// "Now" is the end of the window, or the end of the cluster's usage
// (observed) when that comes first: nodes and pods still running when the
// agents last reported are the ones to plan for.
func planNodes(ctx context.Context, db *postgres.DB, o rightsizeOptions, pods []tally.Pod, results []rightsizing.ContainerResult,
	observed map[tally.ClusterID]tally.Window) ([]rightsizing.NodePlan, error) {
	nodes, err := db.Nodes(ctx, o.Cluster, o.Window)
	if err != nil {
		return nil, err
	}
	clusters, err := db.Clusters(ctx)
	if err != nil {
		return nil, err
	}
	clusterOf := map[tally.ClusterID]tally.Cluster{}
	for _, c := range clusters {
		clusterOf[c.ID] = c
	}
	recommended := map[containerKey]rightsizing.Resources{}
	for _, r := range results {
		recommended[containerKey{r.Workload, r.Container}] = r.Recommendation.Resources
	}
	// Nodes and pods still running at the end of the window or of the usage.
	alive := func(cluster tally.ClusterID, to time.Time) bool {
		end := o.Window.End
		if span, ok := observed[cluster]; ok && span.End.Before(end) {
			end = span.End
		}
		return to.IsZero() || !to.Before(end)
	}
	// The span each cluster's groups are priced over when their pods come
	// and go: the window, within the cluster's usage.
	over := func(cluster tally.ClusterID) tally.Window {
		w := o.Window
		if span, ok := observed[cluster]; ok {
			w = w.Intersect(span)
		}
		return w
	}
	groups := map[groupKey]*rightsizing.NodeGroup{}
	nodeGroup := map[string]groupKey{} // cluster/node name → group, of the nodes alive
	everyNode := map[string]groupKey{} // likewise of every node in the window
	used := map[groupKey][]rightsizing.NodeHours{}
	gone := map[groupKey]*rightsizing.NodeGroup{} // groups none of whose nodes runs at the end
	allocatable, goneAllocatable := map[string][2]float64{}, map[string][2]float64{}
	systems := map[*rightsizing.NodeGroup]*groupOS{}
	var order []groupKey
	for i := range nodes {
		n := &nodes[i]
		k := groupKey{n.Cluster, nodeGroupOf(n)}
		everyNode[string(n.Cluster)+"/"+n.Name] = k
		purchase := tally.PurchaseOnDemand
		if n.Lifecycle == tally.LifecycleSpot {
			purchase = tally.PurchaseSpot
		}
		if w := over(n.Cluster); w.Duration() > 0 {
			life := n.Lifetime(w.End)
			from, to := maxTime(life.Start, w.Start), minTime(life.End, w.End)
			if to.After(from) {
				addHours(used, k, n.InstanceType, purchase, to.Sub(from).Hours())
			}
		}
		if !alive(n.Cluster, n.ValidTo) {
			// A group none of whose nodes runs at the end (an autoscaled
			// batch pool between runs) is planned when its batch pods ran.
			if gone[k] == nil {
				gone[k] = &rightsizing.NodeGroup{Cluster: n.Cluster, Name: k.name, Arch: n.Labels["kubernetes.io/arch"], Spot: rightsizing.SpotNever}
			}
			describeNode(gone[k], n)
			systemOf(systems, gone[k]).add(n)
			if _, ok := goneAllocatable[n.InstanceType]; !ok && n.AllocatableCPU > 0 && n.AllocatableMemory > 0 {
				goneAllocatable[n.InstanceType] = [2]float64{n.AllocatableCPU, float64(n.AllocatableMemory)}
			}
			continue
		}
		g := groups[k]
		if g == nil {
			g = &rightsizing.NodeGroup{Cluster: n.Cluster, Name: k.name, Arch: n.Labels["kubernetes.io/arch"], Spot: rightsizing.SpotNever}
			groups[k] = g
			order = append(order, k)
		}
		nodeGroup[string(n.Cluster)+"/"+n.Name] = k
		describeNode(g, n)
		systemOf(systems, g).add(n)
		addNode(&g.Current, n.InstanceType, purchase, n.Name)
		noteZone(g, n.InstanceType, purchase, n.Zone)
		if n.AllocatableCPU > 0 && n.AllocatableMemory > 0 {
			allocatable[n.InstanceType] = [2]float64{n.AllocatableCPU, float64(n.AllocatableMemory)}
		}
	}
	for t, a := range goneAllocatable {
		if _, ok := allocatable[t]; !ok {
			allocatable[t] = a
		}
	}
	// Pod requests by group; DaemonSet pods become per-node overhead; the
	// pods of Jobs and CronJobs that ran in the window, at their peak.
	podsOf := map[groupKey][]rightsizing.PodRequest{}
	topo := map[groupKey]*groupTopology{}
	batchOf := map[groupKey][]rightsizing.BatchPod{}
	dsPerNode := map[string][2]float64{}
	type dsKey struct{ node, daemonSet string }
	goneDS := map[dsKey][2]float64{}
	ofNamespace := map[groupKey]bool{} // with --namespace, the groups its pods ran on: the ones planned
	for i := range pods {
		p := &pods[i]
		if k, ok := everyNode[string(p.Ref.Cluster)+"/"+p.NodeName]; ok && p.Ref.Namespace == o.Namespace {
			ofNamespace[k] = true
		}
		cpu, mem := podRequests(p, recommended)
		if kind := p.Workload().Kind; kind == tally.KindJob || kind == tally.KindCronJob {
			// A job's pods come and go: the group must hold them when they
			// run, not only when one happens to run at the end.
			if k, ok := everyNode[string(p.Ref.Cluster)+"/"+p.NodeName]; ok {
				batchOf[k] = append(batchOf[k], rightsizing.BatchPod{PodRequest: rightsizing.PodRequest{Name: p.Ref.Namespace + "/" + p.Ref.Name, CPU: cpu, Memory: mem, Node: p.NodeName},
					From: p.ValidFrom, To: p.ValidTo})
			}
			continue
		}
		if k, ok := everyNode[string(p.Ref.Cluster)+"/"+p.NodeName]; ok && groups[k] == nil && gone[k] != nil && p.OwnerKind == tally.KindDaemonSet {
			// One pod of each DaemonSet runs on a node at a time: its
			// largest request is the node's overhead.
			key := dsKey{string(p.Ref.Cluster) + "/" + p.NodeName, p.OwnerName}
			d := goneDS[key]
			goneDS[key] = [2]float64{max(d[0], cpu), max(d[1], float64(mem))}
			continue
		}
		k, ok := nodeGroup[string(p.Ref.Cluster)+"/"+p.NodeName]
		if !ok || !alive(p.Ref.Cluster, p.ValidTo) {
			continue
		}
		if p.OwnerKind == tally.KindDaemonSet {
			key := string(p.Ref.Cluster) + "/" + p.NodeName
			d := dsPerNode[key]
			dsPerNode[key] = [2]float64{d[0] + cpu, d[1] + float64(mem)}
			continue
		}
		req := rightsizing.PodRequest{Name: p.Ref.Namespace + "/" + p.Ref.Name, CPU: cpu, Memory: mem, Node: p.NodeName}
		if topo[k] == nil {
			topo[k] = &groupTopology{}
		}
		if dropped := podTopology(&req, p, topo[k]); len(dropped) > 0 {
			o.Log.log.Warn("pod scheduling constraints ignored", "cluster", p.Ref.Cluster, "namespace", p.Ref.Namespace, "pod", p.Ref.Name, "problems", dropped)
		}
		podsOf[k] = append(podsOf[k], req)
	}
	var goneKeys []groupKey
	for k := range batchOf {
		if groups[k] == nil && gone[k] != nil {
			goneKeys = append(goneKeys, k)
		}
	}
	slices.SortFunc(goneKeys, func(a, b groupKey) int {
		return strings.Compare(string(a.cluster)+"/"+a.name, string(b.cluster)+"/"+b.name)
	})
	for _, k := range goneKeys {
		groups[k] = gone[k]
		order = append(order, k)
	}
	for k, d := range goneDS {
		node := dsPerNode[k.node]
		dsPerNode[k.node] = [2]float64{node[0] + d[0], node[1] + d[1]}
	}
	for node, d := range dsPerNode {
		k, ok := nodeGroup[node]
		if !ok {
			k = everyNode[node]
		}
		g := groups[k]
		if g == nil {
			continue // a node of a group that is not planned
		}
		g.DaemonSetCPU = max(g.DaemonSetCPU, d[0])
		g.DaemonSetMemory = max(g.DaemonSetMemory, int64(d[1]))
	}
	if err := o.MinNodes.unused(order); err != nil {
		return nil, err
	}
	var plans []rightsizing.NodePlan
	committed := newCommittedPlanner(db, o, nodes)
	if err := committed.load(ctx); err != nil {
		return nil, err
	}
	for _, k := range order {
		if o.Namespace != "" && !ofNamespace[k] {
			continue
		}
		g := groups[k]
		var gt groupTopology
		if t := topo[k]; t != nil {
			gt = *t
		}
		slices.Sort(g.Zones)
		setMinNodes(g, k, o.MinNodes, gt)
		os := systems[g]
		if os.skip != "" {
			o.Log.log.Warn("node group skipped: "+os.skip, "cluster", k.cluster, "group", k.name)
			continue
		}
		c := clusterOf[k.cluster]
		catalog, err := instanceCatalog(ctx, db, c, allocatable, g.Zones, os.os)
		if err != nil {
			return nil, err
		}
		if len(catalog) == 0 {
			o.Log.log.Warn(fmt.Sprintf("node group skipped: the price catalog has no %s prices in %s (%s)", os.os, c.Region, syncCommand(c.Provider, os.os)),
				"cluster", k.cluster, "group", k.name)
			continue
		}
		if !priceCurrent(g, catalog) || !priceUsed(used[k], catalog) {
			o.Log.log.Warn("node group skipped: the price catalog lacks a current instance type", "cluster", k.cluster, "group", k.name, "os", os.os)
			continue
		}
		var plan rightsizing.NodePlan
		if b := batchOf[k]; len(b) > 0 {
			// Its nodes come and go with its Jobs' and CronJobs' pods: priced
			// over the history, not as the nodes running at its end.
			plan, err = committed.planBatch(ctx, k, *g, podsOf[k], b, used[k], over(k.cluster), catalog)
		} else {
			plan, err = committed.plan(ctx, k, *g, podsOf[k], catalog)
		}
		if err != nil {
			o.Log.log.Warn("node group skipped", "cluster", k.cluster, "group", k.name, "err", err)
			continue
		}
		plans = append(plans, plan)
	}
	return plans, nil
}

// podRequests returns what pod p requests of a node, its containers at
// their recommended requests (the others at their current ones): as the
// scheduler counts it, the larger of its containers' and native sidecars'
// sum and its largest classic init container's request (plus the sidecars,
// which may have started before it; the spec's order is not stored).
func podRequests(p *tally.Pod, recommended map[containerKey]rightsizing.Resources) (float64, int64) {
	var cpu, sidecarCPU, initCPU float64
	var mem, sidecarMem, initMem int64
	for _, c := range p.Containers {
		r, ok := recommended[containerKey{p.Workload(), c.Name}]
		if !ok {
			r = rightsizing.Resources{CPURequest: c.CPURequest, MemoryRequest: c.MemoryRequest}
		}
		switch c.Kind {
		case tally.ContainerInit:
			initCPU, initMem = max(initCPU, r.CPURequest), max(initMem, r.MemoryRequest)
		case tally.ContainerSidecar:
			sidecarCPU, sidecarMem = sidecarCPU+r.CPURequest, sidecarMem+r.MemoryRequest
		default:
			cpu, mem = cpu+r.CPURequest, mem+r.MemoryRequest
		}
	}
	return max(cpu+sidecarCPU, initCPU+sidecarCPU), max(mem+sidecarMem, initMem+sidecarMem)
}

// describeNode adds node n's instance family and purchase option to what
// group g may run.
func describeNode(g *rightsizing.NodeGroup, n *tally.Node) {
	if f := instanceFamily(n.InstanceType); !slices.Contains(g.Families, f) {
		g.Families = append(g.Families, f)
	}
	if n.Lifecycle == tally.LifecycleSpot {
		g.Spot = rightsizing.SpotAllowed
	}
}

// addNode counts the node called name among its type and purchase option.
func addNode(cs *[]rightsizing.NodeCount, typ, purchase, name string) {
	for i := range *cs {
		if c := &(*cs)[i]; c.Type == typ && c.Purchase == purchase {
			c.Count++
			c.Names = append(c.Names, name)
			return
		}
	}
	*cs = append(*cs, rightsizing.NodeCount{Type: typ, Purchase: purchase, Count: 1, Names: []string{name}})
}

// noteZone records the zone of the node addNode counted last (its
// NodeCount's Zones follow its Names) and adds it to the group's zones.
func noteZone(g *rightsizing.NodeGroup, typ, purchase, zone string) {
	for i := range g.Current {
		if c := &g.Current[i]; c.Type == typ && c.Purchase == purchase {
			c.Zones = append(c.Zones, zone)
		}
	}
	if zone != "" && !slices.Contains(g.Zones, zone) {
		g.Zones = append(g.Zones, zone)
	}
}

// addHours adds node-hours of a type and purchase option to group k's.
func addHours(used map[groupKey][]rightsizing.NodeHours, k groupKey, typ, purchase string, hours float64) {
	for i := range used[k] {
		if u := &used[k][i]; u.Type == typ && u.Purchase == purchase {
			u.Hours += hours
			return
		}
	}
	used[k] = append(used[k], rightsizing.NodeHours{Type: typ, Purchase: purchase, Hours: hours})
}

// priceUsed sets the hourly price of the node-hours; false if one is missing.
func priceUsed(used []rightsizing.NodeHours, catalog []rightsizing.InstanceType) bool {
	for i := range used {
		u := &used[i]
		g := rightsizing.NodeGroup{Current: []rightsizing.NodeCount{{Type: u.Type, Purchase: u.Purchase}}}
		if !priceCurrent(&g, catalog) {
			return false
		}
		u.Hourly = g.Current[0].Hourly
	}
	return true
}

// priceCurrent sets the hourly price of the group's current nodes; false if one is missing.
func priceCurrent(g *rightsizing.NodeGroup, catalog []rightsizing.InstanceType) bool {
	for i := range g.Current {
		n := &g.Current[i]
		found := false
		for _, t := range catalog {
			if t.Name != n.Type {
				continue
			}
			for _, o := range t.Offers {
				if o.Purchase == n.Purchase {
					n.Hourly, found = o.Hourly, true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// groupOS is the operating system of the price catalog a node group's
// nodes are priced as (tally.Node.CatalogOS), or why the group cannot be
// priced: its nodes run several, or one the catalog has no prices of.
type groupOS struct {
	os   string
	skip string
}

// systemOf returns group g's operating system, adding it to systems.
func systemOf(systems map[*rightsizing.NodeGroup]*groupOS, g *rightsizing.NodeGroup) *groupOS {
	if systems[g] == nil {
		systems[g] = &groupOS{}
	}
	return systems[g]
}

// add adds node n's operating system to the group's.
func (s *groupOS) add(n *tally.Node) {
	os, priced := n.CatalogOS()
	switch {
	case s.skip != "":
	case !priced:
		s.skip = fmt.Sprintf("the price catalog has no prices of its platform (node %s runs %s)", n.Name, n.UsageOperation)
	case s.os != "" && s.os != os:
		s.skip = fmt.Sprintf("its nodes run different operating systems (%s, %s)", s.os, os)
	default:
		s.os = os
	}
}

// syncCommand is the command that stores a provider's prices of operating
// system os.
func syncCommand(provider, os string) string {
	if provider == tally.ProviderAWS {
		return "tally pricing sync aws --os " + os
	}
	return "tally pricing sync " + provider
}

// instanceCatalog builds the candidate types of a cluster's provider and
// region from the stored prices of operating system os, for a node group
// running in zones: on-demand and spot offers, allocatable capacity as
// observed on the cluster's nodes or estimated. A spot offer is the mean of the zones' spot
// prices (AWS prices spot per zone), each zone without one of its own at
// the region's (for AWS, the mean over all its zones); the region's when
// zones is empty. The plan keeps the group's zones, so current and planned
// nodes are priced alike.
func instanceCatalog(ctx context.Context, db *postgres.DB, c tally.Cluster, observed map[string][2]float64, zones []string, os string) ([]rightsizing.InstanceType, error) {
	prices, err := db.Prices(ctx, postgres.PriceFilter{Provider: c.Provider, Region: c.Region, Zones: len(zones) > 0})
	if err != nil {
		return nil, err
	}
	if prices, err = spotInZones(prices, zones); err != nil {
		return nil, fmt.Errorf("spot prices of %s in %v: %w", c.Region, zones, err)
	}
	byType := map[string]*rightsizing.InstanceType{}
	var names []string
	for _, p := range prices {
		if p.PurchaseOption != tally.PurchaseOnDemand && p.PurchaseOption != tally.PurchaseSpot {
			continue
		}
		if p.GPUs > 0 || p.CatalogOS() != os {
			continue
		}
		t := byType[p.InstanceType]
		if t == nil {
			cpu, mem := rightsizing.EstimateAllocatable(p.VCPUs, p.MemoryBytes)
			if o, ok := observed[p.InstanceType]; ok {
				cpu, mem = o[0], int64(o[1])
			}
			t = &rightsizing.InstanceType{Name: p.InstanceType, Family: instanceFamily(p.InstanceType), Arch: archOf(p.InstanceType), CPU: cpu, Memory: mem}
			byType[p.InstanceType] = t
			names = append(names, p.InstanceType)
		}
		t.Offers = append(t.Offers, rightsizing.Offer{Purchase: p.PurchaseOption, Hourly: p.HourlyPrice})
	}
	slices.Sort(names)
	out := make([]rightsizing.InstanceType, 0, len(names))
	for _, n := range names {
		out = append(out, *byType[n])
	}
	return out, nil
}

// spotInZones returns prices with the zones' prices (of AWS spot) folded
// into their region's: each region-wide spot price becomes the mean over
// zones of the zone's price, or the region's where the zone has none.
// Prices of one zone are dropped.
func spotInZones(prices []tally.InstancePrice, zones []string) ([]tally.InstancePrice, error) {
	type key struct{ itype, option, os, zone string }
	byZone := map[key]tally.Money{}
	for _, p := range prices {
		if p.Zone != "" {
			byZone[key{p.InstanceType, p.PurchaseOption, p.OperatingSystem, p.Zone}] = p.HourlyPrice
		}
	}
	var out []tally.InstancePrice
	for _, p := range prices {
		if p.Zone != "" {
			continue
		}
		if p.PurchaseOption == tally.PurchaseSpot && len(zones) > 0 && len(byZone) > 0 {
			var sum tally.Money
			for _, z := range zones {
				price, ok := byZone[key{p.InstanceType, p.PurchaseOption, p.OperatingSystem, z}]
				if !ok {
					price = p.HourlyPrice
				}
				var err error
				if sum, err = sum.Add(price); err != nil {
					return nil, fmt.Errorf("%s: %w", p.InstanceType, err)
				}
			}
			mean, err := sum.MulRatio(1, uint64(len(zones)))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.InstanceType, err)
			}
			p.HourlyPrice = mean
		}
		out = append(out, p)
	}
	return out, nil
}

// archOf guesses an instance type's architecture from AWS and GCP naming
// (Graviton families end in g: m6g, c7gn; GCP Arm is t2a, c4a).
func archOf(t string) string {
	f := instanceFamily(t)
	if f == "t2a" || f == "c4a" || (len(f) >= 3 && strings.ContainsRune(f[2:], 'g') && f[0] != 'g') {
		return "arm64"
	}
	return "amd64"
}
