package rightsizing

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tallyhq/tally"
)

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
	// A node keeps its zone (Zones follow Names): the pods spread by zone
	// are checked against the zones the current nodes run in.
	add := func(typ, purchase, name, zone string, hourly tally.Money) error {
		for i := range out {
			if c := &out[i]; c.Type == typ && c.Purchase == purchase {
				c.Count++
				c.Names, c.Zones = append(c.Names, name), append(c.Zones, zone)
				var err error
				c.Hourly, err = c.Hourly.Add(hourly)
				return err
			}
		}
		out = append(out, NodeCount{Type: typ, Purchase: purchase, Count: 1, Hourly: hourly, Names: []string{name}, Zones: []string{zone}})
		return nil
	}
	for _, n := range current {
		for k := range n.Count {
			name, zone := "", ""
			if k < len(n.Names) {
				name = n.Names[k]
			}
			if k < len(n.Zones) {
				zone = n.Zones[k]
			}
			v, ok := byNode[name]
			if !ok || name == "" || n.Purchase == tally.PurchaseSpot {
				if err := add(n.Type, n.Purchase, name, zone, n.Hourly); err != nil {
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
			if err := add(n.Type, PurchaseCommitted, name, zone, hourly); err != nil {
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
