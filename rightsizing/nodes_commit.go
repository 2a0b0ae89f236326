package rightsizing

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// NodeCommitment is a commitment (a Reserved Instance, a Savings Plan, a
// committed use discount) that covers some of a node group's current
// nodes, as the bill shows it. Its fee for them is paid until End whatever
// runs: removing the nodes it covers saves only what the freed part covers
// instead of on-demand usage elsewhere in its scope (Elsewhere).
type NodeCommitment struct {
	ID   string    `json:"id"`
	Kind string    `json:"kind,omitempty"` // tally.CommitReserved, …; "" when not known
	End  time.Time `json:"end,omitzero"`   // zero when not known
	// InstanceTypes or Families are what it covers (a Reserved Instance its
	// instance type, a resource-based CUD or an EC2 Instance Savings Plan
	// its family); neither, any instance type of the group's catalog.
	InstanceTypes []string `json:"instanceTypes,omitempty"`
	Families      []string `json:"families,omitempty"`
	// Scope says in words what usage it may cover, for the explanation:
	// "m5.xlarge in us-west-2", "n2 in us-central1", "every region".
	Scope string `json:"scope,omitempty"`
	// Nodes are the current nodes it covers, all or part of each.
	Nodes []CoveredNode `json:"nodes"`
	// Elsewhere is the eligible usage of its scope outside the group that
	// no commitment covers, at on-demand prices per hour: what its freed
	// part would cover instead (a Reserved Instance other instances of its
	// type, a resource-based CUD other usage of its series, a Savings Plan
	// or flexible CUD any eligible usage). Commitments of one Pool share it.
	Elsewhere tally.Money `json:"elsewhereHourly"`
	Pool      string      `json:"pool,omitempty"`
}

// CoveredNode is a current node a commitment covers, all or part of it.
type CoveredNode struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Covered is the part of the node's on-demand price per hour that the
	// commitment covers (all of it for a node it covers whole), Fee what
	// the commitment charges for that part (its effective cost).
	Covered tally.Money `json:"coveredHourly"`
	Fee     tally.Money `json:"feeHourly"`
}

// CommittedSavings says how the commitments covering a group's current
// nodes price its plan: their fees are paid until they end whatever the
// plan keeps, so a plan saves only what it removes of the nodes they do
// not cover (and, for a floating commitment, the on-demand usage elsewhere
// that what it frees would cover).
type CommittedSavings struct {
	Commitments []CommitmentUse `json:"commitments"`
	// After are the plan's monthly savings after each commitment ends.
	After []SavingAfter `json:"after,omitempty"`
	// Alternative is the mix that saves the most once every commitment has
	// ended, when that is not the plan.
	Alternative *CommittedAlternative `json:"alternative,omitempty"`
	// Summary says the above in words (also at the end of the plan's
	// Explanation).
	Summary string `json:"summary"`
}

// CommitmentUse is what one commitment covers now and under the plan.
type CommitmentUse struct {
	ID    string    `json:"id"`
	Kind  string    `json:"kind,omitempty"`
	End   time.Time `json:"end,omitzero"`
	Scope string    `json:"scope,omitempty"`
	// Nodes is how many current nodes it covers (some maybe in part);
	// CoveredNodes and PlannedNodes the nodes' worth it covers now and
	// under the plan.
	Nodes        int     `json:"nodes"`
	CoveredNodes float64 `json:"coveredNodes"`
	PlannedNodes float64 `json:"plannedNodes"`
	// MonthlyFee is its fee for the group's nodes, paid until End;
	// MonthlyUnused the part of it the planned nodes do not use;
	// MonthlyElsewhere the on-demand usage outside the group (at on-demand
	// prices) that this freed part would cover instead; MonthlyWasted the
	// part of the fee left covering nothing.
	MonthlyFee       tally.Money `json:"monthlyFee"`
	MonthlyUnused    tally.Money `json:"monthlyUnused"`
	MonthlyElsewhere tally.Money `json:"monthlyElsewhere"`
	MonthlyWasted    tally.Money `json:"monthlyWasted"`
}

// SavingAfter is a plan's monthly saving from From on, when the Ended
// commitments no longer run.
type SavingAfter struct {
	From           time.Time   `json:"from"`
	Ended          []string    `json:"ended"`
	MonthlySavings tally.Money `json:"monthlySavings"`
}

// CommittedAlternative is a mix of nodes that saves more than the plan
// once every commitment has ended, and less (or no more) while they run.
type CommittedAlternative struct {
	Planned             []PlannedNodes `json:"planned"`
	MonthlySavings      tally.Money    `json:"monthlySavings"`      // while the commitments run
	MonthlySavingsAfter tally.Money    `json:"monthlySavingsAfter"` // once they have all ended
}

// PlanCommittedNodes is PlanNodes for a group some of whose current nodes
// commitments cover (cs, as the bill shows them). The nodes they cover are
// current nodes of purchase option PurchaseCommitted, priced at the
// commitments' effective rate. A plan is priced as the bill would charge
// it: every commitment's fee is paid until it ends whatever runs; the
// planned nodes in a commitment's scope use it first, up to what it covers
// now, and pay on-demand prices beyond; what a plan frees of a
// commitment covers, up to Elsewhere, on-demand usage outside the group.
// The mixes compared are the current nodes, when they hold the pods, and
// the cheapest packings at catalog prices, with the committed rates
// offered (PurchaseCommitted) for the types in the commitments' scopes,
// and with those offered at next to nothing (their fee is paid anyway);
// the plan is the one cheapest while the commitments run (then once they
// have ended, then in that order). Its MonthlySavings are those while all
// of cs run; Committed says how the savings change as each ends.
func PlanCommittedNodes(g NodeGroup, pods []PodRequest, catalog []InstanceType, cs []NodeCommitment) (NodePlan, error) {
	if len(cs) == 0 {
		return PlanNodes(g, pods, catalog)
	}
	pc, err := newPricedCommitments(&g, catalog, cs)
	if err != nil {
		return NodePlan{}, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
	}
	current, err := pc.currentNodes(g.Current)
	if err != nil {
		return NodePlan{}, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
	}
	// The current nodes, when they hold the pods: priced at zero, PlanNodes
	// keeps them whenever it fits the pods on them.
	zero := g
	zero.Current = slices.Clone(current)
	for i := range zero.Current {
		zero.Current[i].Hourly = tally.Zero(pc.currency)
	}
	keep, err := PlanNodes(zero, pods, catalog)
	if err != nil {
		return NodePlan{}, err
	}
	kept := len(keep.Unplaced) == 0 && sameNodes(keep.Planned, current)
	_, whyNot, _ := strings.Cut(keep.Explanation, "costs more than the current nodes because ")
	// The cheapest packings from no nodes, at catalog prices and with the
	// committed rates offered.
	empty := g
	empty.Current = nil
	atCatalog, err := PlanNodes(empty, pods, catalog)
	if err != nil {
		return NodePlan{}, err
	}
	atCommitted, err := PlanNodes(empty, pods, pc.committedCatalog(catalog, false))
	if err != nil {
		return NodePlan{}, err
	}
	atSunk, err := PlanNodes(empty, pods, pc.committedCatalog(catalog, true))
	if err != nil {
		return NodePlan{}, err
	}
	all := func(*NodeCommitment) bool { return true }
	none := func(*NodeCommitment) bool { return false }
	curNow, err := pc.evaluate(current, all)
	if err != nil {
		return NodePlan{}, err
	}
	curAfter, err := pc.evaluate(current, none)
	if err != nil {
		return NodePlan{}, err
	}
	type option struct {
		plan       NodePlan
		keep       bool
		now, after evaluation
	}
	var options []option
	if kept {
		options = append(options, option{plan: keep, keep: true})
	}
	options = append(options, option{plan: atCatalog}, option{plan: atCommitted}, option{plan: atSunk})
	for i := range options {
		o := &options[i]
		nodes := nodeCountsOf(o.plan.Planned)
		if o.keep {
			nodes = current
		}
		if o.now, err = pc.evaluate(nodes, all); err != nil {
			return NodePlan{}, err
		}
		if o.after, err = pc.evaluate(nodes, none); err != nil {
			return NodePlan{}, err
		}
	}
	best, later := 0, 0
	for i := range options {
		o, b, l := &options[i], &options[best], &options[later]
		if c := cmp.Compare(len(o.plan.Unplaced), len(b.plan.Unplaced)); c < 0 ||
			(c == 0 && (cmpMoney(o.now.hourly, b.now.hourly) < 0 || (cmpMoney(o.now.hourly, b.now.hourly) == 0 && cmpMoney(o.after.hourly, b.after.hourly) < 0))) {
			best = i
		}
		if len(o.plan.Unplaced) == 0 && cmpMoney(o.after.hourly, l.after.hourly) < 0 {
			later = i
		}
	}
	chosen := &options[best]
	plan := chosen.plan
	plan.Cluster, plan.Group, plan.Current = g.Cluster, g.Name, current
	if chosen.keep {
		plan.Planned = keep.Planned
	}
	if plan.Planned, err = pc.label(plan.Planned, chosen.now); err != nil {
		return plan, err
	}
	if plan.CurrentMonthly, plan.PlannedMonthly, plan.MonthlySavings, err = monthly(curNow.hourly, chosen.now.hourly); err != nil {
		return plan, err
	}
	cs2 := &CommittedSavings{}
	for _, c := range pc.cs {
		use := CommitmentUse{ID: c.ID, Kind: c.Kind, End: c.End, Scope: c.Scope, Nodes: len(c.Nodes),
			CoveredNodes: pc.nodesWorth(curNow.covered[c.ID]), PlannedNodes: pc.nodesWorth(chosen.now.covered[c.ID])}
		for _, m := range []struct {
			dst *tally.Money
			h   tally.Money
		}{{&use.MonthlyFee, pc.fee[c.ID]}, {&use.MonthlyUnused, chosen.now.unusedFee[c.ID]}, {&use.MonthlyElsewhere, chosen.now.elsewhere[c.ID]},
			{&use.MonthlyWasted, chosen.now.wastedFee[c.ID]}} {
			if *m.dst, err = MulQuantity(m.h, HoursPerMonth); err != nil {
				return plan, err
			}
			*m.dst = m.dst.Round(2)
		}
		cs2.Commitments = append(cs2.Commitments, use)
	}
	// The savings after each end, the commitments ended by then left out.
	var ends []time.Time
	for _, c := range pc.cs {
		if !c.End.IsZero() && !slices.ContainsFunc(ends, c.End.Equal) {
			ends = append(ends, c.End)
		}
	}
	slices.SortFunc(ends, time.Time.Compare)
	nodes := nodeCountsOf(chosen.plan.Planned)
	if chosen.keep {
		nodes = current
	}
	for _, e := range ends {
		running := func(c *NodeCommitment) bool { return c.End.IsZero() || c.End.After(e) }
		cur, err := pc.evaluate(current, running)
		if err != nil {
			return plan, err
		}
		pl, err := pc.evaluate(nodes, running)
		if err != nil {
			return plan, err
		}
		s := SavingAfter{From: e}
		for _, c := range pc.cs {
			if c.End.Equal(e) {
				s.Ended = append(s.Ended, c.ID)
			}
		}
		if _, _, s.MonthlySavings, err = monthly(cur.hourly, pl.hourly); err != nil {
			return plan, err
		}
		cs2.After = append(cs2.After, s)
	}
	if l := &options[later]; later != best && cmpMoney(l.after.hourly, chosen.after.hourly) < 0 {
		alt := &CommittedAlternative{}
		// As once the commitments have ended: on demand.
		if alt.Planned, err = pc.label(l.plan.Planned, l.after); err != nil {
			return plan, err
		}
		if _, _, alt.MonthlySavings, err = monthly(curNow.hourly, l.now.hourly); err != nil {
			return plan, err
		}
		if _, _, alt.MonthlySavingsAfter, err = monthly(curAfter.hourly, l.after.hourly); err != nil {
			return plan, err
		}
		cs2.Alternative = alt
	}
	cs2.Summary = pc.summary(&plan, cs2, countNodes(current))
	plan.Committed = cs2
	plan.Explanation = explainPlan(&plan, len(pods), chosen.keep, whyNot) + "; " + cs2.Summary
	return plan, nil
}

// pricedCommitments are a group's commitments with the catalog's
// on-demand prices of the types they may cover.
type pricedCommitments struct {
	cs       []NodeCommitment // narrowest scope first
	od       map[string]tally.Money
	family   map[string]string
	covered  map[string]tally.Money // by commitment: the on-demand price per hour it covers now
	fee      map[string]tally.Money // by commitment: its fee per hour for it
	currency tally.Currency
	// nodeOD is the on-demand price of the covered nodes' type when they
	// are all of one type (to count nodes' worth), else zero.
	nodeOD tally.Money
}

func newPricedCommitments(g *NodeGroup, catalog []InstanceType, cs []NodeCommitment) (*pricedCommitments, error) {
	pc := &pricedCommitments{cs: slices.Clone(cs), od: map[string]tally.Money{}, family: map[string]string{},
		covered: map[string]tally.Money{}, fee: map[string]tally.Money{}}
	for _, t := range catalog {
		pc.family[t.Name] = t.Family
		for _, o := range t.Offers {
			if o.Purchase == tally.PurchaseOnDemand {
				pc.od[t.Name] = o.Hourly
				pc.currency = o.Hourly.Currency()
			}
		}
	}
	scope := func(c *NodeCommitment) int {
		switch {
		case len(c.InstanceTypes) > 0:
			return 0
		case len(c.Families) > 0:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(pc.cs, func(a, b NodeCommitment) int {
		if c := cmp.Compare(scope(&a), scope(&b)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	types := map[string]bool{}
	for i := range pc.cs {
		c := &pc.cs[i]
		if c.Elsewhere.Sign() < 0 {
			return nil, fmt.Errorf("commitment %s: negative usage elsewhere %s", c.ID, c.Elsewhere)
		}
		var cov, fee tally.Money
		for _, n := range c.Nodes {
			if _, ok := pc.od[n.Type]; !ok {
				return nil, fmt.Errorf("commitment %s covers node %s of type %s, which has no on-demand price in the catalog", c.ID, n.Name, n.Type)
			}
			if n.Covered.Sign() < 0 || n.Fee.Sign() < 0 {
				return nil, fmt.Errorf("commitment %s: node %s: negative coverage %s or fee %s", c.ID, n.Name, n.Covered, n.Fee)
			}
			var err error
			if cov, err = cov.Add(n.Covered); err != nil {
				return nil, fmt.Errorf("commitment %s: %w", c.ID, err)
			}
			if fee, err = fee.Add(n.Fee); err != nil {
				return nil, fmt.Errorf("commitment %s: %w", c.ID, err)
			}
			types[n.Type] = true
		}
		pc.covered[c.ID], pc.fee[c.ID] = cov, fee
	}
	if len(types) == 1 {
		for t := range types {
			pc.nodeOD = pc.od[t]
		}
	}
	return pc, nil
}

// covers reports whether c may cover nodes of type t.
func (pc *pricedCommitments) covers(c *NodeCommitment, t string) bool {
	switch {
	case len(c.InstanceTypes) > 0:
		return slices.Contains(c.InstanceTypes, t)
	case len(c.Families) > 0:
		return slices.Contains(c.Families, pc.family[t])
	}
	return true
}

// currentNodes returns the group's current nodes with those the
// commitments cover (some maybe in part) as PurchaseCommitted, each priced
// at its fees plus the on-demand price of what they do not cover (their
// mean for nodes of one type).
func (pc *pricedCommitments) currentNodes(current []NodeCount) ([]NodeCount, error) {
	type cover struct{ covered, fee tally.Money }
	byNode := map[string]cover{}
	for _, c := range pc.cs {
		for _, n := range c.Nodes {
			v := byNode[n.Name]
			var err error
			if v.covered, err = v.covered.Add(n.Covered); err != nil {
				return nil, err
			}
			if v.fee, err = v.fee.Add(n.Fee); err != nil {
				return nil, err
			}
			byNode[n.Name] = v
		}
	}
	// Nodes of one type and purchase option, their Hourly the sum until
	// divided by their count below.
	var out []NodeCount
	add := func(typ, purchase, name string, hourly tally.Money) error {
		for i := range out {
			if c := &out[i]; c.Type == typ && c.Purchase == purchase {
				c.Count++
				c.Names = append(c.Names, name)
				var err error
				c.Hourly, err = c.Hourly.Add(hourly)
				return err
			}
		}
		out = append(out, NodeCount{Type: typ, Purchase: purchase, Count: 1, Hourly: hourly, Names: []string{name}})
		return nil
	}
	for _, n := range current {
		for k := range n.Count {
			name := ""
			if k < len(n.Names) {
				name = n.Names[k]
			}
			v, ok := byNode[name]
			if !ok || name == "" || n.Purchase == tally.PurchaseSpot {
				if err := add(n.Type, n.Purchase, name, n.Hourly); err != nil {
					return nil, err
				}
				continue
			}
			od := pc.od[n.Type]
			rest, err := od.Sub(v.covered)
			if err != nil {
				return nil, err
			}
			if rest.Sign() < 0 {
				return nil, fmt.Errorf("node %s: commitments cover %s an hour of its on-demand %s", name, v.covered, od)
			}
			hourly, err := v.fee.Add(rest)
			if err != nil {
				return nil, err
			}
			if err := add(n.Type, PurchaseCommitted, name, hourly); err != nil {
				return nil, err
			}
		}
	}
	for i := range out {
		// Each node's price, the mean of the committed ones (a commitment
		// may cover some of a node, two may share one).
		var err error
		if out[i].Hourly, err = out[i].Hourly.MulRatio(1, uint64(out[i].Count)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// committedCatalog returns the catalog with, for every type some
// commitment may cover, an offer PurchaseCommitted at its on-demand price
// times the lowest ratio of fee to coverage among those commitments; when
// sunk, at a millionth of its on-demand price instead (the fee is paid
// whatever runs: the packer then fills what commitments cover first, the
// smaller types still the cheaper).
func (pc *pricedCommitments) committedCatalog(catalog []InstanceType, sunk bool) []InstanceType {
	out := slices.Clone(catalog)
	for i := range out {
		t := &out[i]
		od, ok := pc.od[t.Name]
		if !ok {
			continue
		}
		var best tally.Money
		found := false
		for j := range pc.cs {
			c := &pc.cs[j]
			if !pc.covers(c, t.Name) || pc.covered[c.ID].Sign() <= 0 {
				continue
			}
			p, err := mulMoneyRatio(od, pc.fee[c.ID], pc.covered[c.ID])
			if sunk {
				p, err = od.MulRatio(1, 1_000_000)
			}
			if err != nil {
				continue
			}
			if !found || cmpMoney(p, best) < 0 {
				best, found = p, true
			}
		}
		if found {
			t.Offers = append(slices.Clone(t.Offers), Offer{Purchase: PurchaseCommitted, Hourly: best})
		}
	}
	return out
}

// evaluation is what a mix of nodes costs the group per hour with some of
// the commitments running.
type evaluation struct {
	hourly tally.Money
	// By commitment: the on-demand price it covers, the part of its fee
	// the nodes leave unused, the on-demand usage elsewhere it covers
	// instead, and the part of its fee left covering nothing.
	covered, unusedFee, elsewhere, wastedFee map[string]tally.Money
	// By type: the on-demand price the commitments cover and their fee for it.
	typeCovered, typeFee map[string]tally.Money
}

// evaluate prices nodes: spot nodes at their price; the others at
// on-demand prices, less what the running commitments cover of them (each
// up to what it covers now, narrowest scope first), plus every running
// commitment's fee, less what its freed part covers of its Elsewhere.
func (pc *pricedCommitments) evaluate(nodes []NodeCount, running func(*NodeCommitment) bool) (evaluation, error) {
	ev := evaluation{hourly: tally.Zero(pc.currency), covered: map[string]tally.Money{}, unusedFee: map[string]tally.Money{},
		elsewhere: map[string]tally.Money{}, wastedFee: map[string]tally.Money{}, typeCovered: map[string]tally.Money{}, typeFee: map[string]tally.Money{}}
	remaining := map[string]tally.Money{}
	var types []string
	add := func(dst *tally.Money, m tally.Money) error {
		s, err := dst.Add(m)
		*dst = s
		return err
	}
	for _, n := range nodes {
		if n.Purchase == tally.PurchaseSpot {
			each, err := n.Hourly.MulRatio(uint64(n.Count), 1)
			if err != nil {
				return ev, err
			}
			if err := add(&ev.hourly, each); err != nil {
				return ev, err
			}
			continue
		}
		od, ok := pc.od[n.Type]
		if !ok {
			return ev, fmt.Errorf("type %s has no on-demand price in the catalog", n.Type)
		}
		all, err := od.MulRatio(uint64(n.Count), 1)
		if err != nil {
			return ev, err
		}
		if _, ok := remaining[n.Type]; !ok {
			types = append(types, n.Type)
		}
		r := remaining[n.Type]
		if err := add(&r, all); err != nil {
			return ev, err
		}
		remaining[n.Type] = r
	}
	slices.Sort(types)
	pool := map[string]tally.Money{}
	for i := range pc.cs {
		c := &pc.cs[i]
		if !running(c) {
			continue
		}
		left, fee, total := pc.covered[c.ID], pc.fee[c.ID], pc.covered[c.ID]
		used := tally.Zero(pc.currency)
		for _, t := range types {
			if !pc.covers(c, t) || left.Sign() <= 0 {
				continue
			}
			take := minMoney(left, remaining[t])
			if take.Sign() <= 0 {
				continue
			}
			var err error
			if remaining[t], err = remaining[t].Sub(take); err != nil {
				return ev, err
			}
			if left, err = left.Sub(take); err != nil {
				return ev, err
			}
			if err := add(&used, take); err != nil {
				return ev, err
			}
			tc, tf := ev.typeCovered[t], ev.typeFee[t]
			part, err := mulMoneyRatio(fee, take, total)
			if err != nil {
				return ev, err
			}
			if err := add(&tc, take); err != nil {
				return ev, err
			}
			if err := add(&tf, part); err != nil {
				return ev, err
			}
			ev.typeCovered[t], ev.typeFee[t] = tc, tf
		}
		ev.covered[c.ID] = used
		unused, err := mulMoneyRatio(fee, left, total)
		if err != nil {
			return ev, err
		}
		ev.unusedFee[c.ID] = unused
		cost := fee
		wasted := left
		if left.Sign() > 0 {
			avail, ok := pool[c.Pool]
			if !ok || c.Pool == "" {
				avail = c.Elsewhere
			}
			moved := minMoney(left, avail)
			if pool[c.Pool], err = avail.Sub(moved); err != nil {
				return ev, err
			}
			ev.elsewhere[c.ID] = moved
			if cost, err = cost.Sub(moved); err != nil {
				return ev, err
			}
			if wasted, err = wasted.Sub(moved); err != nil {
				return ev, err
			}
		}
		if ev.wastedFee[c.ID], err = mulMoneyRatio(fee, wasted, total); err != nil {
			return ev, err
		}
		if err := add(&ev.hourly, cost); err != nil {
			return ev, err
		}
	}
	for _, t := range types {
		if err := add(&ev.hourly, remaining[t]); err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// label splits planned nodes that commitments cover (their nodes' worth,
// rounded) off as PurchaseCommitted, priced at the commitments' fee for
// them.
func (pc *pricedCommitments) label(planned []PlannedNodes, ev evaluation) ([]PlannedNodes, error) {
	byType := map[string]*PlannedNodes{}
	var out []PlannedNodes
	var order []string
	for _, p := range planned {
		if p.Purchase == tally.PurchaseSpot {
			out = append(out, p)
			continue
		}
		q := byType[p.Type]
		if q == nil {
			q = &PlannedNodes{NodeCount: NodeCount{Type: p.Type, Purchase: tally.PurchaseOnDemand, Hourly: pc.od[p.Type]}}
			byType[p.Type] = q
			order = append(order, p.Type)
		}
		q.Count += p.Count
		q.Names = append(q.Names, p.Names...)
		q.CPUUsed += p.CPUUsed
		q.MemoryUsed += p.MemoryUsed
	}
	for _, t := range order {
		q := byType[t]
		od := pc.od[t]
		covered := ev.typeCovered[t]
		k := 0
		if od.Sign() > 0 {
			k = min(q.Count, int(math.Round(covered.Float64()/od.Float64())))
		}
		if k == 0 {
			out = append(out, *q)
			continue
		}
		each, err := mulMoneyRatio(od, ev.typeFee[t], covered)
		if err != nil {
			return nil, err
		}
		share := float64(k) / float64(q.Count)
		c := PlannedNodes{NodeCount: NodeCount{Type: t, Purchase: PurchaseCommitted, Count: k, Hourly: each},
			CPUUsed: q.CPUUsed * share, MemoryUsed: int64(float64(q.MemoryUsed) * share)}
		out = append(out, c)
		if k < q.Count {
			rest := *q
			rest.Count -= k
			rest.CPUUsed -= c.CPUUsed
			rest.MemoryUsed -= c.MemoryUsed
			rest.Names = nil
			out = append(out, rest)
		}
	}
	slices.SortFunc(out, func(a, b PlannedNodes) int { return strings.Compare(a.Type+a.Purchase, b.Type+b.Purchase) })
	return out, nil
}

// nodesWorth is covered in nodes' worth when the covered nodes are of one
// type, else 0.
func (pc *pricedCommitments) nodesWorth(covered tally.Money) float64 {
	if pc.nodeOD.Sign() <= 0 {
		return 0
	}
	return math.Round(covered.Float64()/pc.nodeOD.Float64()*100) / 100
}

// summary says in words what the commitments change.
func (pc *pricedCommitments) summary(p *NodePlan, s *CommittedSavings, nodes int) string {
	var parts []string
	for i, u := range s.Commitments {
		c := &pc.cs[i]
		whole := true
		for _, n := range c.Nodes {
			if !n.Covered.Equal(pc.od[n.Type]) {
				whole = false
			}
		}
		are := "are"
		if u.Nodes == 1 {
			are = "is"
		}
		what := fmt.Sprintf("%d of the %d current nodes %s covered by %s %s", u.Nodes, nodes, are, kindText(u.Kind), u.ID)
		if !whole {
			what = fmt.Sprintf("%s of the usage of %d of the %d current nodes is covered by %s %s", worthText(u.CoveredNodes), u.Nodes, nodes, kindText(u.Kind), u.ID)
		}
		what += " " + untilText(u.End) + fmt.Sprintf(", its fee for them %s a month paid whatever runs", moneyWords(u.MonthlyFee))
		scope := ""
		if u.Scope != "" {
			scope = " (" + u.Scope + ")"
		}
		switch {
		case u.MonthlyUnused.Sign() <= 0:
			what += "; the plan keeps it in use"
		case u.MonthlyElsewhere.Sign() > 0:
			what += fmt.Sprintf("; the planned nodes use %s of it and free %s a month of the fee, which covers other eligible usage of its scope%s: "+
				"the bill shows on-demand usage of it outside the group, %s a month of which (at on-demand prices) the freed part would cover instead",
				worthText(u.PlannedNodes), moneyWords(u.MonthlyUnused), scope, moneyWords(u.MonthlyElsewhere))
			if u.MonthlyWasted.Sign() > 0 {
				what += fmt.Sprintf(", the rest (%s a month of the fee) would go unused", moneyWords(u.MonthlyWasted))
			}
		default:
			what += fmt.Sprintf("; the planned nodes use %s of it and free %s a month of the fee, which would go unused: "+
				"the bill shows no on-demand usage of its scope%s outside the group that no commitment covers",
				worthText(u.PlannedNodes), moneyWords(u.MonthlyUnused), scope)
		}
		parts = append(parts, what)
	}
	saves := fmt.Sprintf("with the fees paid either way, the plan saves %s a month while the commitments run", moneyWords(p.MonthlySavings))
	if p.PlannedMonthly.Sign() < 0 {
		saves += " (the planned amount is below zero: it is the group's planned cost less the on-demand cost of the usage elsewhere that the freed commitment covers instead)"
	}
	for _, a := range s.After {
		saves += fmt.Sprintf(", %s a month after %s", moneyWords(a.MonthlySavings), a.From.UTC().Format(time.DateOnly))
	}
	parts = append(parts, saves)
	if alt := s.Alternative; alt != nil {
		var ns []string
		for _, n := range alt.Planned {
			ns = append(ns, fmt.Sprintf("%d × %s (%s)", n.Count, n.Type, n.Purchase))
		}
		parts = append(parts, fmt.Sprintf("%s would save %s a month once they have all ended (%s while they run)",
			orNone(strings.Join(ns, " + ")), moneyWords(alt.MonthlySavingsAfter), moneyWords(alt.MonthlySavings)))
	}
	return strings.Join(parts, "; ")
}

func kindText(kind string) string {
	switch kind {
	case tally.CommitReserved:
		return "Reserved Instance"
	case tally.CommitCUDResource:
		return "resource-based CUD"
	case tally.CommitCUDFlexible:
		return "flexible CUD"
	case tally.CommitComputeSP:
		return "Compute Savings Plan"
	case tally.CommitEC2SP:
		return "EC2 Instance Savings Plan"
	}
	return "commitment"
}

func untilText(end time.Time) string {
	if end.IsZero() {
		return "until its end (not in the commitment inventory)"
	}
	return "until " + end.UTC().Format(time.DateOnly)
}

// worthText is n nodes' worth: "1 node's worth", "2.5 nodes' worth".
func worthText(n float64) string {
	switch {
	case n <= 0:
		return "part"
	case n == 1:
		return "1 node's worth"
	}
	return strconv.FormatFloat(n, 'f', -1, 64) + " nodes' worth"
}

func moneyWords(m tally.Money) string {
	if m.Currency() == "" {
		return "0"
	}
	return m.Round(2).Decimal() + " " + string(m.Currency())
}

// monthly returns the current and planned hourly amounts a month, in
// cents, and their difference.
func monthly(current, planned tally.Money) (cur, plan, saving tally.Money, err error) {
	if cur, err = MulQuantity(current, HoursPerMonth); err != nil {
		return
	}
	if plan, err = MulQuantity(planned, HoursPerMonth); err != nil {
		return
	}
	cur, plan = cur.Round(2), plan.Round(2)
	saving, err = cur.Sub(plan)
	return
}

// mulMoneyRatio returns m × num ÷ den (num and den non-negative amounts of
// one currency); zero when den is.
func mulMoneyRatio(m, num, den tally.Money) (tally.Money, error) {
	if den.IsZero() {
		return tally.Zero(m.Currency()), nil
	}
	n, ok1 := num.Units()
	d, ok2 := den.Units()
	if !ok1 || !ok2 || n < 0 || d <= 0 {
		return tally.Money{}, fmt.Errorf("%s × %s ÷ %s: out of range", m, num, den)
	}
	return m.MulRatio(uint64(n), uint64(d))
}

func minMoney(a, b tally.Money) tally.Money {
	if cmpMoney(a, b) <= 0 {
		return a
	}
	return b
}

// nodeCountsOf returns planned nodes as node counts.
func nodeCountsOf(planned []PlannedNodes) []NodeCount {
	out := make([]NodeCount, len(planned))
	for i, p := range planned {
		out[i] = p.NodeCount
	}
	return out
}

// sameNodes reports whether planned are the current nodes (by type and
// purchase option).
func sameNodes(planned []PlannedNodes, current []NodeCount) bool {
	count := map[string]int{}
	for _, c := range current {
		count[c.Type+"/"+c.Purchase] += c.Count
	}
	for _, p := range planned {
		count[p.Type+"/"+p.Purchase] -= p.Count
	}
	for _, v := range count {
		if v != 0 {
			return false
		}
	}
	return true
}

func countNodes(ns []NodeCount) int {
	n := 0
	for _, c := range ns {
		n += c.Count
	}
	return n
}
