package rightsizing

import (
	"cmp"
	"fmt"
	"slices"
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
	// EndEstimated says that it ends by End, not on it: its bill does not
	// date its term (tally.Commitment.StartEstimated).
	EndEstimated bool `json:"endEstimated,omitempty"`
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
	// Ran is, for a group whose nodes come and go (PlanBatchCommittedNodes),
	// when in the span of history priced the commitment covered the node:
	// when it ran, or the part of that the bill shows covered. Zero for the
	// whole span.
	Ran tally.Window `json:"ran,omitzero"`
}

// CommittedSavings says how the commitments covering a group's current
// nodes price its plan: their fees are paid until they end whatever the
// plan keeps, so a plan saves only what it removes of the nodes they do
// not cover, and the on-demand usage of a commitment's scope elsewhere
// that what it frees would cover instead.
type CommittedSavings struct {
	Commitments []CommitmentUse `json:"commitments"`
	// After are the plan's monthly savings after each commitment ends.
	After []SavingAfter `json:"after,omitempty"`
	// Alternative is the mix that saves the most once every commitment has
	// ended, when that is not the plan.
	Alternative *CommittedAlternative `json:"alternative,omitempty"`
	// Later says, of a plan that changes the nodes but saves nothing
	// while the commitments run, when it starts to save and which
	// commitments' fees hold it back: "the change saves nothing until
	// 2027-01-24: the fee of Reserved Instance … is paid until it ends
	// whatever runs, and the planned nodes free $220.83 a month of it; it
	// saves $350.40 a month after". Empty otherwise.
	Later string `json:"later,omitempty"`
	// Summary says the above in words (also at the end of the plan's
	// Explanation).
	Summary string `json:"summary"`
	// Points is Summary in points, each a few sentences: per commitment
	// what it covers and what the plan does with it, then the savings,
	// then the alternative. Not in the JSON (Summary is).
	Points [][]string `json:"-"`
}

// CommitmentUse is what one commitment covers now and under the plan.
type CommitmentUse struct {
	ID   string    `json:"id"`
	Kind string    `json:"kind,omitempty"`
	End  time.Time `json:"end,omitzero"`
	// EndEstimated says that it ends by End, not on it (NodeCommitment).
	EndEstimated bool   `json:"endEstimated,omitempty"`
	Scope        string `json:"scope,omitempty"`
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
	From  time.Time `json:"from"`
	Ended []string  `json:"ended"`
	// Estimated says that From is by when, not when, the saving starts:
	// a commitment ending then has an estimated end (EndEstimated).
	Estimated      bool        `json:"estimated,omitempty"`
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
	keep, _, whyNot, err := planNodes(zero, pods, catalog)
	if err != nil {
		return NodePlan{}, err
	}
	kept := len(keep.Unplaced) == 0 && sameNodes(keep.Planned, current)
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
		use := CommitmentUse{ID: c.ID, Kind: c.Kind, End: c.End, EndEstimated: c.EndEstimated, Scope: c.Scope, Nodes: len(c.Nodes),
			CoveredNodes: pc.nodesWorth(curNow.covered[c.ID]), PlannedNodes: pc.nodesWorth(chosen.now.covered[c.ID])}
		for _, m := range []struct {
			dst *tally.Money
			h   tally.Money
		}{{&use.MonthlyFee, pc.fee[c.ID]}, {&use.MonthlyUnused, chosen.now.unusedFee[c.ID]}, {&use.MonthlyElsewhere, chosen.now.elsewhere[c.ID]},
			{&use.MonthlyWasted, chosen.now.wastedFee[c.ID]}} {
			if *m.dst, err = MulQuantity(m.h, HoursPerMonth); err != nil {
				return plan, err
			}
			if m.dst.Currency() == "" {
				// Nothing (none elsewhere, none unused): zero in the fee's currency.
				*m.dst = tally.Zero(pc.fee[c.ID].Currency())
			}
			*m.dst = m.dst.Round(2)
		}
		cs2.Commitments = append(cs2.Commitments, use)
	}
	if plan.Kept != nil {
		// What the pods alone would cost was priced with the sunk
		// commitments' types at about zero: it says nothing here. The
		// commitments covering the planned nodes kept them too.
		k := *plan.Kept
		k.PackedMonthly = nil
		if why := keptByCommitments(cs2.Commitments); why != "" {
			k.Reasons = append(slices.Clone(k.Reasons), why)
		}
		plan.Kept = &k
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
				s.Ended, s.Estimated = append(s.Ended, c.ID), s.Estimated || c.EndEstimated
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
	cs2.Points = pc.summary(&plan, cs2, countNodes(current), nil)
	cs2.Summary = joinPoints(cs2.Points)
	cs2.Later = laterText(&plan, cs2)
	plan.Committed = cs2
	plan.Explanation = explainPlan(&plan, len(pods), chosen.keep, whyNot)
	if plan.Kept != nil {
		plan.Explanation += "; " + plan.Kept.String()
	}
	if cs2.Later != "" {
		plan.Explanation += "; " + cs2.Later
	}
	plan.Explanation += "; " + cs2.Summary
	return plan, nil
}
