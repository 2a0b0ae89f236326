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
	groups := map[groupKey]*rightsizing.NodeGroup{}
	nodeGroup := map[string]groupKey{} // cluster/node name → group, of the nodes alive
	everyNode := map[string]groupKey{} // likewise of every node in the window
	allocatable := map[string][2]float64{}
	var order []groupKey
	for i := range nodes {
		n := &nodes[i]
		everyNode[string(n.Cluster)+"/"+n.Name] = groupKey{n.Cluster, nodeGroupOf(n)}
		if !alive(n.Cluster, n.ValidTo) {
			continue
		}
		k := groupKey{n.Cluster, nodeGroupOf(n)}
		g := groups[k]
		if g == nil {
			g = &rightsizing.NodeGroup{Cluster: n.Cluster, Name: k.name, Arch: n.Labels["kubernetes.io/arch"], Spot: rightsizing.SpotNever}
			groups[k] = g
			order = append(order, k)
		}
		nodeGroup[string(n.Cluster)+"/"+n.Name] = k
		if f := instanceFamily(n.InstanceType); !slices.Contains(g.Families, f) {
			g.Families = append(g.Families, f)
		}
		purchase := tally.PurchaseOnDemand
		if n.Lifecycle == tally.LifecycleSpot {
			g.Spot, purchase = rightsizing.SpotAllowed, tally.PurchaseSpot
		}
		addNode(&g.Current, n.InstanceType, purchase, n.Name)
		if n.AllocatableCPU > 0 && n.AllocatableMemory > 0 {
			allocatable[n.InstanceType] = [2]float64{n.AllocatableCPU, float64(n.AllocatableMemory)}
		}
	}
	// Pod requests by group; DaemonSet pods become per-node overhead; the
	// pods of Jobs and CronJobs that ran in the window, at their peak.
	podsOf := map[groupKey][]rightsizing.PodRequest{}
	batchOf := map[groupKey][]batchPod{}
	dsPerNode := map[string][2]float64{}
	for i := range pods {
		p := &pods[i]
		cpu, mem := podRequests(p, recommended)
		if kind := p.Workload().Kind; kind == tally.KindJob || kind == tally.KindCronJob {
			// A job's pods come and go: the group must hold them when they
			// run, not only when one happens to run at the end.
			if k, ok := everyNode[string(p.Ref.Cluster)+"/"+p.NodeName]; ok && groups[k] != nil {
				batchOf[k] = append(batchOf[k], batchPod{rightsizing.PodRequest{Name: p.Ref.Namespace + "/" + p.Ref.Name, CPU: cpu, Memory: mem, Node: p.NodeName},
					p.ValidFrom, p.ValidTo})
			}
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
		podsOf[k] = append(podsOf[k], rightsizing.PodRequest{Name: p.Ref.Namespace + "/" + p.Ref.Name, CPU: cpu, Memory: mem, Node: p.NodeName})
	}
	batchAt := map[groupKey]time.Time{}
	batchN := map[groupKey]int{}
	for k, b := range batchOf {
		peak, at := batchPeak(b)
		podsOf[k] = append(podsOf[k], peak...)
		batchAt[k], batchN[k] = at, len(peak)
	}
	for node, d := range dsPerNode {
		g := groups[nodeGroup[node]]
		g.DaemonSetCPU = max(g.DaemonSetCPU, d[0])
		g.DaemonSetMemory = max(g.DaemonSetMemory, int64(d[1]))
	}
	var plans []rightsizing.NodePlan
	for _, k := range order {
		g := groups[k]
		c := clusterOf[k.cluster]
		catalog, err := instanceCatalog(ctx, db, c, allocatable)
		if err != nil {
			return nil, err
		}
		if !priceCurrent(g, catalog) {
			o.Log.log.Warn("node group skipped: the price catalog lacks a current instance type", "cluster", k.cluster, "group", k.name)
			continue
		}
		plan, err := rightsizing.PlanNodes(*g, podsOf[k], catalog)
		if err != nil {
			o.Log.log.Warn("node group skipped", "cluster", k.cluster, "group", k.name, "err", err)
			continue
		}
		if n := batchN[k]; n > 0 {
			plan.Explanation += fmt.Sprintf("; the pods include %d of Jobs and CronJobs, as many as ran together (at %s)", n, batchAt[k].Format(time.RFC3339))
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

// batchPod is a pod of a Job or CronJob with when it ran ([from, to); to
// zero while it runs).
type batchPod struct {
	req      rightsizing.PodRequest
	from, to time.Time
}

// batchPeak returns the batch pods running together when their requests
// peak: at the start of a pod where the running pods' CPU and memory, each
// as a share of its own peak, sum highest (the earliest such start). Runs
// that never overlap need room for the largest alone; runs that overlap
// (a daily job during an hourly one) need room for both. It returns them
// and the time they ran together.
func batchPeak(pods []batchPod) ([]rightsizing.PodRequest, time.Time) {
	type event struct {
		at    time.Time
		start bool
		i     int
	}
	var events []event
	for i, p := range pods {
		events = append(events, event{p.from, true, i})
		if !p.to.IsZero() {
			events = append(events, event{p.to, false, i})
		}
	}
	// In time order, ends before starts at the same time: a pod that ends
	// as another starts does not run with it.
	slices.SortStableFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.start == b.start:
			return 0
		case a.start:
			return 1
		}
		return -1
	})
	type load struct {
		at  time.Time
		cpu float64
		mem float64
	}
	var loads []load
	var cpu, mem, peakCPU, peakMem float64
	for _, e := range events {
		r := pods[e.i].req
		if !e.start {
			cpu, mem = cpu-r.CPU, mem-float64(r.Memory)
			continue
		}
		cpu, mem = cpu+r.CPU, mem+float64(r.Memory)
		loads = append(loads, load{e.at, cpu, mem})
		peakCPU, peakMem = max(peakCPU, cpu), max(peakMem, mem)
	}
	if len(loads) == 0 {
		return nil, time.Time{}
	}
	best, bestScore := loads[0].at, -1.0
	for _, l := range loads {
		score := 0.0
		if peakCPU > 0 {
			score += l.cpu / peakCPU
		}
		if peakMem > 0 {
			score += l.mem / peakMem
		}
		if score > bestScore+1e-12 {
			best, bestScore = l.at, score
		}
	}
	var out []rightsizing.PodRequest
	for _, p := range pods {
		if !p.from.After(best) && (p.to.IsZero() || p.to.After(best)) {
			out = append(out, p.req)
		}
	}
	return out, best
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

// instanceCatalog builds the candidate types of a cluster's provider and
// region from the stored prices: on-demand and spot offers, allocatable
// capacity as observed on the cluster's nodes or estimated.
func instanceCatalog(ctx context.Context, db *postgres.DB, c tally.Cluster, observed map[string][2]float64) ([]rightsizing.InstanceType, error) {
	prices, err := db.Prices(ctx, postgres.PriceFilter{Provider: c.Provider, Region: c.Region})
	if err != nil {
		return nil, err
	}
	byType := map[string]*rightsizing.InstanceType{}
	var names []string
	for _, p := range prices {
		if p.PurchaseOption != tally.PurchaseOnDemand && p.PurchaseOption != tally.PurchaseSpot {
			continue
		}
		if p.GPUs > 0 || (p.OperatingSystem != "" && p.OperatingSystem != "linux") {
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

// archOf guesses an instance type's architecture from AWS and GCP naming
// (Graviton families end in g: m6g, c7gn; GCP Arm is t2a, c4a).
func archOf(t string) string {
	f := instanceFamily(t)
	if f == "t2a" || f == "c4a" || (len(f) >= 3 && strings.ContainsRune(f[2:], 'g') && f[0] != 'g') {
		return "arm64"
	}
	return "amd64"
}
