package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// group is one group's periods per cost kind, and in total, in the two weeks.
type group struct {
	class string
	kinds map[string]*[2]Period
	total [2]Period
}

// moverDims are the dimensions of the movers with their titles, in the
// order of weekRows' keys (the node follows them).
var moverDims = []struct{ field, title string }{
	{"controller", "Workloads"}, {"namespace", "Namespaces"}, {"service", "Cloud services outside Kubernetes"},
}

// weekCosts are the costs of two weeks per moverDims and node, at
// amortized and at list prices.
type weekCosts struct {
	amort, list []attribution.Row
}

// weekRows reads the costs of the two weeks of w per moverDims and node:
// one pass over the hourly allocations per basis, for every dimension of
// the movers (the node keeps them hourly, so each costs a scan).
func (b *Builder) weekRows(ctx context.Context, aud Audience, w tally.Window, days []int) (weekCosts, error) {
	var dims []attribution.Dimension
	for _, d := range moverDims {
		dims = append(dims, attribution.Dimension{Field: d.field})
	}
	dims = append(dims, attribution.Dimension{Field: "node"})
	amort, err := b.weekly(ctx, b.query(aud, w, week, tally.BasisAmortized, dims...), days)
	if err != nil {
		return weekCosts{}, fmt.Errorf("weekly costs by workload, namespace, service and node: %w", err)
	}
	list, err := b.weekly(ctx, b.query(aud, w, week, tally.BasisList, dims...), days)
	if err != nil {
		return weekCosts{}, fmt.Errorf("weekly list costs by workload, namespace, service and node: %w", err)
	}
	return weekCosts{amort: amort, list: list}, nil
}

// weekly runs q, a query of weekly steps over whole weeks, on the compared
// days of each week only (days after its Monday, Report.Compared): each
// week's rows start at its Monday, as q's steps would, and sum its compared
// days.
func (b *Builder) weekly(ctx context.Context, q attribution.Query, days []int) ([]attribution.Row, error) {
	if len(days) == 7 {
		return b.Store.AllocationRows(ctx, q)
	}
	var compared [7]bool
	for _, i := range days {
		compared[i] = true
	}
	dq := q
	dq.Step = day
	rows, err := b.Store.AllocationRows(ctx, dq)
	if err != nil {
		return nil, err
	}
	type rowKey struct {
		start                                 int64
		keys, cluster, node, namespace, class string
		kind                                  string
		currency                              tally.Currency
		outside                               bool
	}
	var out []attribution.Row
	index := map[rowKey]int{}
	for _, r := range rows {
		n := int(r.Start.Sub(q.Window.Start) / day)
		if n < 0 || !compared[n%7] {
			continue
		}
		start := q.Window.Start.Add(time.Duration(n/7) * week)
		r.Start, r.End = start, start.Add(week)
		k := rowKey{start.Unix(), strings.Join(r.Keys, "\x00"), r.Cluster, r.Node, r.Namespace, r.Class, r.CostKind, r.Cost.Currency(), r.Outside}
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, r)
			continue
		}
		o := &out[i]
		if o.Cost, err = o.Cost.Add(r.Cost); err != nil {
			return nil, err
		}
		o.Estimated = o.Estimated || r.Estimated
		o.Ran = spanOf(o.Ran, r.Ran)
		o.Resources.Add(r.Resources)
	}
	return out, nil
}

// spanOf is the smallest window holding a and b (either zero: the other).
func spanOf(a, b tally.Window) tally.Window {
	switch {
	case a.Start.IsZero():
		return b
	case b.Start.IsZero():
		return a
	}
	if b.Start.Before(a.Start) {
		a.Start = b.Start
	}
	if b.End.After(a.End) {
		a.End = b.End
	}
	return a
}

// periods sums the costs of the two weeks of w per group of moverDims[dim]
// at amortized and list prices, per node so each node's commitment coverage
// applies.
func periods(wc weekCosts, dim int, aud Audience, w tally.Window, cov []NodeCoverage) (map[string]*group, error) {
	nodeKey := len(moverDims)
	type rowKey struct {
		start                                              int64
		workload, namespace, service, node, cluster, class string
		kind                                               string
	}
	keyOf := func(r *attribution.Row) rowKey {
		return rowKey{r.Start.Unix(), r.Keys[0], r.Keys[1], r.Keys[2], r.Keys[nodeKey], r.Cluster, r.Class, r.CostKind}
	}
	listOf := make(map[rowKey]tally.Money, len(wc.list))
	for i := range wc.list {
		listOf[keyOf(&wc.list[i])] = wc.list[i].Cost
	}
	type covKey struct {
		start         int64
		cluster, node string
	}
	fractions := map[covKey][2]float64{}
	for _, c := range cov {
		var f [2]float64
		if l := c.List.Float64(); l > 0 {
			f[0] = c.CoveredList.Float64() / l
		}
		if e := c.Cost.Float64(); e > 0 {
			f[1] = c.CoveredCost.Float64() / e
		}
		fractions[covKey{c.Start.Unix(), c.Cluster, c.Node}] = f
	}
	groups := map[string]*group{}
	var err error
	for i := range wc.amort {
		r := &wc.amort[i]
		if !keep(aud, r) {
			continue
		}
		name, class := groupName(r, dim, moverDims[dim].field)
		if name == "" {
			continue
		}
		k := 0
		if !r.Start.Before(w.Start.Add(week)) {
			k = 1
		}
		p := Period{Cost: r.Cost, List: listOf[keyOf(r)]}
		switch r.CostKind {
		case tally.CostCPU:
			p.Quantity = r.CPUCoreHours
		case tally.CostRAM:
			p.Quantity = r.RAMByteHours / (1 << 30)
		case tally.CostGPU:
			p.Quantity = r.GPUHours
		default:
			p.Quantity = p.List.Float64()
		}
		if p.Quantity == 0 && p.List.IsZero() {
			p.Quantity = p.Cost.Float64() // a cost without a measure of usage: its own dollars
		}
		cur := r.Cost.Currency()
		if f, ok := fractions[covKey{r.Start.Unix(), r.Cluster, r.Keys[nodeKey]}]; ok && r.Keys[nodeKey] != "" {
			p.CoveredList, _ = tally.FromFloat(p.List.Float64()*f[0], cur)
			p.CoveredCost, _ = tally.FromFloat(p.Cost.Float64()*f[1], cur)
		}
		g := groups[name]
		if g == nil {
			g = &group{class: class, kinds: map[string]*[2]Period{}}
			groups[name] = g
		}
		pk := g.kinds[r.CostKind]
		if pk == nil {
			pk = &[2]Period{}
			g.kinds[r.CostKind] = pk
		}
		if pk[k], err = pk[k].Add(p); err != nil {
			return nil, err
		}
		if g.total[k], err = g.total[k].Add(p); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// movers are the groups whose cost changed most between the two weeks,
// each linked to the report week's allocations.
func (b *Builder) movers(groups map[string]*group, ln linker, field string) ([]Mover, error) {
	var out []Mover
	for name, g := range groups {
		var comps Components
		kinds := make([]string, 0, len(g.kinds))
		for k := range g.kinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			p := g.kinds[k]
			c, err := Decompose(p[0], p[1])
			if err != nil {
				return nil, fmt.Errorf("decompose %s %s: %w", name, k, err)
			}
			if comps, err = comps.Add(c); err != nil {
				return nil, err
			}
		}
		if comps.Delta.Abs().Float64() < 0.005 {
			continue
		}
		// Usage and coverage to the cent as shown, price the rest: the
		// parts still sum to the change exactly, and rounded to the cent
		// they add up to the change rounded to the cent.
		shown, err := comps.Shown(2)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", field, name, err)
		}
		comps.Usage, comps.Coverage = shown.Usage, shown.Coverage
		var s summer
		comps.Price = s.add(s.add(comps.Delta, comps.Usage.Neg()), comps.Coverage.Neg())
		if s.err != nil {
			return nil, fmt.Errorf("%s %s: %w", field, name, s.err)
		}
		cur := comps.Delta.Currency()
		last, this := g.total[0].Cost, g.total[1].Cost
		if last.IsZero() {
			last = tally.Zero(cur)
		}
		if this.IsZero() {
			this = tally.Zero(cur)
		}
		ch, err := change(this, last)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", field, name, err)
		}
		clause, aggregate := "", field
		if field == "service" {
			// The dashboard has no service aggregation: its page
			// shows the service's costs by namespace.
			aggregate = "namespace"
		}
		if g.class == "" {
			clause = field + ":" + quote(name)
		} else if field != "namespace" {
			continue // idle, shared and unallocated costs show among namespaces
		}
		out = append(out, Mover{Name: name, LastWeek: last, ThisWeek: this, Ratio: ch.Ratio, HasBase: ch.Base, Components: comps,
			Link: ln.allocations(ln.week, aggregate, clause)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Delta.Abs().Float64(), out[j].Delta.Abs().Float64()
		if a != b {
			return a > b
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > b.Top {
		out = out[:b.Top]
	}
	return out, nil
}

// teams is the spend of each team of the report week (the first 2×Top,
// largest first) and how many more teams there are.
func (b *Builder) teams(ctx context.Context, w tally.Window, days []int, ln linker) ([]TeamSpend, int, error) {
	dim := attribution.Dimension{Field: "label", Key: b.Config.TeamLabel}
	if dim.Key == "" {
		dim.Key = DefaultTeamLabel
	}
	rows, err := b.weekly(ctx, b.query(Audience{}, w, week, tally.BasisAmortized, dim), days)
	if err != nil {
		return nil, 0, fmt.Errorf("weekly costs by team: %w", err)
	}
	byTeam := map[string]*[2]tally.Money{}
	for i := range rows {
		r := &rows[i]
		if r.Outside || r.Class == attribution.ClassIdle || r.Class == attribution.ClassShared {
			continue
		}
		// The costs without a team label and those no owner was found
		// for are one group, as on the dashboard.
		name := r.Keys[0]
		if r.Class != "" || name == "" {
			name = tally.UnallocatedName
		}
		k := 0
		if !r.Start.Before(w.Start.Add(week)) {
			k = 1
		}
		t := byTeam[name]
		if t == nil {
			t = &[2]tally.Money{}
			byTeam[name] = t
		}
		sum, err := t[k].Add(r.Cost)
		if err != nil {
			return nil, 0, tally.Errorf(tally.EInvalid, "team %q: costs in several currencies (%s, %s): give each currency its own audience with a cluster filter",
				name, t[k].Currency(), r.Cost.Currency())
		}
		t[k] = sum
	}
	var out []TeamSpend
	for name, t := range byTeam {
		ch, err := change(t[1], t[0])
		if err != nil {
			return nil, 0, fmt.Errorf("team %q: %w", name, err)
		}
		ts := TeamSpend{Team: name, ThisWeek: t[1], Change: ch,
			Link: ln.allocations(ln.week, "label:"+dim.Key, "label["+dim.Key+"]:"+quote(name))}
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool {
		if c, _ := out[i].ThisWeek.Cmp(out[j].ThisWeek); c != 0 {
			return c > 0
		}
		return out[i].Team < out[j].Team
	})
	if len(out) > 2*b.Top {
		return out[:2*b.Top], len(out) - 2*b.Top, nil
	}
	return out, 0, nil
}

// teamsRest is the week's spend less the teams': the idle and shared
// costs no team is charged, and the teams not listed.
func teamsRest(spend tally.Money, teams []TeamSpend) (tally.Money, error) {
	rest := spend
	for _, ts := range teams {
		var err error
		if rest, err = rest.Sub(ts.ThisWeek); err != nil {
			return rest, fmt.Errorf("team %q: %w", ts.Team, err)
		}
	}
	return rest, nil
}
