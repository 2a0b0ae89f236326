package attribution

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// Dimension is something allocations can be grouped or filtered by.
type Dimension struct {
	// Field is cluster, node, namespace, controllerKind, controller, pod,
	// container, service, label, annotation, an alias of a label
	// (department, environment, owner, product, team: Query.Aliases names
	// it), or, in filters only, nodeLabel or provider.
	Field string
	Key   string // the label, annotation or node label key
}

// dimensionFields are the fields allocations can be aggregated and
// filtered by, besides OpenCost's alias fields (aliasFields), in the order
// errors list them. "workload" is an alias of "controller"; "service"
// groups costs outside Kubernetes by the billed service.
var dimensionFields = []string{"cluster", "node", "namespace", "controllerKind", "controller", "pod", "container", "service", "label", "annotation"}

// DimensionFields returns the fields ParseDimension reads, OpenCost's
// alias fields apart, in the order its error lists them.
func DimensionFields() []string { return slices.Clone(dimensionFields) }

// isField reports whether field is one ParseDimension reads.
func isField(field string) bool {
	return slices.Contains(dimensionFields, field) || IsAlias(field)
}

// WantFields words the fields a caller reads (DimensionFields, with or
// without others) for an error, each as a user writes it, OpenCost's alias
// fields last: "want cluster, …, controller (workload), …, label:KEY,
// annotation:KEY or an alias of a label (department, …, team)".
func WantFields(fields []string) string {
	words := make([]string, len(fields))
	for i, f := range fields {
		switch f {
		case "controller":
			words[i] = "controller (workload)"
		case "label", "annotation":
			words[i] = f + ":KEY"
		default:
			words[i] = f
		}
	}
	return "want " + strings.Join(words, ", ") + " or an alias of a label (" + strings.Join(aliasFields, ", ") + ")"
}

// ParseDimension reads "namespace", "label:team" or "label[team]", or one
// of OpenCost's alias fields ("team"), which OpenCost aggregates by too.
func ParseDimension(s string) (Dimension, error) {
	d, why := parseDimension(s)
	if why != "" {
		return Dimension{}, tally.Errorf(tally.EInvalid, "aggregate %q: %s", strings.TrimSpace(s), why)
	}
	return d, nil
}

// parseDimension reads a dimension, or says why it is none.
func parseDimension(s string) (Dimension, string) {
	field, key := splitDimension(s)
	if field == "workload" {
		field = "controller"
	}
	if !isField(field) {
		return Dimension{}, WantFields(dimensionFields)
	}
	if (field == "label" || field == "annotation") != (key != "") {
		return Dimension{}, "label and annotation take a key (label:team), other fields none"
	}
	return Dimension{Field: field, Key: key}, ""
}

// splitDimension splits "label:team" or "label[team]" into its field and
// key; a dimension without a key is its field.
func splitDimension(s string) (field, key string) {
	s = strings.TrimSpace(s)
	if f, k, ok := strings.Cut(s, ":"); ok {
		s = f + "[" + k + "]"
	}
	field = s
	if i := strings.IndexByte(s, '['); i >= 0 && strings.HasSuffix(s, "]") {
		field, key = s[:i], s[i+1:len(s)-1]
	}
	return field, key
}

func (d Dimension) String() string {
	if d.Key != "" {
		return d.Field + ":" + d.Key
	}
	return d.Field
}

// Filter keeps allocations whose dimension has one of Values (matches one
// of them by Op), or, if Not, none of them. A value of a controller, pod or
// container without a slash is the name alone (as OpenCost names them) and
// matches that name in every namespace; with one it is Tally's key
// (namespace/name, namespace/controller/container). A controller kind
// matches without regard to case. A label or annotation filter without a
// key matches the keys: label:"app" keeps allocations with a label app. A filter with Any is a group instead:
// it keeps what all the filters of any one of Any keep (OpenCost's
// a|(b+c)).
type Filter struct {
	Dim    Dimension
	Values []string
	Op     FilterOp
	Not    bool
	Any    [][]Filter
}

// FilterOp is how a filter's values match a dimension's value.
type FilterOp string

// Filter operators, OpenCost's :, ~:, <~: and ~>:.
const (
	FilterEqual    FilterOp = ""         // the value is one of Values
	FilterContains FilterOp = "contains" // the value contains one
	FilterPrefix   FilterOp = "prefix"   // the value starts with one
	FilterSuffix   FilterOp = "suffix"   // the value ends with one
)

// IdleMode says what to do with idle cost.
type IdleMode string

// Idle modes.
const (
	IdleSeparate IdleMode = "separate" // an __idle__ group
	IdleShare    IdleMode = "share"    // spread over the groups of its cluster by their CPU, RAM and GPU cost
	IdleHide     IdleMode = "hide"     // left out (totals no longer match the bill)
)

// SharedMode says how a cluster's shared costs (and shared namespaces) are spread.
type SharedMode string

// Shared modes.
const (
	SharedWeighted SharedMode = "weighted" // by each group's cost in the cluster
	SharedEven     SharedMode = "even"     // evenly over the cluster's groups
	SharedSeparate SharedMode = "separate" // a __shared__ group
)

// Query asks for allocations aggregated per step over a window.
type Query struct {
	Window          tally.Window
	Step            time.Duration // 0: one step over the whole window
	Aggregate       []Dimension
	Filters         []Filter
	Idle            IdleMode
	Shared          SharedMode
	ShareNamespaces []string // namespaces whose cost is shared cost (e.g. kube-system): spread, or __shared__ under SharedSeparate
	Basis           tally.CostBasis
	// IdleByNode keeps idle per node instead of per cluster (OpenCost's
	// idleByNode): shown separately, each node's idle is its own group
	// (NodeIdleName); shared, it goes to the allocations of its node only.
	// Nodes are in the hourly allocations only (NeedsHourly).
	IdleByNode bool
	// BarePodsUnowned has filters on controller and controller kind read a
	// pod without a controller (its own workload, of kind Pod) as one
	// without a workload (""), as OpenCost does; its groups keep its
	// workload and kind, for the caller to name.
	BarePodsUnowned bool
	// Aliases name the labels OpenCost's alias fields (department,
	// environment, owner, product, team) read; empty names are OpenCost's
	// defaults. An alias's value is the allocation's label, or where it has
	// none, its pod's annotation of that name, as OpenCost's. OpenCost
	// also reads namespace labels, which Tally does not collect.
	Aliases Aliases
}

// NodeIdleName names a node's idle group under Query.IdleByNode as
// OpenCost names a node's idle allocation: cluster/node/__idle__.
func NodeIdleName(cluster, node string) string {
	return cluster + "/" + node + "/" + tally.IdleName
}

// filtersWithin reports whether q filters allocations within clusters and
// nodes (by namespace, workload, label…): a store returns the rows outside
// such filters marked Outside. Filters on cluster and node keep whole
// nodes, with their idle and shared costs.
func (q *Query) filtersWithin() bool {
	for i := range q.Filters {
		if !q.Filters[i].Scoped() {
			return true
		}
	}
	return false
}

// Scoped reports whether f compares clusters and nodes only (their
// names, node labels, provider IDs), and so keeps or drops whole nodes.
func (f *Filter) Scoped() bool {
	for _, d := range f.Dimensions() {
		if !nodeLevel(d.Field) {
			return false
		}
	}
	return true
}

// nodeLevel reports whether a field is a node's: its cluster, its name,
// its labels (nodeLabel) or its provider ID (provider).
func nodeLevel(field string) bool {
	return field == "cluster" || field == "node" || field == "nodeLabel" || field == "provider"
}

// NeedsHourly reports whether the query needs hourly rows: steps that are
// not whole days, a window not from midnight to midnight (UTC), or pods,
// annotations (aliases of labels too, which fall back to them) and nodes
// (their labels and provider IDs, idle by node too), which the daily
// rollups collapse.
func (q *Query) NeedsHourly() bool {
	if q.IdleByNode {
		return true
	}
	if q.Step > 0 && q.Step%(24*time.Hour) != 0 {
		return true
	}
	midnight := func(t time.Time) bool { return t.Equal(t.Truncate(24 * time.Hour)) }
	if !midnight(q.Window.Start) || !midnight(q.Window.End) {
		return true
	}
	hourly := func(d Dimension) bool {
		return d.Field == "pod" || d.Field == "annotation" || IsAlias(d.Field) || d.Field != "cluster" && nodeLevel(d.Field)
	}
	for _, d := range q.Aggregate {
		if hourly(d) {
			return true
		}
	}
	for i := range q.Filters {
		for _, d := range q.Filters[i].Dimensions() {
			if hourly(d) {
				return true
			}
		}
	}
	return false
}

// Row is what a store returns: allocations summed per step, group keys,
// cluster, namespace, class and cost kind.
type Row struct {
	Start, End time.Time
	Keys       []string // values of Query.Aggregate, "" where the allocation lacks the dimension
	// FromAnnotation says, per key, that an alias field's value (team…) is
	// its pods' annotation, as they have no such label; nil when no key is.
	FromAnnotation []bool
	Cluster        string
	Node           string // the node, under Query.IdleByNode only ("" otherwise)
	Namespace      string
	Class          string // "" for containers and namespace-level costs, or idle, shared, unallocated
	CostKind       string
	Cost           tally.Money // on Query.Basis
	Estimated      bool
	// Ran is when the row's allocations ran within its step: from the
	// first one's start to the last one's end, each its tally.Allocation.Ran
	// or its whole hour (whole days when read from the daily rollups).
	// Zero when the store does not say.
	Ran tally.Window
	// Outside marks rows the query's filters exclude. They are returned
	// (collapsed, without keys) only so idle and shared costs are spread over
	// the whole cluster, and are left out of the result. An idle or shared
	// row is outside when the filters leave out its own values (its
	// cluster, node, namespace ""…): that decides whether it is kept when
	// no allocation can take it.
	Outside bool
	Resources
}

// Resources are the resource-hours behind a cost: what was allocated
// (max(request, usage) by default), requested and used.
type Resources struct {
	CPUCoreHours        float64 `json:"cpuCoreHours"`
	CPURequestCoreHours float64 `json:"cpuCoreRequestHours"`
	CPUUsageCoreHours   float64 `json:"cpuCoreUsageHours"`
	RAMByteHours        float64 `json:"ramByteHours"`
	RAMRequestByteHours float64 `json:"ramByteRequestHours"`
	RAMUsageByteHours   float64 `json:"ramByteUsageHours"`
	GPUHours            float64 `json:"gpuHours"`
}

// Add adds o to r.
func (r *Resources) Add(o Resources) {
	r.CPUCoreHours += o.CPUCoreHours
	r.CPURequestCoreHours += o.CPURequestCoreHours
	r.CPUUsageCoreHours += o.CPUUsageCoreHours
	r.RAMByteHours += o.RAMByteHours
	r.RAMRequestByteHours += o.RAMRequestByteHours
	r.RAMUsageByteHours += o.RAMUsageByteHours
	r.GPUHours += o.GPUHours
}

// Row classes.
const (
	ClassIdle        = "idle"
	ClassShared      = "shared"
	ClassUnallocated = "unallocated"
)

// ClassOf returns the class of an allocation's container name.
func ClassOf(container string) string {
	switch container {
	case tally.IdleName:
		return ClassIdle
	case tally.SharedName:
		return ClassShared
	case tally.UnallocatedName:
		return ClassUnallocated
	}
	return ""
}

// MaxSteps is the most steps a query may split its window into. Validate
// counts them arithmetically, so refusing a request costs nothing.
const MaxSteps = 2000

// MaxHourlyWindow is the longest window of a query that reads hourly
// allocations (NeedsHourly): they are tens of millions of rows a month, and
// any viewer can ask. The dashboard's longest windows (90d, month,
// lastmonth) fit, so it refuses no view the dashboard offers. Queries the
// daily rollups answer read a few thousand rows a day and are bounded by
// the stores' statement timeout only.
const MaxHourlyWindow = 92 * 24 * time.Hour // a quarter

// Steps returns the step windows of q.
func (q *Query) Steps() []tally.Window {
	if q.Step <= 0 {
		return []tally.Window{q.Window}
	}
	return q.Window.Split(q.Step)
}

func (q *Query) validate() error {
	if !q.Window.End.After(q.Window.Start) {
		return tally.Errorf(tally.EInvalid, "window %v is empty", q.Window)
	}
	if q.Step > 0 && q.Step < time.Hour {
		return tally.Errorf(tally.EInvalid, "step %v: the finest step is 1h", q.Step)
	}
	if q.Step%time.Hour != 0 {
		// Costs are hourly: a 90m step would hold two hours, then one, each
		// labelled with a span it does not cover.
		return tally.Errorf(tally.EInvalid, "step %v: want whole hours (1h, 6h, 1d, 7d): costs are kept per hour", q.Step)
	}
	if n := q.Window.StepCount(q.Step); n > MaxSteps {
		return tally.Errorf(tally.EInvalid, "window %v in steps of %v makes %d steps; use a larger step", q.Window, q.Step, n)
	}
	if q.NeedsHourly() && q.Window.End.Sub(q.Window.Start) > MaxHourlyWindow {
		return tally.Errorf(tally.EInvalid, "window %v: queries that read hourly allocations (steps not whole days, windows not from midnight to midnight UTC, pods, nodes, idle by node, annotations, nodeLabel, provider, or the alias fields department, environment, owner, product and team) cover at most %d days; narrow the window",
			q.Window, MaxHourlyWindow/(24*time.Hour))
	}
	return nil
}

// Validate checks the query before it reaches a store.
func (q *Query) Validate() error {
	if err := q.validate(); err != nil {
		return err
	}
	switch q.Idle {
	case "", IdleSeparate, IdleShare, IdleHide:
	default:
		return tally.Errorf(tally.EInvalid, "idle %q: want separate, share or hide", q.Idle)
	}
	switch q.Shared {
	case "", SharedWeighted, SharedEven, SharedSeparate:
	default:
		return tally.Errorf(tally.EInvalid, "shared %q: want weighted, even or separate", q.Shared)
	}
	return q.Aliases.Validate()
}

func (q *Query) String() string {
	var agg []string
	for _, d := range q.Aggregate {
		agg = append(agg, d.String())
	}
	return fmt.Sprintf("window=%v step=%v aggregate=%s", q.Window, q.Step, strings.Join(agg, ","))
}
