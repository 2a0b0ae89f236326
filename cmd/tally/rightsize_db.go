package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/csvtable"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

type rightsizeRecommendCmd struct {
	History   dayDuration `default:"14d" help:"Usage history to read: days (14d) or a Go duration (336h)."`
	Until     string      `placeholder:"RFC3339" help:"End of the history (default: now)."`
	Profile   string      `default:"balanced" enum:"production,balanced,aggressive" help:"Recommendation profile: ${enum}."`
	Cluster   string      `help:"Only this cluster (results are then not stored)."`
	Namespace string      `help:"Only this namespace (results are then not stored)."`
	HPA       []string    `name:"hpa" placeholder:"[CLUSTER/]NS/KIND/NAME=cpu:70" help:"A HorizontalPodAutoscaler scaling a workload on CPU (cpu:PCT) or memory (memory:PCT), e.g. shop/Deployment/api=cpu:70 or prod/shop/deployment/api=cpu:70,memory:80 (KIND in any case; without CLUSTER/ every cluster's workload of that name); repeatable. Overrides the HPA the node agents reported for that workload (they report each workload's HPA when they may list HPAs; --format json says hpaSource agent or flag). Naming no workload with usage in the history is an error."`
	Format    string      `default:"table" enum:"table,json,csv,yaml" help:"Output format: ${enum} (yaml: kubectl patches)."`
	PatchDir  string      `placeholder:"DIR" help:"Also write one kubectl patch file per workload into DIR."`
	Store     bool        `default:"true" negatable:"" help:"Store the recommendations (kinds container-rightsizing and node-rightsizing)."`
	Nodes     bool        `default:"true" negatable:"" help:"Also plan node types per cluster and node group."`
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

// String formats whole days as "14d", anything else as a Go duration.
func (d dayDuration) String() string {
	if v := time.Duration(d); v > 0 && v%(24*time.Hour) == 0 {
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

// hpaFlag is one --hpa: the workload it names and its autoscaler.
type hpaFlag struct {
	spec      string          // as given
	cluster   tally.ClusterID // "" for every cluster
	namespace string
	kind      string // matched in any case
	name      string
	hpa       *rightsizing.HPA
	matched   bool
}

func (f *hpaFlag) matches(w tally.WorkloadRef) bool {
	return (f.cluster == "" || f.cluster == w.Cluster) && f.namespace == w.Namespace && strings.EqualFold(f.kind, w.Kind) && f.name == w.Name
}

// hpaFor returns the autoscaler of w: that of the last --hpa naming it, or nil.
func hpaFor(flags []*hpaFlag, w tally.WorkloadRef) *rightsizing.HPA {
	var h *rightsizing.HPA
	for _, f := range flags {
		if f.matches(w) {
			f.matched, h = true, f.hpa
		}
	}
	return h
}

// workloadHPA returns the autoscaler of w and where it came from: that of
// the last --hpa naming it (the flag overrides the agents), else the HPA
// its agents last reported on pod (the workload's pod whose agent last
// knew: reportedLater), else nil.
func workloadHPA(flags []*hpaFlag, pod *tally.Pod, w tally.WorkloadRef) (*rightsizing.HPA, string) {
	if h := hpaFor(flags, w); h != nil {
		return h, rightsizing.HPASourceFlag
	}
	if pod != nil && pod.Autoscaling != nil && pod.Autoscaling.HPA != nil {
		return rightsizing.HPAOf(pod.Autoscaling.HPA), rightsizing.HPASourceAgent
	}
	return nil, ""
}

// reportedLater reports whether p's agent reported it after q's did: a
// running pod (no end) is reported on every batch, an ended one last at its
// end; of two that end together, the one that started later. The newest pod
// is not the one: an HPA scaling down ends the newest pods first, and the
// HPA they were sent with may since have been edited.
func reportedLater(p, q *tally.Pod) bool {
	pe, qe := p.ValidTo, q.ValidTo
	switch {
	case pe.IsZero() != qe.IsZero():
		return pe.IsZero()
	case !pe.Equal(qe):
		return pe.After(qe)
	}
	return p.ValidFrom.After(q.ValidFrom)
}

// unmatchedHPA fails on the first --hpa that named no workload.
func unmatchedHPA(flags []*hpaFlag, o rightsizeOptions) error {
	for _, f := range flags {
		if f.matched {
			continue
		}
		scope := ""
		if o.Cluster != "" {
			scope += " in cluster " + string(o.Cluster)
		}
		if o.Namespace != "" {
			scope += " in namespace " + o.Namespace
		}
		return tally.Errorf(tally.EInvalid, "--hpa %q: no workload %s/%s/%s%s has usage between %s and %s (want [CLUSTER/]NAMESPACE/KIND/NAME of a listed workload, e.g. shop/Deployment/api)",
			f.spec, f.namespace, f.kind, f.name, scope, o.Window.Start.Format(time.RFC3339), o.Window.End.Format(time.RFC3339))
	}
	return nil
}

// parseHPAs reads --hpa [CLUSTER/]NS/KIND/NAME=cpu:70[,memory:80].
func parseHPAs(specs []string) ([]*hpaFlag, error) {
	var out []*hpaFlag
	for _, s := range specs {
		target, metrics, ok := strings.Cut(s, "=")
		parts := strings.Split(target, "/")
		if !ok || len(parts) < 3 || len(parts) > 4 || slices.Contains(parts, "") {
			return nil, tally.Errorf(tally.EInvalid, "--hpa %q: want [CLUSTER/]NAMESPACE/KIND/NAME=cpu:PCT[,memory:PCT]", s)
		}
		f := &hpaFlag{spec: s, hpa: &rightsizing.HPA{}}
		if len(parts) == 4 {
			f.cluster, parts = tally.ClusterID(parts[0]), parts[1:]
		}
		f.namespace, f.kind, f.name = parts[0], parts[1], parts[2]
		for _, m := range strings.Split(metrics, ",") {
			name, v, _ := strings.Cut(m, ":")
			pct, err := strconv.ParseFloat(v, 64)
			if err != nil || pct <= 0 || pct > 100 {
				return nil, tally.Errorf(tally.EInvalid, "--hpa %q: %q: want cpu:PCT or memory:PCT with 0 < PCT ≤ 100", s, m)
			}
			switch name {
			case "cpu":
				f.hpa.CPUTargetUtilization = pct / 100
			case "memory":
				f.hpa.MemoryTargetUtilization = pct / 100
			default:
				return nil, tally.Errorf(tally.EInvalid, "--hpa %q: metric %q: want cpu or memory", s, name)
			}
		}
		out = append(out, f)
	}
	return out, nil
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
		inputs = append(inputs, rightsizing.ContainerInput{Workload: k.workload, Container: k.container, ContainerKind: spec.Kind, History: *h,
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

// attributedPricer prices a workload at what attribution charged it per
// core-hour and GiB-hour, else at its cluster's average, else the fallback.
type attributedPricer struct {
	workloads map[tally.WorkloadRef]postgres.UnitPrice
	clusters  map[tally.ClusterID]postgres.UnitPrice
	fallback  rightsizing.UnitPrices
}

func newAttributedPricer(ctx context.Context, db *postgres.DB, w tally.Window, fallback rightsizing.UnitPrices) (*attributedPricer, error) {
	prices, err := db.AttributedUnitPrices(ctx, w)
	if err != nil {
		return nil, err
	}
	p := &attributedPricer{workloads: map[tally.WorkloadRef]postgres.UnitPrice{}, clusters: map[tally.ClusterID]postgres.UnitPrice{}, fallback: fallback}
	for _, u := range prices {
		if u.Namespace == "" && u.Workload == "" {
			p.clusters[u.Cluster] = u
			continue
		}
		p.workloads[tally.WorkloadRef{Cluster: u.Cluster, Namespace: u.Namespace, Kind: u.Kind, Name: u.Workload}] = u
	}
	return p, nil
}

// UnitPrices implements rightsizing.Pricer.
func (p *attributedPricer) UnitPrices(w tally.WorkloadRef) (rightsizing.UnitPrices, error) {
	out := p.fallback
	if c, ok := p.clusters[w.Cluster]; ok {
		out = pick(out, c)
	}
	if u, ok := p.workloads[w]; ok {
		out = pick(out, u)
	}
	return out, nil
}

func pick(base rightsizing.UnitPrices, u postgres.UnitPrice) rightsizing.UnitPrices {
	if !u.CPUCoreHour.IsZero() {
		base.CPUCoreHour = u.CPUCoreHour
	}
	if !u.MemoryGiBHour.IsZero() {
		base.MemoryGiBHour = u.MemoryGiBHour
	}
	return base
}

// writeRecommendations prints the container recommendations (and node plans).
func writeRecommendations(a *app, res *rightsizeResult, format string) error {
	switch format {
	case "json":
		out := *res // empty lists as [], not null
		if out.Containers == nil {
			out.Containers = []rightsizing.ContainerResult{}
		}
		if out.Nodes == nil {
			out.Nodes = []rightsizing.NodePlan{}
		}
		return writeJSON(a.stdout, &out)
	case "yaml":
		patches, err := rightsizing.Patches(res.Containers)
		if err != nil {
			return err
		}
		for i, p := range patches {
			if i > 0 {
				fmt.Fprintln(a.stdout, "---")
			}
			fmt.Fprintf(a.stdout, "# %s\n%s", p.Command, p.YAML)
		}
		return nil
	case "csv":
		cw := csv.NewWriter(a.stdout)
		cw.Write([]string{"cluster", "namespace", "kind", "workload", "container", "replicas", "cpu_request", "cpu_request_recommended",
			"memory_request", "memory_request_recommended", "memory_limit", "memory_limit_recommended", "confidence_days", "monthly_savings", "currency", "container_kind", "oom_kills"})
		for _, c := range res.Containers {
			r := c.Recommendation.Resources
			cw.Write([]string{csvtable.Text(string(c.Workload.Cluster)), csvtable.Text(c.Workload.Namespace), csvtable.Text(c.Workload.Kind), csvtable.Text(c.Workload.Name),
				csvtable.Text(c.Container), f64(c.Replicas),
				f64(c.Current.CPURequest), f64(r.CPURequest), strconv.FormatInt(c.Current.MemoryRequest, 10), strconv.FormatInt(r.MemoryRequest, 10),
				strconv.FormatInt(c.Current.MemoryLimit, 10), strconv.FormatInt(r.MemoryLimit, 10), f64(c.Recommendation.Confidence),
				c.MonthlySavings.Decimal(), string(c.MonthlySavings.Currency()), c.ContainerKind, strconv.Itoa(c.Recommendation.OOMKills)})
		}
		cw.Flush()
		if n := len(res.Nodes); n > 0 {
			// A CSV has one shape of row: the node plans would be another.
			fmt.Fprintf(a.stderr, "the CSV has the containers only: %s are in the table and in --format json\n", nodeGroupsText(n, "node plan"))
		}
		return cw.Error()
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tWORKLOAD\tCONTAINER\tREPLICAS\tCPU REQUEST\tMEMORY REQUEST\tMEMORY LIMIT\tCONFIDENCE\tSAVES/MONTH")
	var totals currencyTotals // one per currency, as the API totals
	low := 0
	for _, c := range res.Containers {
		r := c.Recommendation.Resources
		name := c.Container
		if c.ContainerKind == tally.ContainerSidecar {
			name += " (sidecar)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s → %s\t%s → %s\t%s → %s\t%s\t%s\n", tableCell(string(c.Workload.Cluster)), tableCell(c.Workload.String()),
			tableCell(name), replicasText(c.Replicas),
			rightsizing.FormatCPU(c.Current.CPURequest), rightsizing.FormatCPU(r.CPURequest),
			rightsizing.FormatMemory(c.Current.MemoryRequest), rightsizing.FormatMemory(r.MemoryRequest),
			limitOrNone(c.Current.MemoryLimit), limitOrNone(r.MemoryLimit), confidenceText(&c.Recommendation), moneyText(c.MonthlySavings))
		if c.Recommendation.LowConfidence() {
			low++
		}
		if err := totals.add(c.MonthlySavings); err != nil {
			return fmt.Errorf("saving of %s: %w", c.Workload, err)
		}
	}
	tw.Flush()
	fmt.Fprintf(a.stdout, "\n%d containers; total saving %s a month\n", len(res.Containers), totalsText(&totals))
	if low > 0 {
		fmt.Fprintf(a.stdout, "%d recommended from less than %d days of history: low confidence, their bounds are wide (--format json shows them and the notes)\n",
			low, rightsizing.MinConfidentDays)
	}
	var oom []string
	for _, c := range res.Containers {
		if n := c.Recommendation.OOMKills; n > 0 {
			oom = append(oom, fmt.Sprintf("%s/%s/%s (%d kills, memory limit %s → %s)", c.Workload.Cluster, c.Workload, c.Container, n,
				limitOrNone(c.Current.MemoryLimit), limitOrNone(c.Recommendation.Resources.MemoryLimit)))
		}
	}
	if len(oom) > 0 {
		// Listed apart: their saving may be small, their risk is not.
		fmt.Fprintf(a.stdout, "%d containers were OOM-killed in the history; apply these first, they raise memory: %s\n", len(oom), strings.Join(oom, "; "))
	}
	var scaled []string
	seen := map[tally.WorkloadRef]bool{}
	for _, c := range res.Containers {
		if r := c.ReplicasVary; len(r) == 2 && !seen[c.Workload] {
			seen[c.Workload] = true
			scaled = append(scaled, fmt.Sprintf("%s/%s (%d–%d)", c.Workload.Cluster, c.Workload, r[0], r[1]))
		}
	}
	if len(scaled) > 0 {
		slices.Sort(scaled)
		fmt.Fprintf(a.stdout, "%d workloads' replica counts varied as an autoscaler's do, with no HPA known (their agents reported none, or could not list HPAs); "+
			"if an HPA scales one, name it with --hpa NS/KIND/NAME=cpu:PCT (a smaller request makes an HPA on CPU add replicas): %s\n", len(scaled), strings.Join(scaled, "; "))
	}
	if hpas := agentHPAs(res.Containers); len(hpas) > 0 {
		fmt.Fprintf(a.stdout, "%d workloads right-sized for the HPA their agents reported (--hpa overrides one): %s\n", len(hpas), strings.Join(hpas, "; "))
	}
	if n := len(res.Skipped); n > 0 {
		var names []string
		for _, s := range res.Skipped {
			names = append(names, fmt.Sprintf("%s/%s/%s (requests %s, %s; peak %s, %s)", s.Workload.Cluster, s.Workload, s.Container,
				rightsizing.FormatCPU(s.Current.CPURequest), rightsizing.FormatMemory(s.Current.MemoryRequest),
				rightsizing.FormatCPU(s.PeakCPU), rightsizing.FormatMemory(s.PeakMemory)))
		}
		fmt.Fprintf(a.stdout, "%d init containers not right-sized (they run to completion before the pod's containers start; VPA and KRR leave them alone too): %s\n",
			n, strings.Join(names, "; "))
	}
	if len(res.Nodes) > 0 {
		var nodeTotals currencyTotals
		fmt.Fprintln(a.stdout)
		tw = tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CLUSTER\tNODE GROUP\tNOW\tPLANNED\tNOW/MONTH\tPLANNED/MONTH\tSAVES/MONTH")
		for _, n := range res.Nodes {
			now, planned := nodeCounts(n.Current), plannedCounts(n.Planned)
			if a := n.Averaged; a != nil {
				// The amounts are averages over the history: say how many nodes ran.
				now += fmt.Sprintf(" (avg %.2f)", a.CurrentNodes)
				planned += fmt.Sprintf(" at peak (avg %.2f)", a.PlannedNodes)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", tableCell(string(n.Cluster)), tableCell(n.Group), now, planned,
				moneyText(n.CurrentMonthly), moneyText(n.PlannedMonthly), moneyText(n.MonthlySavings))
			if err := nodeTotals.add(n.MonthlySavings); err != nil {
				return fmt.Errorf("saving of node group %s/%s: %w", n.Cluster, n.Group, err)
			}
		}
		tw.Flush()
		// The plans pack the pods at the recommended requests: their saving
		// includes the containers' (it is where the containers' is paid).
		fmt.Fprintf(a.stdout, "\n%s; total saving %s a month with the pods at the recommended requests above: "+
			"it includes the containers' saving, do not add the two\n", nodeGroupsText(len(res.Nodes), "node group"), totalsText(&nodeTotals))
		writeNodesKept(a.stdout, res.Nodes)
		writeCommittedNotes(a.stdout, res.Nodes)
	}
	return nil
}

// agentHPAs names the workloads right-sized for an HPA their agents
// reported, with its targets: "prod/shop/Deployment/api (cpu 70%, 2–10
// replicas)".
func agentHPAs(cs []rightsizing.ContainerResult) []string {
	var out []string
	seen := map[tally.WorkloadRef]bool{}
	for _, c := range cs {
		h := c.HPA
		if h == nil || c.HPASource != rightsizing.HPASourceAgent || seen[c.Workload] {
			continue
		}
		seen[c.Workload] = true
		var on []string
		if h.CPUTargetUtilization > 0 {
			on = append(on, fmt.Sprintf("cpu %.0f%%", h.CPUTargetUtilization*100))
		}
		if h.MemoryTargetUtilization > 0 {
			on = append(on, fmt.Sprintf("memory %.0f%%", h.MemoryTargetUtilization*100))
		}
		if h.OtherMetrics {
			on = append(on, "other metrics")
		}
		if h.MaxReplicas > 0 {
			on = append(on, fmt.Sprintf("%d–%d replicas", h.MinReplicas, h.MaxReplicas))
		}
		out = append(out, fmt.Sprintf("%s/%s (%s)", c.Workload.Cluster, c.Workload, strings.Join(on, ", ")))
	}
	slices.Sort(out)
	return out
}

// nodeGroupsText counts n of noun: "1 node group", "3 node groups".
func nodeGroupsText(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// replicasText is the REPLICAS column: the average replicas to one decimal,
// or two below one (a CronJob running an hour a day averages 0.04, not 0.0).
func replicasText(r float64) string {
	if r < 1 {
		return strconv.FormatFloat(r, 'f', 2, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// confidenceText is the CONFIDENCE column: the history in days ("14.0d"),
// or hours below a day ("1.0h"), marked "low" below
// rightsizing.MinConfidentDays.
func confidenceText(r *rightsizing.Recommendation) string {
	s := rightsizing.FormatHistoryShort(r.Confidence)
	if r.LowConfidence() {
		s += " low"
	}
	return s
}

// totalsText lists one total per currency, in currency order: "50 EUR, 110 USD".
func totalsText(totals *currencyTotals) string {
	var sums []tally.Money
	totals.each(func(m tally.Money) { sums = append(sums, m) })
	if len(sums) == 0 {
		return "0"
	}
	slices.SortFunc(sums, func(a, b tally.Money) int { return strings.Compare(string(a.Currency()), string(b.Currency())) })
	parts := make([]string, len(sums))
	for i, m := range sums {
		parts[i] = moneyText(m)
	}
	return strings.Join(parts, ", ")
}

func limitOrNone(l int64) string {
	if l == 0 {
		return "none"
	}
	return rightsizing.FormatMemory(l)
}

func nodeCounts(ns []rightsizing.NodeCount) string {
	if len(ns) == 0 {
		return "none"
	}
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%d×%s/%s", n.Count, n.Type, n.Purchase))
	}
	return strings.Join(parts, " ")
}

// plannedCounts is the PLANNED column: the nodes planned, or "none (remove
// the group)" for a group the plan empties.
func plannedCounts(ns []rightsizing.PlannedNodes) string {
	if len(ns) == 0 {
		return "none (remove the group)"
	}
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%d×%s/%s", n.Count, n.Type, n.Purchase))
	}
	return strings.Join(parts, " ")
}

// writePatchDir writes one patch file per workload.
func writePatchDir(dir string, results []rightsizing.ContainerResult) error {
	patches, err := rightsizing.Patches(results)
	if err != nil {
		return err
	}
	if err := mkdirOutput(dir); err != nil {
		return fmt.Errorf("patch dir: %w", err)
	}
	for _, p := range patches {
		if err := writeOutput(filepath.Join(dir, p.File), append([]byte("# "+p.Command+"\n"), p.YAML...)); err != nil {
			return fmt.Errorf("write patch: %w", err)
		}
	}
	return nil
}
