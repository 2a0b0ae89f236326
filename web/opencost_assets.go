package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// AssetStore answers OpenCost's assets API: the costs of the clusters'
// billed assets, and the nodes (their properties and capacity).
type AssetStore interface {
	AssetCosts(ctx context.Context, q attribution.AssetQuery) ([]attribution.AssetCost, error)
	Nodes(ctx context.Context, cluster tally.ClusterID, w tally.Window) ([]tally.Node, error)
	// SubAccounts returns the sub-account (GCP project, AWS usage
	// account) of the bill's lines of each of resources in w, by resource.
	SubAccounts(ctx context.Context, w tally.Window, resources []string) (map[string]string, error)
	// DiskByteHours returns the storage the bill charged for each of
	// resources (disks) in w, in byte-hours, by resource and step start
	// (w's start for step 0).
	DiskByteHours(ctx context.Context, w tally.Window, step time.Duration, resources []string) (map[string]map[time.Time]float64, error)
}

// openCostAssetFilters are the filter parameters of OpenCost's older
// (v1) assets API, and its cluster parameter (ANDed with filter), each a
// comma list of values of one property.
var openCostAssetFilters = map[string]string{
	"cluster":     "cluster",
	"filterTypes": "type", "filterCategories": "category", "filterClusters": "cluster", "filterNames": "name",
	"filterProviders": "provider", "filterProviderIDs": "providerID", "filterAccounts": "account",
	"filterProjects": "project", "filterServices": "service",
}

// openCostAssets answers OpenCost's GET /assets: what the clusters were
// billed for, one asset per node, disk, load balancer, network cost and
// control-plane fee, amortized as the allocations are, so that a node's
// totalCost is what the allocation API gives its allocations and idle. Its
// parameters are window, aggregate (type, category, provider, account,
// project, service, cluster, name, providerID, label:KEY; a comma list),
// filter (OpenCost's v2 syntax: assetType:"node"+cluster:"prod"), cluster
// (a comma list, ANDed with filter) or the v1 filterTypes, filterClusters,
// …, and, as Tally's, step. data is one set (a map of assets by key) over
// the window, as OpenCost's; with a step, a list of sets, one per step;
// under /model/, Kubecost's path, a list of sets always, as Kubecost's
// (kubectl cost node decodes a list). accumulate=true keeps one set;
// accumulate (or accumulateBy) hour, day, week, month or quarter, as
// OpenCost's, a list of sets, one per calendar period the window touches,
// each whole.
func (s *Server) openCostAssets(w http.ResponseWriter, r *http.Request) {
	in := filterQuery(r, attribution.ParseAssetFilter)
	q, periods, dims, filters, err := openCostAssetQuery(in, s.now())
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	costs, err := s.assetStore.AssetCosts(r.Context(), q)
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	nodes, err := s.assetStore.Nodes(r.Context(), "", q.Window)
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	assets, err := attribution.BuildAssets(q, costs, nodes)
	if err == nil {
		err = s.openCostProjects(r.Context(), q.Window, assets)
	}
	if err == nil {
		err = s.openCostDiskBytes(r.Context(), q, assets)
	}
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	steps := q.Steps()
	if periods != nil {
		steps = periods // the steps' (days', hours') assets summed into their periods
	}
	sets := make([]map[string]*attribution.Asset, len(steps))
	for i := range sets {
		sets[i] = map[string]*attribution.Asset{}
	}
	for i := range assets {
		a := &assets[i]
		if !a.Matches(filters) {
			continue
		}
		step := 0
		for step < len(steps)-1 && !a.Window.Start.Before(steps[step+1].Start) {
			step++
		}
		if periods != nil {
			a.Window = steps[step] // the period whole, as OpenCost's accumulated sets
		}
		key := openCostAssetKey(a, dims)
		if prev, ok := sets[step][key]; ok {
			if err := prev.Merge(a); err != nil {
				s.openCostError(w, r, err)
				return
			}
			continue
		}
		sets[step][key] = a
	}
	data := make([]map[string]map[string]any, len(sets))
	for i, set := range sets {
		data[i] = make(map[string]map[string]any, len(set))
		for key, a := range set {
			data[i][key] = newOpenCostAsset(a)
		}
	}
	var body any = data[0]
	if q.Step > 0 || periods != nil || strings.HasPrefix(r.URL.Path, "/model/") {
		body = data // Kubecost's /model/assets is a list of sets, which kubectl cost reads
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": http.StatusOK, "status": "success", "data": body})
}

// openCostProjects sets the project of GCP assets, as OpenCost's: the
// project the billing export's lines of the asset's resource (a node's
// instance, a disk) name.
func (s *Server) openCostProjects(ctx context.Context, w tally.Window, assets []attribution.Asset) error {
	var resources []string
	for i := range assets {
		if a := &assets[i]; strings.EqualFold(a.Provider, tally.ProviderGCP) && a.ProviderID != "" && !slices.Contains(resources, a.ProviderID) {
			resources = append(resources, a.ProviderID)
		}
	}
	if len(resources) == 0 {
		return nil
	}
	projects, err := s.assetStore.SubAccounts(ctx, w, resources)
	if err != nil {
		return err
	}
	for i := range assets {
		if a := &assets[i]; strings.EqualFold(a.Provider, tally.ProviderGCP) {
			a.Project = projects[a.ProviderID]
		}
	}
	return nil
}

// openCostDiskBytes sets the storage of disk assets (their byteHours and
// bytes) from the bill: what it charged for their provisioned GiB-months.
func (s *Server) openCostDiskBytes(ctx context.Context, q attribution.AssetQuery, assets []attribution.Asset) error {
	var resources []string
	for i := range assets {
		if a := &assets[i]; a.Type == attribution.AssetDisk && a.ProviderID != "" && !slices.Contains(resources, a.ProviderID) {
			resources = append(resources, a.ProviderID)
		}
	}
	if len(resources) == 0 {
		return nil
	}
	byteHours, err := s.assetStore.DiskByteHours(ctx, q.Window, q.Step, resources)
	if err != nil {
		return err
	}
	for i := range assets {
		if a := &assets[i]; a.Type == attribution.AssetDisk {
			a.ByteHours = byteHours[a.ProviderID][a.Window.Start]
		}
	}
	return nil
}

// openCostAssetQuery reads /assets' parameters. periods are the calendar
// periods accumulate (or accumulateBy) sets the answer into, nil without
// one; the query then steps through their days (hours).
func openCostAssetQuery(in url.Values, now time.Time) (q attribution.AssetQuery, periods []tally.Window, dims []attribution.Dimension, filters []attribution.Filter, err error) {
	window := strings.TrimSpace(in.Get("window"))
	if window == "" {
		window = "7d"
	}
	if oc, ok := openCostNamedWindow(window, now); ok {
		window = oc
	}
	if q.Window, err = queryWindow(window, now); err != nil {
		return q, nil, nil, nil, err
	}
	q.Window = wholeHours(q.Window)
	if q.Step, err = attribution.ParseStep(in.Get("step")); err != nil {
		return q, nil, nil, nil, err
	}
	all, period, err := openCostAccumulation(in)
	switch {
	case err != nil:
		return q, nil, nil, nil, err
	case all:
		q.Step = 0
	case period != "":
		if periods, err = calendarPeriods(q.Window, period); err != nil {
			return q, nil, nil, nil, err
		}
		q.Window = tally.Window{Start: periods[0].Start, End: periods[len(periods)-1].End}
		q.Step = 24 * time.Hour
		if period == "hour" {
			q.Step = time.Hour
		}
	}
	for _, a := range splitList(in.Get("aggregate")) {
		d, err := attribution.ParseAssetDimension(a)
		if err != nil {
			return q, nil, nil, nil, err
		}
		dims = append(dims, d)
	}
	if filters, err = attribution.ParseAssetFilter(in.Get("filter")); err != nil {
		return q, nil, nil, nil, err
	}
	for param, field := range openCostAssetFilters {
		if values := splitList(in.Get(param)); len(values) > 0 {
			filters = append(filters, attribution.Filter{Dim: attribution.Dimension{Field: field}, Values: values})
		}
	}
	if labels := splitList(in.Get("filterLabels")); len(labels) > 0 {
		for _, l := range labels {
			k, v, ok := strings.Cut(l, ":")
			if !ok || k == "" || v == "" {
				return q, nil, nil, nil, tally.Errorf(tally.EInvalid, "filterLabels %q: want key:value, comma separated", l)
			}
			filters = append(filters, attribution.Filter{Dim: attribution.Dimension{Field: "label", Key: strings.TrimSpace(k)}, Values: []string{strings.TrimSpace(v)}})
		}
	}
	return q, periods, dims, filters, q.Validate()
}

// openCostUndefined is OpenCost's key part of an asset without the
// property aggregated by.
const openCostUndefined = "__undefined__"

// openCostAssetKey is an asset's key in its set, as OpenCost's: the values
// of the properties aggregated by, joined by "/", a label as key=value;
// without aggregate, every property (provider, account, project, category,
// cluster, type, service, providerID, name).
func openCostAssetKey(a *attribution.Asset, dims []attribution.Dimension) string {
	if len(dims) == 0 {
		for _, f := range []string{"provider", "account", "project", "category", "cluster", "type", "service", "providerID", "name"} {
			dims = append(dims, attribution.Dimension{Field: f})
		}
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		v := a.Value(d)
		switch {
		case v == "":
			v = openCostUndefined
		case d.Field == "label":
			v = d.Key + "=" + v
		}
		parts[i] = v
	}
	return strings.Join(parts, "/")
}

// openCostAssetProperties is OpenCost's AssetProperties.
type openCostAssetProperties struct {
	Category   string `json:"category,omitempty"`
	Provider   string `json:"provider,omitempty"`
	Account    string `json:"account,omitempty"`
	Project    string `json:"project,omitempty"`
	Service    string `json:"service,omitempty"`
	Cluster    string `json:"cluster,omitempty"`
	Name       string `json:"name,omitempty"`
	ProviderID string `json:"providerID,omitempty"`
}

// openCostBreakdown is OpenCost's Breakdown: the shares of a node's CPU or
// RAM (a disk's bytes) that were idle, the system's, the users' and other.
type openCostBreakdown struct {
	Idle   float64 `json:"idle"`
	Other  float64 `json:"other"`
	System float64 `json:"system"`
	User   float64 `json:"user"`
}

// newOpenCostBreakdown is a pool's breakdown: idle and system (kube-system)
// shares of its cost, the rest the users'.
func newOpenCostBreakdown(p attribution.AssetPool) openCostBreakdown {
	cost := p.Cost.Float64()
	if cost == 0 {
		return openCostBreakdown{}
	}
	idle, system := p.Idle.Float64()/cost, p.System.Float64()/cost
	return openCostBreakdown{Idle: idle, System: system, User: max(1-idle-system, 0)}
}

// openCostNodePools are OpenCost's node labels naming a node's pool.
var openCostNodePools = []string{"eks.amazonaws.com/nodegroup", "cloud.google.com/gke-nodepool", "kubernetes.azure.com/agentpool"}

// newOpenCostAsset is an asset as OpenCost writes it: the fields of every
// asset (type, properties, labels, window, start, end, minutes, adjustment,
// totalCost) and those of its type. Costs are numbers there; totalCost is
// the exact sum's. A node's cpuCost and ramCost are at on-demand (list)
// prices and discount is the share the bill took off them (Savings Plans,
// reservations, committed use, spot, negotiated discounts), so that
// (cpuCost + ramCost) × (1 − discount) + gpuCost is its amortized
// totalCost, as OpenCost computes it; without on-demand prices (or when
// they are below the bill) they are amortized and discount is 0.
func newOpenCostAsset(a *attribution.Asset) map[string]any {
	labels := a.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	out := map[string]any{
		"properties": openCostAssetProperties{Category: a.Category, Provider: a.Provider, Account: a.Account, Project: a.Project,
			Service: attribution.KubernetesService, Cluster: a.Cluster, Name: a.Name, ProviderID: a.ProviderID},
		"labels":     labels,
		"window":     openCostWindow{a.Window.Start, a.Window.End},
		"start":      a.Ran.Start,
		"end":        a.Ran.End,
		"minutes":    a.Ran.Duration().Minutes(),
		"adjustment": 0.0,
		"totalCost":  a.Total.Float64(),
	}
	if a.Estimated {
		out["estimated"] = true
	}
	if a.Type != "" {
		out["type"] = a.Type
	}
	hours := a.Ran.Duration().Hours()
	per := func(v float64) float64 { // an average over when it ran
		if hours == 0 {
			return 0
		}
		return v / hours
	}
	switch a.Type {
	case attribution.AssetNode:
		cpu, ram, discount := a.CPU.Cost.Float64(), a.RAM.Cost.Float64(), 0.0
		if list := a.CPU.List.Float64() + a.RAM.List.Float64(); list > 0 && cpu+ram <= list {
			discount = 1 - (cpu+ram)/list
			cpu, ram = a.CPU.List.Float64(), a.RAM.List.Float64()
		}
		out["nodeType"] = a.NodeType
		for _, k := range openCostNodePools {
			if pool := a.Labels[k]; pool != "" {
				out["pool"] = pool
				break
			}
		}
		out["cpuCores"], out["ramBytes"], out["gpuCount"] = per(a.CPUCoreHours), per(a.RAMByteHours), per(a.GPUHours)
		out["cpuCoreHours"], out["ramByteHours"], out["GPUHours"] = a.CPUCoreHours, a.RAMByteHours, a.GPUHours
		out["cpuBreakdown"], out["ramBreakdown"] = newOpenCostBreakdown(a.CPU), newOpenCostBreakdown(a.RAM)
		out["preemptible"], out["discount"] = a.Preemptible, discount
		out["cpuCost"], out["ramCost"], out["gpuCost"] = cpu, ram, a.GPU.Cost.Float64()
	case attribution.AssetDisk:
		out["byteHours"], out["bytes"], out["byteHoursUsed"], out["byteUsageMax"] = a.ByteHours, per(a.ByteHours), nil, nil
		out["breakdown"] = openCostBreakdown{User: 1}
		out["storageClass"], out["volumeName"], out["claimName"], out["claimNamespace"] = "", a.VolumeName, a.ClaimName, a.ClaimNamespace
	case attribution.AssetLoadBalancer:
		out["private"], out["ip"] = false, ""
	}
	return out
}
