package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// openCostAllocations answers OpenCost's GET /allocation/compute with its
// parameters (window, step, aggregate, accumulate and accumulateBy (true,
// all, none, or calendar hour, day, week, month, quarter), includeIdle/idle,
// shareIdle, idleByNode, filter, shareNamespaces, shareSplit) and response
// shape, so OpenCost clients work unchanged. Costs are numbers there.
// Without aggregate it answers as OpenCost does, one allocation per
// container of a pod (unaggregated), not Tally's API's default, namespaces.
// With idleByNode, idle is each node's: shown with one name part per
// field, as every name (openCostNodeIdleName), with the cluster and node
// properties, or shared with the allocations of its node only.
// Controllers are named kind:name and controllerKind is lower case, as
// OpenCost's (deployment:checkout-api); OpenCost's name of a controller
// has no namespace, so same-named controllers of one kind in several
// namespaces are one allocation, without a namespace property.
func (s *Server) openCostAllocations(w http.ResponseWriter, r *http.Request) {
	unaggregated := r.URL.Query().Get("aggregate") == ""
	in := filterQuery(r, attribution.ParseOpenCostFilter)
	if err := checkOpenCostAggregate(in.Get("aggregate")); err != nil {
		s.openCostError(w, r, err)
		return
	}
	aggregate, kinds := openCostKindAggregates(in.Get("aggregate"))
	in.Set("aggregate", aggregate)
	v, err := openCostParams(in)
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	if oc, ok := openCostNamedWindow(v.Get("window"), s.now()); ok {
		v.Set("window", oc)
	}
	def, err := s.costSettings(r.Context())
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	q, err := allocationQuery(v, s.now(), def)
	q.Aliases = s.aliases
	var periods []tally.Window
	var hidden []bool
	var only []string
	if err == nil {
		q.Aggregate, hidden = openCostControllerKinds(q.Aggregate)
		only = openCostShown(kinds, hidden)
		q.IdleByNode = v.Get("idleByNode") == "true"
		q.BarePodsUnowned = true // a bare pod has no controller in OpenCost
		if period := v.Get("accumulate"); period != "" {
			// Costs are summed per day (per hour for hours) as OpenCost
			// sums its daily sets, then into the calendar periods.
			if periods, err = calendarPeriods(q.Window, period); err != nil {
				s.openCostError(w, r, err)
				return
			}
			q.Window = tally.Window{Start: periods[0].Start, End: periods[len(periods)-1].End}
			unit := "days"
			q.Step = 24 * time.Hour
			if period == "hour" {
				q.Step, unit = time.Hour, "hours"
			}
			if n := q.Window.StepCount(q.Step); n > attribution.MaxSteps {
				err = tally.Errorf(tally.EInvalid, "accumulate %s over window %v sums %d %s, at most %d: narrow the window", period, q.Window, n, unit, attribution.MaxSteps)
			}
		}
		if err == nil {
			err = q.Validate() // nodes are in the hourly allocations only
		}
	}
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	groups, err := s.aggregate(r.Context(), q)
	if err == nil && periods != nil {
		groups, err = attribution.Accumulate(groups, periods)
	}
	if err != nil {
		s.openCostError(w, r, err)
		return
	}
	steps := q.Steps()
	if periods != nil {
		steps = periods
	}
	// Groups OpenCost names alike (controllers of one kind and name in
	// different namespaces) are one allocation there: merged, with the
	// properties they share.
	type named struct {
		group *attribution.Group
		props openCostProperties
	}
	var order []string
	byName := map[string]*named{}
	for gi := range groups {
		g := &groups[gi]
		props := newOpenCostProperties(g, q.Aggregate, q.Aliases)
		name := openCostName(g, q.Aggregate, hidden, only)
		if unaggregated && (len(g.Keys) > 0 || g.Name == tally.UnallocatedName) {
			name = openCostContainerName(props)
		}
		if n, ok := byName[name]; ok {
			if err := n.group.Merge(g); err != nil {
				s.openCostError(w, r, err)
				return
			}
			n.props = intersectOpenCostProperties(n.props, props)
			continue
		}
		byName[name] = &named{group: g, props: props}
		order = append(order, name)
	}
	data := make([]map[string]openCostAllocation, len(steps))
	for i := range steps {
		data[i] = map[string]openCostAllocation{}
	}
	for _, name := range order {
		n := byName[name]
		g := n.group
		for i := range g.Steps {
			if g.Steps[i].Total.IsZero() && g.Steps[i].CPUCoreHours == 0 && g.Steps[i].RAMByteHours == 0 {
				continue
			}
			a := newOpenCostAllocation(&g.Steps[i], n.props)
			a.Name = name
			data[i][a.Name] = a
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": http.StatusOK, "status": "success", "data": data})
}

// openCostControllerKindFields are OpenCost's aggregates by the
// controllers of one kind: by deployment, a deployment's name, and
// __unallocated__ for what no deployment runs.
var openCostControllerKindFields = []string{"deployment", "statefulset", "daemonset", "job"}

// checkOpenCostAggregate checks the fields of aggregate, a comma list,
// against those OpenCost's routes aggregate by (openCostAggregateFields),
// and refuses OpenCost's service: OpenCost's are Kubernetes Services,
// which Tally does not know (its agent does not report which Services
// select a pod), not the billed services Tally's service is.
func checkOpenCostAggregate(aggregate string) error {
	for _, f := range splitList(aggregate) {
		if slices.Contains(openCostControllerKindFields, f) {
			continue
		}
		d, err := attribution.ParseDimension(f)
		switch {
		case err == nil && d.Field == "service":
			return tally.Errorf(tally.EInvalid, "aggregate %q: %s", f, attribution.KubernetesServicesUnknown("service is", "aggregate=service"))
		case err != nil && !slices.Contains(attribution.DimensionFields(), f):
			return tally.Errorf(tally.EInvalid, "aggregate %q: %s", f, attribution.WantFields(openCostAggregateFields()))
		case err != nil:
			return err
		}
	}
	return nil
}

// openCostAggregateFields are the fields OpenCost's routes aggregate by:
// Tally's (attribution.DimensionFields) but service, which they refuse,
// with OpenCost's controller kinds after controller.
func openCostAggregateFields() []string {
	var out []string
	for _, f := range attribution.DimensionFields() {
		switch f {
		case "service":
		case "controller":
			out = append(append(out, f), openCostControllerKindFields...)
		default:
			out = append(out, f)
		}
	}
	return out
}

// openCostKindAggregates reads OpenCost's aggregates by the controllers of
// one kind (deployment, statefulset, daemonset, job) in aggregate, a comma
// list: it returns the list with controller in their place, and, for each
// of its fields, the controller kind it names ("" for other fields).
func openCostKindAggregates(aggregate string) (string, []string) {
	fields := splitList(aggregate)
	kinds := make([]string, len(fields))
	for i, f := range fields {
		if slices.Contains(openCostControllerKindFields, f) {
			fields[i], kinds[i] = "controller", f
		}
	}
	return strings.Join(fields, ","), kinds
}

// openCostShown aligns kinds, one per dimension asked for, with the
// dimensions aggregated by, of which hidden ones were added.
func openCostShown(kinds []string, hidden []bool) []string {
	only := make([]string, len(hidden))
	j := 0
	for i, h := range hidden {
		if !h && j < len(kinds) {
			only[i], j = kinds[j], j+1
		}
	}
	return only
}

// openCostControllerKinds adds controllerKind before controller in dims
// where dims lack it, as the dimension OpenCost names a controller by
// (kind:name); hidden marks the dimensions added, which name no part of
// an allocation's name.
func openCostControllerKinds(dims []attribution.Dimension) (out []attribution.Dimension, hidden []bool) {
	for _, d := range dims {
		if d.Field == "controllerKind" {
			return dims, make([]bool, len(dims))
		}
	}
	for _, d := range dims {
		if d.Field == "controller" {
			out, hidden = append(out, attribution.Dimension{Field: "controllerKind"}), append(hidden, true)
		}
		out, hidden = append(out, d), append(hidden, false)
	}
	return out, hidden
}

// openCostName names an aggregated allocation as OpenCost does: one part
// per dimension shown, joined by "/" (kubectl cost splits names so), a
// controller kind:name (deployment:checkout-api, kinds lower case, as
// OpenCost's controllerKind), a controller kind lower case, a pod and a
// container by their own names, without their namespace (Tally's keys of
// them carry it), a label or annotation as key=value (team=payments). A
// bare pod (Tally's workload of kind Pod, its own) has no controller
// there: its controller and kind are __unallocated__. What
// has no value of any dimension is __unallocated__ in every part. Reserved
// groups (__idle__, a node's idle, __shared__) keep their names. A
// controller dimension only[i] names a kind of (by deployment) is the
// controller's name when it is of that kind, else __unallocated__.
func openCostName(g *attribution.Group, dims []attribution.Dimension, hidden []bool, only []string) string {
	if g.Name == tally.UnallocatedName {
		parts := make([]string, 0, len(dims))
		for _, h := range hidden {
			if !h {
				parts = append(parts, tally.UnallocatedName)
			}
		}
		return strings.Join(parts, "/")
	}
	if g.Node != "" {
		return openCostNodeIdleName(g, dims, hidden)
	}
	if len(g.Keys) != len(dims) {
		return g.Name
	}
	parts := make([]string, 0, len(dims))
	kind, bare := openCostKind(g, dims)
	for i, d := range dims {
		k := g.Keys[i]
		if k != tally.UnallocatedName {
			switch d.Field {
			case "controllerKind":
				k = kind
				if bare {
					k = tally.UnallocatedName
				}
			case "controller": // namespace/name
				if _, name, ok := strings.Cut(k, "/"); ok {
					k = name
				}
				switch {
				case bare || only[i] != "" && only[i] != kind:
					k = tally.UnallocatedName
				case kind != "" && only[i] == "":
					k = kind + ":" + k
				}
			case "pod": // namespace/pod
				k = k[strings.Index(k, "/")+1:]
			case "container": // namespace/controller/container
				k = k[strings.LastIndex(k, "/")+1:]
			case "label", "annotation":
				k = d.Key + "=" + k
			}
		}
		if hidden[i] {
			continue
		}
		parts = append(parts, k)
	}
	return strings.Join(parts, "/")
}

// openCostNodeIdleName names a node's idle (idleByNode) with one part per
// dimension shown, as kubectl cost splits names: the idle's cluster in a
// cluster part, its node in a node part, __idle__ in any other, as
// OpenCost's reserved names fill the parts they have no value of. By
// cluster and node alone that would be the node's own name, so its node
// parts (without one, its cluster parts) are __idle__: by node, the nodes'
// idle is one __idle__, and by cluster and node one per cluster.
func openCostNodeIdleName(g *attribution.Group, dims []attribution.Dimension, hidden []bool) string {
	var parts, fields []string
	for i, d := range dims {
		if hidden[i] {
			continue
		}
		part := tally.IdleName
		switch d.Field {
		case "cluster":
			part = g.Cluster
		case "node":
			part = g.Node
		}
		parts, fields = append(parts, part), append(fields, d.Field)
	}
	if !slices.Contains(parts, tally.IdleName) {
		own := "node"
		if !slices.Contains(fields, own) {
			own = "cluster"
		}
		for i, f := range fields {
			if f == own {
				parts[i] = tally.IdleName
			}
		}
	}
	return strings.Join(parts, "/")
}

// openCostKind returns the controller kind of g's keys by dims, lower
// case as OpenCost's ("" without one), and whether it is a bare pod's
// (Pod), which OpenCost does not count a controller.
func openCostKind(g *attribution.Group, dims []attribution.Dimension) (kind string, bare bool) {
	for i, d := range dims {
		if d.Field == "controllerKind" && i < len(g.Keys) && g.Keys[i] != tally.UnallocatedName {
			kind = strings.ToLower(g.Keys[i])
		}
	}
	return kind, kind == strings.ToLower(tally.KindPod)
}

// intersectOpenCostProperties returns the properties a and b share, as
// OpenCost's allocations merged under one name have.
func intersectOpenCostProperties(a, b openCostProperties) openCostProperties {
	p := openCostProperties{Cluster: same(a.Cluster, b.Cluster), Node: same(a.Node, b.Node), Container: same(a.Container, b.Container),
		Controller: same(a.Controller, b.Controller), ControllerKind: same(a.ControllerKind, b.ControllerKind),
		Namespace: same(a.Namespace, b.Namespace), Pod: same(a.Pod, b.Pod)}
	if slices.Equal(a.Services, b.Services) {
		p.Services = a.Services
	}
	p.Labels, p.Annotations = sharedMap(a.Labels, b.Labels), sharedMap(a.Annotations, b.Annotations)
	return p
}

// same returns a when a and b are equal, else "".
func same(a, b string) string {
	if a == b {
		return a
	}
	return ""
}

// sharedMap returns the entries a and b share (nil for none).
func sharedMap(a, b map[string]string) map[string]string {
	var out map[string]string
	for k, v := range a {
		if w, ok := b[k]; ok && w == v {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// openCostUnaggregated is the aggregation of OpenCost's unaggregated
// allocations: one per container of a pod on a node. controllerKind does
// not split a pod's costs; it sets the controllerKind property, as OpenCost
// does. Pods and nodes are in the hourly allocations only, so a window
// without aggregate covers at most attribution.MaxHourlyWindow.
const openCostUnaggregated = "cluster,node,controllerKind,pod,container"

// openCostContainerName names an unaggregated allocation as OpenCost does,
// cluster/node/namespace/pod/container; a part it has no value of (the
// container of a pod no controller owns, which Tally does not key) is
// __unallocated__.
func openCostContainerName(p openCostProperties) string {
	parts := []string{p.Cluster, p.Node, p.Namespace, p.Pod, p.Container}
	for i, v := range parts {
		if v == "" {
			parts[i] = tally.UnallocatedName
		}
	}
	return strings.Join(parts, "/")
}

// openCostError writes err in OpenCost's envelope, {"code": status,
// "data": null, "message": …}, with the status Server.error gives it:
// OpenCost's clients decode code as a number.
func (s *Server) openCostError(w http.ResponseWriter, r *http.Request, err error) {
	_, status, msg := s.failed(r, err)
	writeJSON(w, status, map[string]any{"code": status, "data": nil, "message": msg})
}

// openCostParams translates OpenCost's parameter names to Tally's. Its
// booleans and shareSplit are checked: a value that is neither would
// otherwise be read as the default, and answer another question than the
// one asked. Its filter is checked as OpenCost's (ParseOpenCostFilter):
// services there are Kubernetes Services.
func openCostParams(in url.Values) (url.Values, error) {
	if _, err := attribution.ParseOpenCostFilter(in.Get("filter")); err != nil {
		return nil, err
	}
	out := url.Values{}
	for _, k := range []string{"window", "aggregate", "filter", "shareNamespaces"} {
		if v := in.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	v1, err := openCostV1Filter(in)
	if err != nil {
		return nil, err
	}
	if v1 != "" {
		if f := out.Get("filter"); strings.TrimSpace(f) != "" {
			v1 = "(" + f + ")+" + v1 // ANDed with all of filter, which may be a|b
		}
		out.Set("filter", v1)
	}
	if !out.Has("aggregate") {
		out.Set("aggregate", openCostUnaggregated)
	}
	flags := map[string]bool{}
	for _, k := range []string{"includeIdle", "idle", "shareIdle", "idleByNode"} {
		v := in.Get(k)
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "%s %q: want true or false", k, v)
		}
		flags[k] = b
	}
	all, period, err := openCostAccumulation(in)
	if err != nil {
		return nil, err
	}
	out.Set("step", in.Get("step"))
	switch {
	case all:
		out.Set("step", "window")
	case period != "":
		out.Set("step", "") // the calendar periods' days (hours)
		out.Set("accumulate", period)
	}
	idle := "separate"
	for _, k := range []string{"includeIdle", "idle"} {
		if include, ok := flags[k]; ok && !include {
			idle = "hide"
		}
	}
	if flags["shareIdle"] {
		idle = "share"
	}
	out.Set("idle", idle)
	if flags["idleByNode"] {
		out.Set("idleByNode", "true")
	}
	switch split := in.Get("shareSplit"); split {
	case "", "weighted":
		out.Set("shared", "weighted")
	case "even":
		out.Set("shared", "even")
	default:
		return nil, tally.Errorf(tally.EInvalid, "shareSplit %q: want weighted or even", split)
	}
	return out, nil
}

type openCostWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type openCostAllocation struct {
	Name                  string             `json:"name"`
	Properties            openCostProperties `json:"properties"`
	Window                openCostWindow     `json:"window"`
	Start                 time.Time          `json:"start"`
	End                   time.Time          `json:"end"`
	Minutes               float64            `json:"minutes"`
	CPUCores              float64            `json:"cpuCores"`
	CPUCoreRequestAverage float64            `json:"cpuCoreRequestAverage"`
	CPUCoreUsageAverage   float64            `json:"cpuCoreUsageAverage"`
	CPUCoreHours          float64            `json:"cpuCoreHours"`
	CPUCost               float64            `json:"cpuCost"`
	CPUCostAdjustment     float64            `json:"cpuCostAdjustment"`
	CPUEfficiency         float64            `json:"cpuEfficiency"`
	GPUCount              float64            `json:"gpuCount"`
	GPUHours              float64            `json:"gpuHours"`
	GPUCost               float64            `json:"gpuCost"`
	GPUCostAdjustment     float64            `json:"gpuCostAdjustment"`
	NetworkCost           float64            `json:"networkCost"`
	NetworkCostAdjustment float64            `json:"networkCostAdjustment"`
	LoadBalancerCost      float64            `json:"loadBalancerCost"`
	LoadBalancerCostAdj   float64            `json:"loadBalancerCostAdjustment"`
	PVCost                float64            `json:"pvCost"`
	PVCostAdjustment      float64            `json:"pvCostAdjustment"`
	RAMBytes              float64            `json:"ramBytes"`
	RAMByteRequestAverage float64            `json:"ramByteRequestAverage"`
	RAMByteUsageAverage   float64            `json:"ramByteUsageAverage"`
	RAMByteHours          float64            `json:"ramByteHours"`
	RAMCost               float64            `json:"ramCost"`
	RAMCostAdjustment     float64            `json:"ramCostAdjustment"`
	RAMEfficiency         float64            `json:"ramEfficiency"`
	SharedCost            float64            `json:"sharedCost"`
	ExternalCost          float64            `json:"externalCost"`
	TotalCost             float64            `json:"totalCost"`
	TotalEfficiency       float64            `json:"totalEfficiency"`
}

// openCostProperties is OpenCost's AllocationProperties: the values of the
// dimensions aggregated by, each under OpenCost's name and type (services a
// list, labels and annotations maps). Tally's keys of controllers, pods and
// containers carry their namespace (and a container its controller) so that
// same names in different namespaces stay apart; here they are split into
// the properties they hold, as OpenCost has them.
type openCostProperties struct {
	Cluster        string            `json:"cluster,omitempty"`
	Node           string            `json:"node,omitempty"`
	Container      string            `json:"container,omitempty"`
	Controller     string            `json:"controller,omitempty"`
	ControllerKind string            `json:"controllerKind,omitempty"`
	Namespace      string            `json:"namespace,omitempty"`
	Pod            string            `json:"pod,omitempty"`
	Services       []string          `json:"services,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	Annotations    map[string]string `json:"annotations,omitempty"`
}

// newOpenCostProperties reads a group's keys, one per dimension. A key that
// is a reserved name (no value: __unallocated__) sets no property. A node's
// idle (idleByNode) has the cluster and node properties, as OpenCost's. A
// bare pod has no controller or controllerKind, as in OpenCost. An alias
// field's value (aggregate=team) is under the label it reads (aliases'),
// as OpenCost keeps it and as aggregate=label:team has it, or under
// annotations where the group's pods have it as an annotation only.
func newOpenCostProperties(g *attribution.Group, dims []attribution.Dimension, aliases attribution.Aliases) openCostProperties {
	p := openCostProperties{Cluster: g.Cluster, Node: g.Node}
	_, bare := openCostKind(g, dims)
	for i, d := range dims {
		if i >= len(g.Keys) {
			break
		}
		k := g.Keys[i]
		if k == "" || k == tally.UnallocatedName {
			continue
		}
		switch d.Field {
		case "cluster":
			p.Cluster = k
		case "node":
			p.Node = k
		case "namespace":
			p.Namespace = k
		case "controllerKind": // lower case, as OpenCost's (deployment)
			p.ControllerKind = strings.ToLower(k)
		case "controller": // namespace/controller
			p.Controller = cutPrefix(k, &p.Namespace)
		case "pod": // namespace/pod
			p.Pod = cutPrefix(k, &p.Namespace)
		case "container": // namespace/controller/container
			p.Container = cutPrefix(cutPrefix(k, &p.Namespace), &p.Controller)
		case "label":
			p.Labels = withKey(p.Labels, d.Key, k)
		case "annotation":
			p.Annotations = withKey(p.Annotations, d.Key, k)
		default:
			if !attribution.IsAlias(d.Field) {
				break
			}
			if i < len(g.FromAnnotation) && g.FromAnnotation[i] {
				p.Annotations = withKey(p.Annotations, aliases.Label(d.Field), k)
			} else {
				p.Labels = withKey(p.Labels, aliases.Label(d.Field), k)
			}
		}
	}
	if bare {
		p.Controller, p.ControllerKind = "", ""
	}
	return p
}

// withKey sets m[key] to v, making m if it is nil, and returns m.
func withKey(m map[string]string, key, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[key] = v
	return m
}

// cutPrefix cuts "prefix/rest" at its first slash, sets *prefix and returns
// rest; a key without a slash is returned whole.
func cutPrefix(k string, prefix *string) string {
	if a, b, ok := strings.Cut(k, "/"); ok {
		*prefix = a
		return b
	}
	return k
}

// newOpenCostAllocation is a group's step, with properties props, as
// OpenCost has it (the caller names it): window is
// the step, start and end when the allocation ran in it (from the hourly
// allocations, when its pods ran, to the second the agent saw them start
// and stop; from the daily rollups, the days it has costs in), and minutes
// and the averages (cpuCores, request and usage averages, ramBytes,
// gpuCount) are over that time, as OpenCost's are: a pod that ran 5 hours
// of a day requesting a core averages a core, and so does one that ran 20
// minutes of an hour.
func newOpenCostAllocation(c *attribution.StepCost, props openCostProperties) openCostAllocation {
	ran := c.Window
	if !c.Ran.End.IsZero() {
		ran = c.Ran.Intersect(c.Window)
		if !ran.End.After(ran.Start) {
			ran = c.Window
		}
	}
	hours := ran.Duration().Hours()
	per := func(v float64) float64 {
		if hours == 0 {
			return 0
		}
		return v / hours
	}
	cpuEff := openCostEfficiency(c.CPUUsageCoreHours, c.CPURequestCoreHours, c.CPU)
	ramEff := openCostEfficiency(c.RAMUsageByteHours, c.RAMRequestByteHours, c.RAM)
	var totalEff float64
	if cpu, ram := c.CPU.Float64(), c.RAM.Float64(); cpu+ram > 0 {
		totalEff = (cpuEff*cpu + ramEff*ram) / (cpu + ram)
	}
	return openCostAllocation{
		Properties: props, Window: openCostWindow{c.Window.Start, c.Window.End},
		Start: ran.Start, End: ran.End, Minutes: ran.Duration().Minutes(),
		CPUCores: per(c.CPUCoreHours), CPUCoreRequestAverage: per(c.CPURequestCoreHours), CPUCoreUsageAverage: per(c.CPUUsageCoreHours),
		CPUCoreHours: c.CPUCoreHours, CPUCost: c.CPU.Float64(), CPUEfficiency: cpuEff,
		GPUCount: per(c.GPUHours), GPUHours: c.GPUHours, GPUCost: c.GPU.Float64(),
		NetworkCost: c.Network.Float64(), LoadBalancerCost: c.LoadBalancer.Float64(), PVCost: c.PV.Float64(),
		RAMBytes: per(c.RAMByteHours), RAMByteRequestAverage: per(c.RAMRequestByteHours), RAMByteUsageAverage: per(c.RAMUsageByteHours),
		RAMByteHours: c.RAMByteHours, RAMCost: c.RAM.Float64(), RAMEfficiency: ramEff,
		SharedCost: c.Shared.Float64(), ExternalCost: c.External.Float64() + c.Other.Float64(), TotalCost: c.Total.Float64(),
		TotalEfficiency: totalEff,
	}
}

// openCostEfficiency is OpenCost's CPU or RAM efficiency: usage over
// request (above 1 for a container using more than it asked for); without
// a request, 1 when there is usage and cost, else 0. Tally's own API's
// efficiency is usage over what was allocated, max(request, usage).
func openCostEfficiency(usage, request float64, cost tally.Money) float64 {
	switch {
	case request > 0:
		return usage / request
	case usage > 0 && !cost.IsZero():
		return 1
	}
	return 0
}
