package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

type rightsizeRecommendCmd struct {
	History   dayDuration `default:"14d" help:"Usage history to read: days (14d) or a Go duration (336h)."`
	Until     string      `placeholder:"RFC3339" help:"End of the history (default: now)."`
	Profile   string      `default:"balanced" enum:"production,balanced,aggressive" help:"Recommendation profile: ${enum}."`
	Cluster   string      `placeholder:"NAME" help:"Only this cluster (results are then not stored)."`
	Namespace string      `placeholder:"NAME" help:"Only this namespace's containers, and the node groups its pods run on (their plans pack the groups' other pods at their current requests); results are then not stored."`
	HPA       []string    `name:"hpa" placeholder:"[CLUSTER/]NS/KIND/NAME=cpu:70" help:"A HorizontalPodAutoscaler scaling a workload on CPU (cpu:PCT) or memory (memory:PCT), e.g. shop/Deployment/api=cpu:70 or prod/shop/deployment/api=cpu:70,memory:80 (KIND in any case; without CLUSTER/ every cluster's workload of that name); repeatable. Overrides the HPA the node agents reported for that workload (they report each workload's HPA when they may list HPAs; --format json says hpaSource agent or flag). Naming no workload with usage in the history is an error."`
	Format    string      `default:"table" enum:"table,json,csv,yaml" help:"Output format: ${enum} (yaml: kubectl patches)."`
	PatchDir  string      `placeholder:"DIR" help:"Also write one kubectl patch file per workload into DIR."`
	Store     bool        `default:"true" negatable:"" help:"Store the recommendations (kinds container-rightsizing and node-rightsizing; default: on)."`
	Nodes     bool        `default:"true" negatable:"" help:"Also plan node types per cluster and node group (default: on)."`
	MinNodes  []string    `name:"min-nodes" placeholder:"[CLUSTER/GROUP=]N" help:"A node group's minimum size, kept by its node plan: N for every group, or CLUSTER/GROUP=N for one (repeatable; a group's own wins over N). Default: a node in each zone (topology.kubernetes.io/zone) the group's nodes span now when one of its workloads spreads by zone (topology spread or pod anti-affinity on the zone) or its pods' scheduling constraints are unknown (agents that do not send them); else none. Pods' own constraints (anti-affinity, topology spread) shape the plan whatever the minimum; a plan raised above the packing of its pods alone says what raised it. Naming a group with no node plan (or --min-nodes with --no-nodes), or a group or N twice, is an error."`
	priceFlags
}

func (c *rightsizeRecommendCmd) Run(ctx context.Context, a *app) error {
	fallback, err := c.priceFlags.prices()
	if err != nil {
		return err
	}
	profile, err := rightsizing.ProfileByName(c.Profile)
	if err != nil {
		return tally.Errorf(tally.EInvalid, "--profile: %v", err)
	}
	hpas, err := parseHPAs(c.HPA)
	if err != nil {
		return err
	}
	minNodes, err := parseMinNodes(c.MinNodes)
	if err != nil {
		return err
	}
	if !c.Nodes && len(c.MinNodes) > 0 {
		return tally.Errorf(tally.EInvalid, "--min-nodes: no node group is planned with --no-nodes")
	}
	if time.Duration(c.History) < rightsizing.Step {
		return tally.Errorf(tally.EInvalid, "--history %s: want at least one %s usage window, e.g. 14d", c.History, rightsizing.Step)
	}
	until := time.Now().UTC()
	if c.Until != "" {
		if until, err = time.Parse(time.RFC3339, c.Until); err != nil {
			return tally.Errorf(tally.EInvalid, "--until %q: want RFC 3339", c.Until)
		}
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	window := tally.Window{Start: until.Add(-time.Duration(c.History)), End: until}
	res, err := rightsize(ctx, db, rightsizeOptions{
		Window: window, Profile: profile, Cluster: tally.ClusterID(c.Cluster),
		Namespace: c.Namespace, HPAs: hpas, Fallback: fallback, Nodes: c.Nodes, Log: a, MinNodes: minNodes,
	})
	if err != nil {
		return err
	}
	if len(res.Containers) == 0 {
		// Nothing measured in the window (an --until before the agents ran
		// or past the data): replacing the stored recommendations with
		// none would empty the dashboard's list.
		if c.Format != "table" {
			return writeRecommendations(a, res, c.Format)
		}
		scope := ""
		if c.Cluster != "" {
			scope += " in --cluster " + c.Cluster
		}
		if c.Namespace != "" {
			scope += " in --namespace " + c.Namespace
		}
		fmt.Fprintf(a.stdout, "no container usage%s from %s to %s (--history %s, --until): nothing to recommend, stored recommendations left as they were\n",
			scope, window.Start.Format(time.RFC3339), window.End.Format(time.RFC3339), c.History)
		return nil
	}
	if c.Store {
		if c.Cluster != "" || c.Namespace != "" {
			a.log.Warn("not storing recommendations computed for a subset (--cluster or --namespace)")
		} else if err := res.store(ctx, db, until); err != nil {
			return err
		}
	}
	if c.PatchDir != "" {
		if err := writePatchDir(c.PatchDir, res.Containers); err != nil {
			return err
		}
	}
	return writeRecommendations(a, res, c.Format)
}

// dayDuration is a duration flag that also takes whole or fractional days
// ("14d", "1.5d"), as --window and KRR's history do; "336h" still works.
type dayDuration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler for kong.
func (d *dayDuration) UnmarshalText(b []byte) error {
	s := string(b)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || math.IsNaN(days) || math.IsInf(days, 0) || math.Abs(days) > 1e5 {
			return fmt.Errorf("%q: want days (14d) or a duration (336h)", s)
		}
		*d = dayDuration(time.Duration(days * float64(24*time.Hour)))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q: want days (14d) or a duration (336h)", s)
	}
	*d = dayDuration(v)
	return nil
}

// String formats whole days as "14d" (also "0d" and "-3d", as a refused
// --history was given), anything else as a Go duration.
func (d dayDuration) String() string {
	if v := time.Duration(d); v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(d).String()
}

// rightsizeOptions configure one right-sizing run over stored usage.
type rightsizeOptions struct {
	Window    tally.Window
	Profile   rightsizing.Profile
	Cluster   tally.ClusterID
	Namespace string
	HPAs      []*hpaFlag
	Fallback  rightsizing.UnitPrices
	Nodes     bool
	Log       *app
	// MinNodes are the node groups' minimum sizes (--min-nodes); nil: the defaults.
	MinNodes *minNodesFlags
}

// rightsizeResult is what a run recommends.
type rightsizeResult struct {
	Containers []rightsizing.ContainerResult `json:"containers"`
	Nodes      []rightsizing.NodePlan        `json:"nodes"`
	// Skipped are the containers with usage that are not right-sized, and why.
	Skipped []skippedContainer `json:"skipped,omitempty"`
}

// skippedContainer is a container with usage in the history that is not
// right-sized: a classic init container.
type skippedContainer struct {
	Workload  tally.WorkloadRef     `json:"workload"`
	Container string                `json:"container"`
	Kind      string                `json:"containerKind"`
	Current   rightsizing.Resources `json:"current"`
	// PeakCPU and PeakMemory are the highest 5-minute CPU average and
	// working set seen while it ran.
	PeakCPU    float64 `json:"peakCpuCores"`
	PeakMemory int64   `json:"peakMemoryBytes"`
	Reason     string  `json:"reason"`
}

// initSkipReason says why classic init containers are not right-sized.
const initSkipReason = "init container: runs to completion before the pod's containers start, so its request is held only then; VPA and KRR leave init containers alone"

func (r *rightsizeResult) store(ctx context.Context, db *postgres.DB, now time.Time) error {
	var cs, ns []tally.Recommendation
	for i := range r.Containers {
		rec, err := r.Containers[i].Record(now)
		if err != nil {
			return err
		}
		cs = append(cs, rec)
	}
	for i := range r.Nodes {
		rec, err := r.Nodes[i].Record(now)
		if err != nil {
			return err
		}
		ns = append(ns, rec)
	}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendContainer, cs); err != nil {
		return err
	}
	return db.ReplaceRecommendations(ctx, tally.RecommendNode, ns)
}

// containerKey identifies a container of a workload.
type containerKey struct {
	workload  tally.WorkloadRef
	container string
}

// rightsize reads pods and 5-minute usage windows, recommends every
// container of every workload, prices the savings with attributed unit
// prices, and plans node groups.
func rightsize(ctx context.Context, db *postgres.DB, o rightsizeOptions) (*rightsizeResult, error) {
	pods, err := db.Pods(ctx, o.Cluster, o.Window)
	if err != nil {
		return nil, err
	}
	windows, err := db.UsageWindows(ctx, o.Cluster, o.Window, rightsizing.Step)
	if err != nil {
		return nil, err
	}
	byUID := map[string]*tally.Pod{}
	latest := map[containerKey]*tally.Pod{} // the newest pod of each workload container: its spec is current
	// The pod of each workload whose agent last said what scales it.
	autoscaled := map[tally.WorkloadRef]*tally.Pod{}
	for i := range pods {
		p := &pods[i]
		if o.Namespace != "" && p.Ref.Namespace != o.Namespace {
			continue
		}
		byUID[string(p.Ref.Cluster)+"/"+p.Ref.UID] = p
		if p.Autoscaling != nil {
			if q := autoscaled[p.Workload()]; q == nil || reportedLater(p, q) {
				autoscaled[p.Workload()] = p
			}
		}
		for _, c := range p.Containers {
			k := containerKey{p.Workload(), c.Name}
			if q := latest[k]; q == nil || p.ValidFrom.After(q.ValidFrom) {
				latest[k] = p
			}
		}
	}
	histories := map[containerKey]*rightsizing.History{}
	observed := map[tally.ClusterID]tally.Window{} // each cluster's usage windows, first to last
	for _, w := range windows {
		end := w.Start.Add(max(w.Measured, rightsizing.Step))
		if span, ok := observed[w.Cluster]; !ok {
			observed[w.Cluster] = tally.Window{Start: w.Start, End: end}
		} else {
			observed[w.Cluster] = span.Span(tally.Window{Start: w.Start, End: end})
		}
		p := byUID[string(w.Cluster)+"/"+w.PodUID]
		if p == nil {
			continue
		}
		k := containerKey{p.Workload(), w.Container}
		h := histories[k]
		if h == nil {
			h = &rightsizing.History{}
			histories[k] = h
		}
		h.Samples = append(h.Samples, rightsizing.Sample{Start: w.Start, CPU: w.CPUCores, MemoryPeak: w.MemoryPeak, Measured: w.Measured})
		if w.OOMKills > 0 {
			at := w.MemoryPeak
			if spec := containerSpec(p, w.Container); spec != nil && spec.MemoryLimit > at {
				at = spec.MemoryLimit
			}
			h.OOMs = append(h.OOMs, rightsizing.OOMEvent{At: w.Start, Memory: at})
		}
	}
	var inputs []rightsizing.ContainerInput
	res := &rightsizeResult{}
	for k, h := range histories {
		p := latest[k]
		if p == nil {
			continue
		}
		spec := containerSpec(p, k.container)
		if spec == nil {
			continue
		}
		h.Current = rightsizing.Resources{CPURequest: spec.CPURequest, CPULimit: spec.CPULimit, MemoryRequest: spec.MemoryRequest, MemoryLimit: spec.MemoryLimit}
		if !rightsizing.Recommendable(spec.Kind) {
			sk := skippedContainer{Workload: k.workload, Container: k.container, Kind: spec.Kind, Current: h.Current, Reason: initSkipReason}
			for _, s := range h.Samples {
				sk.PeakCPU, sk.PeakMemory = max(sk.PeakCPU, s.CPU), max(sk.PeakMemory, s.MemoryPeak)
			}
			res.Skipped = append(res.Skipped, sk)
			continue
		}
		var source string
		h.HPA, source = workloadHPA(o.HPAs, autoscaled[k.workload], k.workload)
		slices.SortStableFunc(h.Samples, func(a, b rightsizing.Sample) int { return a.Start.Compare(b.Start) })
		span := replicaSpan(k.workload, h, observed[k.workload.Cluster])
		inputs = append(inputs, rightsizing.ContainerInput{Workload: k.workload, Container: k.container, ContainerKind: spec.Kind, Position: specPosition(p, spec), History: *h,
			Replicas: rightsizing.AverageReplicas(h, span.Start, span.End), HPASource: source})
	}
	slices.SortFunc(res.Skipped, func(a, b skippedContainer) int {
		return strings.Compare(string(a.Workload.Cluster)+"/"+a.Workload.String()+"/"+a.Container, string(b.Workload.Cluster)+"/"+b.Workload.String()+"/"+b.Container)
	})
	if err := unmatchedHPA(o.HPAs, o); err != nil {
		return nil, err
	}
	slices.SortFunc(inputs, func(a, b rightsizing.ContainerInput) int {
		return strings.Compare(string(a.Workload.Cluster)+"/"+a.Workload.String()+"/"+a.Container, string(b.Workload.Cluster)+"/"+b.Workload.String()+"/"+b.Container)
	})
	pricer, err := newAttributedPricer(ctx, db, o.Window, o.Fallback)
	if err != nil {
		return nil, err
	}
	if res.Containers, err = rightsizing.RecommendContainers(inputs, o.Profile.Recommender(), pricer, o.Window.End); err != nil {
		return nil, err
	}
	slices.SortStableFunc(res.Containers, func(a, b rightsizing.ContainerResult) int {
		c, _ := b.MonthlySavings.Cmp(a.MonthlySavings)
		return c
	})
	o.Log.log.Info("recommended containers", "containers", len(res.Containers), "window", o.Window.String())
	if o.Nodes {
		if res.Nodes, err = planNodes(ctx, db, o, pods, res.Containers, observed); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func containerSpec(p *tally.Pod, name string) *tally.Container {
	for i := range p.Containers {
		if p.Containers[i].Name == name {
			return &p.Containers[i]
		}
	}
	return nil
}

// specPosition is c's position in its list of p's spec (spec.containers,
// or spec.initContainers for a native sidecar), counted from 1, as its
// agent reported it. When it did not (an older agent), it is 1 for the
// list's only container, else 0, not known: containers are stored by name,
// not in the order the spec declares them.
func specPosition(p *tally.Pod, c *tally.Container) int {
	if c.Position > 0 {
		return c.Position
	}
	init := func(kind string) bool { return kind != tally.ContainerRegular }
	n := 0
	for _, o := range p.Containers {
		if init(o.Kind) == init(c.Kind) {
			n++
		}
	}
	if n != 1 {
		return 0
	}
	return 1
}

// replicaSpan is the span over which a workload's pods are averaged (h's
// samples sorted): from its first usage window, so that a Deployment created
// during the history does not look part-time, to the end of its cluster's
// usage. A Job's or CronJob's pods come and go by design and their first
// run says nothing of when they began, so theirs is all of the cluster's
// usage.
func replicaSpan(w tally.WorkloadRef, h *rightsizing.History, cluster tally.Window) tally.Window {
	if w.Kind != tally.KindJob && w.Kind != tally.KindCronJob && len(h.Samples) > 0 && h.Samples[0].Start.After(cluster.Start) {
		cluster.Start = h.Samples[0].Start
	}
	return cluster
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
