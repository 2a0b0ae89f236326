package rightsizing

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// PlanBatchCommittedNodes is PlanBatchNodes for a group some of whose
// nodes commitments covered (cs, as the bill shows them; each covered
// node's Ran when it ran in over, the whole of over when zero). The
// amounts are priced as the bill would charge them over the history: in
// the hours a covered node ran, its commitment's fee for it counts as
// paid whatever runs, now and in the plan; the current amount is the
// group's node-hours with the covered ones at the commitments' fees; the
// planned nodes at each moment use what the commitments covered then
// first (up to it) and pay on-demand (or spot) prices beyond, what they
// leave of it covering, up to Elsewhere, on-demand usage outside the
// group (see PlanCommittedNodes). The packing at each moment is the
// cheapest so priced of those at catalog prices and with the committed
// rates offered. Its MonthlySavings are those while all of cs run;
// Committed says how they change as each ends.
func PlanBatchCommittedNodes(g NodeGroup, steady []PodRequest, batch []BatchPod, used []NodeHours, over tally.Window, catalog []InstanceType,
	cs []NodeCommitment) (NodePlan, error) {
	if len(cs) == 0 {
		return PlanBatchNodes(g, steady, batch, used, over, catalog)
	}
	return planBatchNodes(g, steady, batch, used, over, catalog, cs)
}

func allRunning(*NodeCommitment) bool { return true }

// batchCover is the commitments covering a batch group's nodes over the
// span of history priced.
type batchCover struct {
	// pc are the commitments with what they cover of every node they
	// covered, as if all ran at once.
	pc      *pricedCommitments
	over    tally.Window
	catalog []InstanceType
	hours   map[string]float64 // by commitment: the hours its nodes ran in over
	cache   map[string]*pricedCommitments
	// atCatalog packs the pods at catalog prices only (the packings of
	// an autoscaler that knows nothing of the commitments).
	atCatalog bool
}

func newBatchCover(g *NodeGroup, catalog []InstanceType, cs []NodeCommitment, over tally.Window) (*batchCover, error) {
	pc, err := newPricedCommitments(g, catalog, cs)
	if err != nil {
		return nil, err
	}
	bc := &batchCover{pc: pc, over: over, catalog: catalog, hours: map[string]float64{}, cache: map[string]*pricedCommitments{}}
	for i := range pc.cs {
		c := &pc.cs[i]
		for j := range c.Nodes {
			if r := &c.Nodes[j].Ran; !r.End.IsZero() && r.End.Before(r.Start) {
				return nil, fmt.Errorf("commitment %s: node %s ran from %s to %s", c.ID, c.Nodes[j].Name, r.Start, r.End)
			}
			bc.hours[c.ID] += bc.ran(&c.Nodes[j]).Duration().Hours()
		}
	}
	return bc, nil
}

// ran returns when covered node n ran in the span priced (empty when not).
func (bc *batchCover) ran(n *CoveredNode) tally.Window {
	w := bc.over
	if !n.Ran.Start.IsZero() && n.Ran.Start.After(w.Start) {
		w.Start = n.Ran.Start
	}
	if !n.Ran.End.IsZero() && n.Ran.End.Before(w.End) {
		w.End = n.Ran.End
	}
	if !w.End.After(w.Start) {
		return tally.Window{Start: w.Start, End: w.Start}
	}
	return w
}

// changes returns when covered nodes start or stop running in the span.
func (bc *batchCover) changes() []time.Time {
	var out []time.Time
	for i := range bc.pc.cs {
		for j := range bc.pc.cs[i].Nodes {
			if r := bc.ran(&bc.pc.cs[i].Nodes[j]); r.Duration() > 0 {
				out = append(out, r.Start, r.End)
			}
		}
	}
	return out
}

// at returns the commitments covering what they covered of the nodes
// running at t, their fees for those, and a key naming those nodes; nil
// and "" when none ran then.
func (bc *batchCover) at(t time.Time) (*pricedCommitments, string, error) {
	var names []string
	for i := range bc.pc.cs {
		c := &bc.pc.cs[i]
		for j := range c.Nodes {
			if r := bc.ran(&c.Nodes[j]); !t.Before(r.Start) && t.Before(r.End) {
				names = append(names, c.ID+"\x00"+c.Nodes[j].Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, "", nil
	}
	key := strings.Join(names, "\x01")
	if p, ok := bc.cache[key]; ok {
		return p, key, nil
	}
	p := *bc.pc
	p.covered, p.fee = map[string]tally.Money{}, map[string]tally.Money{}
	for i := range p.cs {
		c := &p.cs[i]
		cov, fee := tally.Zero(p.currency), tally.Zero(p.currency)
		for j := range c.Nodes {
			n := &c.Nodes[j]
			if r := bc.ran(n); t.Before(r.Start) || !t.Before(r.End) {
				continue
			}
			var err error
			if cov, err = cov.Add(n.Covered); err != nil {
				return nil, "", fmt.Errorf("commitment %s: %w", c.ID, err)
			}
			if fee, err = fee.Add(n.Fee); err != nil {
				return nil, "", fmt.Errorf("commitment %s: %w", c.ID, err)
			}
		}
		p.covered[c.ID], p.fee[c.ID] = cov, fee
	}
	bc.cache[key] = &p
	return &p, key, nil
}

// cheapest returns the cheapest nodes for pods with the commitments pc
// running (fewest unplaced pods first): bins (the packing at catalog
// prices, leaving unplaced pods out), or the packing with pc's committed
// rates offered, or with them at next to nothing (their fee is paid
// anyway); and how many nodes they are.
func (bc *batchCover) cheapest(g *NodeGroup, pc *pricedCommitments, pods []PodRequest, bins []*bin, unplaced int) ([]NodeCount, int, error) {
	if len(pods) == 0 && g.MinNodes == 0 {
		return nil, 0, nil
	}
	best, bestN, bestUnplaced := binCounts(bins), len(bins), unplaced
	ev, err := pc.evaluate(best, allRunning)
	if err != nil {
		return nil, 0, err
	}
	bestHourly := ev.hourly
	for _, sunk := range []bool{false, true} {
		if bc.atCatalog {
			break
		}
		cands, err := g.candidates(pc.committedCatalog(bc.catalog, sunk))
		if err != nil {
			return nil, 0, err
		}
		bins, missed, _, err := g.packing(pods, cands)
		if err != nil {
			return nil, 0, err
		}
		nodes := binCounts(bins)
		ev, err := pc.evaluate(nodes, allRunning)
		if err != nil {
			return nil, 0, err
		}
		if len(missed) < bestUnplaced || (len(missed) == bestUnplaced && cmpMoney(ev.hourly, bestHourly) < 0) {
			best, bestN, bestUnplaced, bestHourly = nodes, len(bins), len(missed), ev.hourly
		}
	}
	return best, bestN, nil
}

// binCounts counts bins by type and purchase option.
func binCounts(bins []*bin) []NodeCount {
	var out []NodeCount
	for _, b := range bins {
		i := slices.IndexFunc(out, func(n NodeCount) bool { return n.Type == b.c.t.Name && n.Purchase == b.c.offer.Purchase })
		if i < 0 {
			out = append(out, NodeCount{Type: b.c.t.Name, Purchase: b.c.offer.Purchase, Hourly: b.c.offer.Hourly})
			i = len(out) - 1
		}
		out[i].Count++
	}
	return out
}

// addUse adds h hours of what the running commitments of pc cover and
// what the planned nodes (priced ev) do with them to use.
func (bc *batchCover) addUse(use map[string]*coverUse, pc *pricedCommitments, ev evaluation, h float64, running func(*NodeCommitment) bool) error {
	for i := range pc.cs {
		c := &pc.cs[i]
		if !running(c) {
			continue
		}
		u := use[c.ID]
		if u == nil {
			u = &coverUse{}
			use[c.ID] = u
		}
		for _, a := range []struct {
			dst *tally.Money
			m   tally.Money
		}{{&u.covered, pc.covered[c.ID]}, {&u.fee, pc.fee[c.ID]}, {&u.used, ev.covered[c.ID]}, {&u.unused, ev.unusedFee[c.ID]},
			{&u.elsewhere, ev.elsewhere[c.ID]}, {&u.wasted, ev.wastedFee[c.ID]}} {
			m, err := MulQuantity(a.m, h)
			if err != nil {
				return err
			}
			if *a.dst, err = a.dst.Add(m); err != nil {
				return fmt.Errorf("commitment %s: %w", c.ID, err)
			}
		}
	}
	return nil
}

// current returns what the group's node-hours cost over the span, atOD
// at on-demand prices, with the nodes the running commitments covered at
// their fees for the hours they ran.
func (bc *batchCover) current(atOD tally.Money, running func(*NodeCommitment) bool) (tally.Money, error) {
	out := atOD
	for i := range bc.pc.cs {
		c := &bc.pc.cs[i]
		if !running(c) {
			continue
		}
		for j := range c.Nodes {
			n := &c.Nodes[j]
			saved, err := n.Covered.Sub(n.Fee)
			if err != nil {
				return out, fmt.Errorf("commitment %s: node %s: %w", c.ID, n.Name, err)
			}
			if saved, err = MulQuantity(saved, bc.ran(n).Duration().Hours()); err != nil {
				return out, err
			}
			if out, err = out.Sub(saved); err != nil {
				return out, fmt.Errorf("commitment %s: node %s: %w", c.ID, n.Name, err)
			}
		}
	}
	return out, nil
}

// label shows the plan's current nodes that the commitments cover as
// PurchaseCommitted, and its planned nodes (for the pods at their peak,
// at) that use what the commitments covered then.
func (bc *batchCover) label(plan *NodePlan, at time.Time) error {
	// The current nodes are those running at the end: the covered nodes
	// that ran until it (another node of one's name may have run before).
	end := *bc.pc
	end.cs = slices.Clone(end.cs)
	for i := range end.cs {
		c := &end.cs[i]
		c.Nodes = slices.DeleteFunc(slices.Clone(c.Nodes), func(n CoveredNode) bool { return !bc.ran(&n).End.Equal(bc.over.End) })
	}
	var err error
	if plan.Current, err = end.currentNodes(plan.Current); err != nil {
		return err
	}
	pc, _, err := bc.at(at)
	if err != nil || pc == nil {
		return err
	}
	ev, err := pc.evaluate(nodeCountsOf(plan.Planned), allRunning)
	if err != nil {
		return err
	}
	plan.Planned, err = pc.label(plan.Planned, ev)
	return err
}

// savings says how the commitments price the plan: what each covered and
// what the plan does with it (pt, priced with them all running), the
// plan's savings after each ends (its packings priced with the
// commitments still running; none when it keeps the group's nodes), and
// the alternative of the packings at catalog prices when those save more
// once every commitment has ended. atOD is what the group's node-hours
// cost at on-demand prices; peak the pods at their peak.
func (bc *batchCover) savings(plan *NodePlan, g *NodeGroup, steady []PodRequest, batch []BatchPod, peak []PodRequest, atOD tally.Money,
	cands []candidate, pt overTime, keep bool) (*CommittedSavings, error) {
	hours := bc.over.Duration().Hours()
	perMonth := func(dst *tally.Money, total tally.Money) error {
		m, err := MulQuantity(total, HoursPerMonth/hours)
		if err != nil {
			return err
		}
		if m.Currency() == "" {
			m = tally.Zero(bc.pc.currency)
		}
		*dst = m.Round(2)
		return nil
	}
	worth := func(total tally.Money) (float64, error) {
		m, err := MulQuantity(total, 1/hours)
		return bc.pc.nodesWorth(m), err
	}
	out := &CommittedSavings{}
	var err error
	for i := range bc.pc.cs {
		c := &bc.pc.cs[i]
		use := CommitmentUse{ID: c.ID, Kind: c.Kind, End: c.End, EndEstimated: c.EndEstimated, Scope: c.Scope, Nodes: len(c.Nodes)}
		u := pt.use[c.ID]
		if u == nil {
			u = &coverUse{}
		}
		var err error
		if use.CoveredNodes, err = worth(u.covered); err != nil {
			return nil, err
		}
		if err := perMonth(&use.MonthlyFee, u.fee); err != nil {
			return nil, err
		}
		if keep {
			// The group's nodes as they ran: they use what it covers.
			use.PlannedNodes = use.CoveredNodes
			use.MonthlyUnused, use.MonthlyElsewhere, use.MonthlyWasted = tally.Zero(bc.pc.currency), tally.Zero(bc.pc.currency), tally.Zero(bc.pc.currency)
		} else {
			if use.PlannedNodes, err = worth(u.used); err != nil {
				return nil, err
			}
			for _, m := range []struct {
				dst   *tally.Money
				total tally.Money
			}{{&use.MonthlyUnused, u.unused}, {&use.MonthlyElsewhere, u.elsewhere}, {&use.MonthlyWasted, u.wasted}} {
				if err := perMonth(m.dst, m.total); err != nil {
					return nil, err
				}
			}
		}
		out.Commitments = append(out.Commitments, use)
	}
	var ends []time.Time
	for _, c := range bc.pc.cs {
		if !c.End.IsZero() && !slices.ContainsFunc(ends, c.End.Equal) {
			ends = append(ends, c.End)
		}
	}
	slices.SortFunc(ends, time.Time.Compare)
	for _, e := range ends {
		running := func(c *NodeCommitment) bool { return c.End.IsZero() || c.End.After(e) }
		s := SavingAfter{From: e}
		for _, c := range bc.pc.cs {
			if c.End.Equal(e) {
				s.Ended, s.Estimated = append(s.Ended, c.ID), s.Estimated || c.EndEstimated
			}
		}
		cur, err := bc.current(atOD, running)
		if err != nil {
			return nil, err
		}
		planned := cur
		if !keep {
			after, err := plannedOverTime(g, steady, batch, bc.over, cands, bc, running)
			if err != nil {
				return nil, err
			}
			planned = after.cost
		}
		var curMonthly, plannedMonthly tally.Money
		if err := perMonth(&curMonthly, cur); err != nil {
			return nil, err
		}
		if err := perMonth(&plannedMonthly, planned); err != nil {
			return nil, err
		}
		if s.MonthlySavings, err = curMonthly.Sub(plannedMonthly); err != nil {
			return nil, err
		}
		out.After = append(out.After, s)
	}
	if out.Alternative, err = bc.alternative(g, steady, batch, peak, atOD, cands, keep, perMonth); err != nil {
		return nil, err
	}
	out.Points = bc.pc.summary(plan, out, -1, &batchHistory{hours: bc.hours, days: fmtDays(hours / 24), end: bc.over.End})
	out.Summary = joinPoints(out.Points)
	return out, nil
}

// alternative returns the packings at catalog prices (as an autoscaler
// that knows nothing of the commitments runs them) when, once every
// commitment has ended, they save more than the plan (its packings, or
// the group's nodes when keep); nil when not.
func (bc *batchCover) alternative(g *NodeGroup, steady []PodRequest, batch []BatchPod, peak []PodRequest, atOD tally.Money, cands []candidate,
	keep bool, perMonth func(*tally.Money, tally.Money) error) (*CommittedAlternative, error) {
	none := func(*NodeCommitment) bool { return false }
	curNow, err := bc.current(atOD, allRunning)
	if err != nil {
		return nil, err
	}
	planAfter := atOD // the group's nodes kept, on demand
	if !keep {
		after, err := plannedOverTime(g, steady, batch, bc.over, cands, bc, none)
		if err != nil {
			return nil, err
		}
		planAfter = after.cost
	}
	free := *bc
	free.atCatalog, free.cache = true, map[string]*pricedCommitments{}
	now, err := plannedOverTime(g, steady, batch, bc.over, cands, &free, allRunning)
	if err != nil {
		return nil, err
	}
	after, err := plannedOverTime(g, steady, batch, bc.over, cands, &free, none)
	if err != nil {
		return nil, err
	}
	var altAfter, planAfterMonthly tally.Money
	if err := perMonth(&altAfter, after.cost); err != nil {
		return nil, err
	}
	if err := perMonth(&planAfterMonthly, planAfter); err != nil {
		return nil, err
	}
	if cmpMoney(altAfter, planAfterMonthly) >= 0 {
		return nil, nil
	}
	alt := &CommittedAlternative{}
	bins, _, _, err := g.packing(append(slices.Clone(steady), peak...), cands)
	if err != nil {
		return nil, err
	}
	for _, n := range binCounts(bins) {
		alt.Planned = append(alt.Planned, PlannedNodes{NodeCount: n})
	}
	var cur, curAfter, altNow tally.Money
	for _, m := range []struct {
		dst   *tally.Money
		total tally.Money
	}{{&cur, curNow}, {&curAfter, atOD}, {&altNow, now.cost}} {
		if err := perMonth(m.dst, m.total); err != nil {
			return nil, err
		}
	}
	if alt.MonthlySavings, err = cur.Sub(altNow); err != nil {
		return nil, err
	}
	if alt.MonthlySavingsAfter, err = curAfter.Sub(altAfter); err != nil {
		return nil, err
	}
	return alt, nil
}
