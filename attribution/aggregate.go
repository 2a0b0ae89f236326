package attribution

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/tallyhq/tally"
)

// Group is one aggregate's costs per step and in total.
type Group struct {
	Name string   `json:"name"` // keys joined with "/", or __idle__, __shared__, __unallocated__
	Keys []string `json:"keys"` // one per Query.Aggregate dimension ("" for the reserved groups)
	// FromAnnotation says, per key, that an alias field's value (team…)
	// is the annotation of every pod of the group, none of which has the
	// label (Row.FromAnnotation of all its rows); nil when no key is.
	FromAnnotation []bool `json:"-"`
	// Cluster and Node are set on a node's idle group (Query.IdleByNode)
	// only: it has no keys.
	Cluster string     `json:"cluster,omitempty"`
	Node    string     `json:"node,omitempty"`
	Steps   []StepCost `json:"steps"`
	Total   StepCost   `json:"total"`
}

// StepCost is a group's cost in one step, by kind, with the resources behind it.
type StepCost struct {
	Window       tally.Window `json:"window"`
	CPU          tally.Money  `json:"cpuCost"`
	RAM          tally.Money  `json:"ramCost"`
	GPU          tally.Money  `json:"gpuCost"`
	PV           tally.Money  `json:"pvCost"`
	Network      tally.Money  `json:"networkCost"`
	LoadBalancer tally.Money  `json:"loadBalancerCost"`
	Shared       tally.Money  `json:"sharedCost"`
	External     tally.Money  `json:"externalCost"`
	Other        tally.Money  `json:"otherCost"` // unowned lines (tax, support, unused commitments) on __unallocated__
	IdleShared   tally.Money  `json:"idleCost"`  // idle folded in (idle=share), included in CPU, RAM, GPU
	Total        tally.Money  `json:"totalCost"`
	Estimated    bool         `json:"estimated"`
	// Ran is when the step's allocations ran (Row.Ran of its rows, from the
	// first start to the last end) on nodes: zero when unknown, as for
	// idle and shared costs spread onto a group and for costs outside
	// nodes (ranOnNodes), which do not make it run longer.
	Ran tally.Window `json:"-"`
	Resources
}

// extend widens s's Ran to include w.
func (s *StepCost) extend(w tally.Window) {
	if w.End.IsZero() {
		return
	}
	if s.Ran.End.IsZero() {
		s.Ran = w
		return
	}
	if w.Start.Before(s.Ran.Start) {
		s.Ran.Start = w.Start
	}
	if w.End.After(s.Ran.End) {
		s.Ran.End = w.End
	}
}

// Currency returns the currency of the step's costs ("" when it has none).
func (s *StepCost) Currency() tally.Currency {
	for _, m := range []tally.Money{s.Total, s.CPU, s.RAM, s.GPU, s.PV, s.Network, s.LoadBalancer, s.Shared, s.External, s.Other} {
		if cur := m.Currency(); cur != "" {
			return cur
		}
	}
	return ""
}

// Efficiency is CPU and RAM usage over what was allocated (max(request,
// usage), so at most 1), weighted by their costs (0 when there is no CPU
// or RAM cost). OpenCost's totalEfficiency, which /allocation/compute
// gives, is usage over request instead.
func (s *StepCost) Efficiency() float64 {
	cpu, ram := s.CPU.Float64(), s.RAM.Float64()
	if cpu+ram <= 0 {
		return 0
	}
	var e float64
	if s.CPUCoreHours > 0 {
		e += math.Min(s.CPUUsageCoreHours/s.CPUCoreHours, 1) * cpu
	}
	if s.RAMByteHours > 0 {
		e += math.Min(s.RAMUsageByteHours/s.RAMByteHours, 1) * ram
	}
	return e / (cpu + ram)
}

func (s *StepCost) field(kind string) *tally.Money {
	switch kind {
	case tally.CostCPU:
		return &s.CPU
	case tally.CostRAM:
		return &s.RAM
	case tally.CostGPU:
		return &s.GPU
	case tally.CostPV:
		return &s.PV
	case tally.CostNetwork:
		return &s.Network
	case tally.CostLoadBalancer:
		return &s.LoadBalancer
	case tally.CostShared:
		return &s.Shared
	case tally.CostExternal:
		return &s.External
	}
	return &s.Other // CostOther, CostPeriod
}

func (s *StepCost) add(r *Row, kind string, m tally.Money) error {
	f := s.field(kind)
	v, err := f.Add(m)
	if err != nil {
		return err
	}
	*f = v
	if r == nil {
		return nil
	}
	s.Estimated = s.Estimated || r.Estimated
	s.Resources.Add(r.Resources)
	if ranOnNodes(kind) {
		s.extend(r.Ran)
	}
	return nil
}

// ranOnNodes reports whether costs of kind are of allocations that ran on
// a node (CPU, RAM, GPU), whose Ran is when they ran. A group's other
// costs (its volumes, load balancers, network, external costs) are billed
// by the hour or day whether its pods ran or not, so they do not make it
// run longer: a namespace whose pod ran 20 minutes of an hour, beside its
// PVC's disk billed the whole hour, ran 20 minutes, as in OpenCost, where
// a volume's cost is its pods'. A group with only such costs ran its
// step (Ran stays unknown).
func ranOnNodes(kind string) bool {
	return kind == tally.CostCPU || kind == tally.CostRAM || kind == tally.CostGPU
}

func (s *StepCost) sumTotal() {
	t := tally.Money{}
	for _, m := range []tally.Money{s.CPU, s.RAM, s.GPU, s.PV, s.Network, s.LoadBalancer, s.Shared, s.External, s.Other} {
		t, _ = t.Add(m)
	}
	s.Total = t
}

func (s *StepCost) merge(o *StepCost) {
	for _, k := range []string{tally.CostCPU, tally.CostRAM, tally.CostGPU, tally.CostPV, tally.CostNetwork,
		tally.CostLoadBalancer, tally.CostShared, tally.CostExternal, tally.CostOther} {
		_ = s.add(nil, k, *o.field(k))
	}
	s.IdleShared, _ = s.IdleShared.Add(o.IdleShared)
	s.Estimated = s.Estimated || o.Estimated
	s.Resources.Add(o.Resources)
	s.extend(o.Ran)
}

// pending is idle or shared cost waiting to be spread in one step and cluster.
type pending struct {
	step    int
	cluster string
	node    string // the node of idle under Query.IdleByNode, else ""
	kind    string // the pool for idle; "" for shared
	cost    tally.Money
	// separate keeps the parts of the groups a filter selects in __idle__
	// or __shared__ and drops the rest (the parts of the rows outside it).
	separate bool
	// outside: the filter leaves out the idle or shared row itself (its
	// cluster, node, namespace…), which decides when no group takes it.
	outside bool
}

// Aggregate turns a store's rows into groups, spreading idle and shared
// costs as q says. Spreading is exact: the groups' totals sum to the rows'.
//
// Under a filter within clusters (namespace, workload, label…), __idle__
// and __shared__ shown separately hold only the part the filtered
// allocations would take were they spread (idle by the pools' costs,
// shared by cost), as OpenCost filters idle: not the whole clusters' idle,
// which belongs to allocations the filter leaves out, and nothing for a
// filter that matches nothing.
func Aggregate(rows []Row, q Query) ([]Group, error) {
	within := q.filtersWithin()
	steps := q.Steps()
	stepOf := make(map[int64]int, len(steps))
	for i, s := range steps {
		stepOf[s.Start.Unix()] = i
	}
	groups := map[string]*Group{}
	weight := map[weightKey]tally.Money{} // per step, cluster, group, kind: cost the group already has
	var idle, shared []pending
	shareNS := map[string]bool{}
	for _, ns := range q.ShareNamespaces {
		shareNS[ns] = true
	}
	var currency tally.Currency
	// Rows a filter leaves out, and under such a filter the idle and shared
	// costs their clusters' rows share, only weigh in the spreading: their
	// currency is not the result's (a cluster billed in another currency
	// than the filtered allocations' is no reason to fail).
	single := func(r *Row) error {
		if c := r.Cost.Currency(); c != "" && !r.Outside {
			if currency != "" && c != currency {
				return tally.Errorf(tally.EInvalid, "allocations are in several currencies (%s, %s): filter by cluster so one currency remains", currency, c)
			}
			currency = c
		}
		return nil
	}
	for i := range rows {
		r := &rows[i]
		pendingClass := r.Class == ClassIdle || r.Class == ClassShared
		if !within || !pendingClass {
			if err := single(r); err != nil {
				return nil, err
			}
		}
		si, ok := stepOf[r.Start.Unix()]
		if !ok {
			return nil, fmt.Errorf("row for %v does not start a step of %v", r.Start, q.Window)
		}
		node := ""
		if q.IdleByNode {
			node = r.Node
		}
		class := r.Class
		if class == "" && shareNS[r.Namespace] {
			class = ClassShared
		}
		switch {
		case class == ClassIdle && q.Idle == IdleHide:
			continue
		case class == ClassIdle && (q.Idle == IdleShare || within):
			idle = append(idle, pending{step: si, cluster: r.Cluster, node: node, kind: r.CostKind, cost: r.Cost, separate: q.Idle != IdleShare, outside: r.Outside})
			continue
		case class == ClassShared && (q.Shared != SharedSeparate || within):
			shared = append(shared, pending{step: si, cluster: r.Cluster, cost: r.Cost, separate: q.Shared == SharedSeparate, outside: r.Outside})
			continue
		}
		if r.Outside {
			class = classOutside
		}
		g := group(groups, r, q.Aggregate, class, node, len(steps))
		kind := r.CostKind
		if class == ClassShared {
			kind = tally.CostShared
		}
		if err := g.Steps[si].add(r, kind, r.Cost); err != nil {
			return nil, err
		}
		if class == "" || class == classOutside {
			k := weightKey{si, r.Cluster, node, g.Name, r.CostKind}
			weight[k], _ = weight[k].Add(r.Cost)
		}
	}
	if err := spreadIdle(groups, weight, idle, len(steps)); err != nil {
		return nil, severalCurrencies(err, currency)
	}
	if err := spreadShared(groups, weight, shared, q.Shared, len(steps)); err != nil {
		return nil, severalCurrencies(err, currency)
	}
	for name := range groups {
		if isOutside(name) {
			delete(groups, name)
		}
	}
	out := make([]Group, 0, len(groups))
	for _, g := range groups {
		for i := range g.Steps {
			g.Steps[i].Window = steps[i]
			g.Steps[i].sumTotal()
			g.Total.merge(&g.Steps[i])
		}
		g.Total.Window = q.Window
		g.Total.sumTotal()
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if c, _ := out[i].Total.Total.Cmp(out[j].Total.Total); c != 0 {
			return c > 0
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// classOutside groups rows excluded by filters while spreading, one group
// per currency.
const classOutside = "\x00outside"

// isOutside reports whether a group holds rows excluded by filters.
func isOutside(name string) bool { return strings.HasPrefix(name, classOutside) }

// severalCurrencies words a spreading error caused by costs in another
// currency than the result's (currency) as the query's own check does.
func severalCurrencies(err error, currency tally.Currency) error {
	if errors.Is(err, tally.ErrCurrencyMismatch) {
		return tally.Errorf(tally.EInvalid, "allocations are in several currencies (%s and another): filter by cluster so one currency remains", currency)
	}
	return err
}

type weightKey struct {
	step    int
	cluster string
	node    string // under Query.IdleByNode, else ""
	group   string
	kind    string
}

// group returns the group a row belongs to, creating it. An idle row of
// a node (Query.IdleByNode) is its node's idle group.
func group(groups map[string]*Group, r *Row, dims []Dimension, class, node string, steps int) *Group {
	var name string
	var keys []string
	switch class {
	case ClassIdle:
		if node != "" {
			return idleGroup(groups, r.Cluster, node, steps)
		}
		name = tally.IdleName
	case ClassShared:
		name = tally.SharedName
	case ClassUnallocated:
		name = tally.UnallocatedName
	case classOutside:
		name = classOutside + string(r.Cost.Currency())
	default:
		keys = make([]string, len(r.Keys))
		missing := 0
		for i, k := range r.Keys {
			if k == "" {
				k = tally.UnallocatedName
				missing++
			}
			keys[i] = k
		}
		name = groupName(dims, keys)
		if missing == len(keys) {
			name = tally.UnallocatedName
		}
	}
	g := groups[name]
	if g == nil {
		g = &Group{Name: name, Keys: keys, Steps: make([]StepCost, steps)}
		if keys != nil {
			g.FromAnnotation = slices.Clone(r.FromAnnotation)
		}
		groups[name] = g
	}
	g.noteAnnotated(r)
	return g
}

// noteAnnotated keeps in g.FromAnnotation the keys r too read from its
// pods' annotations.
func (g *Group) noteAnnotated(r *Row) {
	for i := range g.FromAnnotation {
		g.FromAnnotation[i] = g.FromAnnotation[i] && i < len(r.FromAnnotation) && r.FromAnnotation[i]
	}
}

// groupName joins a group's keys with "/", each key of a controller, pod
// or container without the namespace (or, for a container, the
// controller) before it in dims, which its key starts with: by
// namespace,controller a controller of analytics is analytics/clickhouse,
// not analytics/analytics/clickhouse. The key it starts with is in the
// name, so names stay one per group.
func groupName(dims []Dimension, keys []string) string {
	parts := slices.Clone(keys)
	for i := 1; i < len(keys) && i < len(dims); i++ {
		for j := i - 1; j >= 0; j-- {
			if !keyWithin(dims[i].Field, dims[j].Field) {
				continue
			}
			if rest, ok := strings.CutPrefix(keys[i], keys[j]+"/"); ok {
				parts[i] = rest
				break
			}
		}
	}
	return strings.Join(parts, "/")
}

// keyWithin reports whether a key of field inner starts with the key of
// field outer: a controller's and a pod's with their namespace's, a
// container's with its namespace's or its controller's.
func keyWithin(inner, outer string) bool {
	switch inner {
	case "controller", "pod":
		return outer == "namespace"
	case "container":
		return outer == "namespace" || outer == "controller"
	}
	return false
}

// idleGroup returns the idle group of a node (NodeIdleName), or __idle__
// when node is "", creating it.
func idleGroup(groups map[string]*Group, cluster, node string, steps int) *Group {
	name := tally.IdleName
	if node != "" {
		name = NodeIdleName(cluster, node)
	}
	g := groups[name]
	if g == nil {
		g = &Group{Name: name, Steps: make([]StepCost, steps)}
		if node != "" {
			g.Cluster, g.Node = cluster, node
		}
		groups[name] = g
	}
	return g
}

// spreadIdle gives each cluster's (or, by node, each node's) idle pool to
// its groups in proportion to their cost in that pool; idle with no one to
// take it stays __idle__ (its node's idle group).
func spreadIdle(groups map[string]*Group, weight map[weightKey]tally.Money, idle []pending, steps int) error {
	for _, p := range idle {
		names, ws := claimants(groups, weight, p.step, p.cluster, func(k weightKey) bool { return k.kind == p.kind && k.node == p.node })
		if err := distribute(groups, names, ws, p, func(s *StepCost, m tally.Money) error {
			if err := s.add(nil, p.kind, m); err != nil {
				return err
			}
			s.IdleShared, _ = s.IdleShared.Add(m)
			return nil
		}, func() *Group { return idleGroup(groups, p.cluster, p.node, steps) }, p.kind); err != nil {
			return err
		}
	}
	return nil
}

// spreadShared gives each cluster's shared cost to its groups, weighted by
// their cost in the cluster or evenly.
func spreadShared(groups map[string]*Group, weight map[weightKey]tally.Money, shared []pending, mode SharedMode, steps int) error {
	for _, p := range shared {
		names, ws := claimants(groups, weight, p.step, p.cluster, func(weightKey) bool { return true })
		if mode == SharedEven {
			for i := range ws {
				ws[i] = 1
			}
		}
		if err := distribute(groups, names, ws, p, func(s *StepCost, m tally.Money) error {
			return s.add(nil, tally.CostShared, m)
		}, func() *Group { return sharedGroup(groups, steps) }, tally.CostShared); err != nil {
			return err
		}
	}
	return nil
}

// sharedGroup returns the __shared__ group, creating it.
func sharedGroup(groups map[string]*Group, steps int) *Group {
	g := groups[tally.SharedName]
	if g == nil {
		g = &Group{Name: tally.SharedName, Steps: make([]StepCost, steps)}
		groups[tally.SharedName] = g
	}
	return g
}

// claimants lists the groups with cost in a step and cluster, and their
// weights (cost in 10^-12 units, scaled down to fit).
func claimants(groups map[string]*Group, weight map[weightKey]tally.Money, step int, cluster string, match func(weightKey) bool) ([]string, []uint64) {
	byName := map[string]float64{}
	for k, m := range weight {
		if k.step == step && k.cluster == cluster && match(k) && m.Sign() > 0 {
			byName[k.group] += m.Float64()
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	ws := make([]uint64, len(names))
	var total float64
	for _, n := range names {
		total += byName[n]
	}
	for i, n := range names {
		ws[i] = uint64(math.Round(byName[n] / total * (1 << 52)))
	}
	return names, ws
}

// distribute splits p's cost over the named groups by weight, or, when p
// is kept separate, adds the parts of the groups inside the filter to the
// fallback group (__idle__ or a node's idle group, __shared__).
func distribute(groups map[string]*Group, names []string, ws []uint64, p pending, apply func(*StepCost, tally.Money) error, fallback func() *Group, kind string) error {
	keep := func(m tally.Money) error {
		return fallback().Steps[p.step].add(nil, kind, m)
	}
	parts, err := p.cost.Split(ws)
	if err != nil { // nobody to take it: keep it visible, unless a filter leaves it out
		if p.separate && p.outside {
			return nil
		}
		return keep(p.cost)
	}
	for i, n := range names {
		switch {
		case p.separate && isOutside(n):
		case p.separate:
			err = keep(parts[i])
		default:
			err = apply(&groups[n].Steps[p.step], parts[i])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Accumulate sums the steps of groups into windows (each step's start in
// one of them, as steps of a day into calendar weeks or months): a group's
// costs per window are the sums of its steps', idle and shared spread per
// step as they were. Totals are unchanged.
func Accumulate(groups []Group, windows []tally.Window) ([]Group, error) {
	out := make([]Group, len(groups))
	for gi := range groups {
		g := groups[gi]
		steps := make([]StepCost, len(windows))
		for i := range windows {
			steps[i].Window = windows[i]
		}
		for i := range g.Steps {
			s := &g.Steps[i]
			j := sort.Search(len(windows), func(j int) bool { return windows[j].End.After(s.Window.Start) })
			if j == len(windows) || s.Window.Start.Before(windows[j].Start) {
				return nil, fmt.Errorf("accumulate: step %v is in none of the windows", s.Window)
			}
			steps[j].merge(s)
		}
		for i := range steps {
			steps[i].sumTotal()
		}
		g.Steps = steps
		out[gi] = g
	}
	return out, nil
}

// Merge adds o's costs to g step by step, as aggregating both under one
// key would; g keeps its name and keys. Both are groups of one query.
func (g *Group) Merge(o *Group) error {
	if len(g.Steps) != len(o.Steps) {
		return fmt.Errorf("merge group %s into %s: %d steps, want %d", o.Name, g.Name, len(o.Steps), len(g.Steps))
	}
	for i := range g.Steps {
		g.Steps[i].merge(&o.Steps[i])
		g.Steps[i].sumTotal()
	}
	g.Total.merge(&o.Total)
	g.Total.sumTotal()
	return nil
}
