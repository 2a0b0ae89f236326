package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// committedPlanner plans node groups some of whose current nodes
// commitments cover, as the amortized bill shows it: for each node, the
// commitments (Reserved Instances, Savings Plans, CUDs) that covered its
// eligible usage over the last day of its bill, their effective rate, and
// from the commitment inventory when they end and what they may cover.
type committedPlanner struct {
	db    *postgres.DB
	o     rightsizeOptions
	nodes []tally.Node
	// Read once, at the first group planned.
	loaded    bool
	bill      map[string][]postgres.NodeBillLine // by instance id
	span      tally.Window
	inventory []tally.Commitment // read at the first commitment seen
	invLoaded bool
	// given is, by pool of usage, the uncovered usage elsewhere (hourly,
	// at on-demand prices) that the plans of groups planned before already
	// gave to the commitments they free.
	given map[string]tally.Money
}

func newCommittedPlanner(db *postgres.DB, o rightsizeOptions, nodes []tally.Node) *committedPlanner {
	return &committedPlanner{db: db, o: o, nodes: nodes, given: map[string]tally.Money{}}
}

func (p *committedPlanner) load(ctx context.Context) error {
	if p.loaded {
		return nil
	}
	p.loaded = true
	var ids []string
	for _, n := range p.nodes {
		if n.InstanceID != "" && n.Lifecycle != tally.LifecycleSpot {
			ids = append(ids, n.InstanceID)
		}
	}
	lines, span, err := p.db.NodeBill(ctx, ids, p.o.Window.End)
	if err != nil {
		return err
	}
	p.span, p.bill = span, map[string][]postgres.NodeBillLine{}
	for _, l := range lines {
		p.bill[l.ResourceID] = append(p.bill[l.ResourceID], l)
	}
	return p.loadInventory(ctx, lines)
}

// loadInventory reads the commitment inventory once, when bill lines
// show a commitment.
func (p *committedPlanner) loadInventory(ctx context.Context, lines []postgres.NodeBillLine) error {
	if p.invLoaded || !slices.ContainsFunc(lines, func(l postgres.NodeBillLine) bool { return l.CommitmentID != "" }) {
		return nil
	}
	p.invLoaded = true
	var err error
	if p.inventory, err = commitments.Portfolio(ctx, p.db, "", p.o.Window.End); err != nil {
		return fmt.Errorf("commitments covering nodes: %w", err)
	}
	return nil
}

// plan plans group g (k) with the commitments covering its current nodes,
// or as PlanNodes when none does.
func (p *committedPlanner) plan(ctx context.Context, k groupKey, g rightsizing.NodeGroup, pods []rightsizing.PodRequest,
	catalog []rightsizing.InstanceType) (rightsizing.NodePlan, error) {
	if err := p.load(ctx); err != nil {
		return rightsizing.NodePlan{}, err
	}
	cs, pools, err := p.commitmentsOf(ctx, p.currentNodes(k, &g), tally.Window{})
	if err != nil {
		return rightsizing.NodePlan{}, err
	}
	if len(cs) == 0 {
		return rightsizing.PlanNodes(g, pods, catalog)
	}
	plan, err := rightsizing.PlanCommittedNodes(g, pods, catalog, cs)
	if err != nil {
		return plan, err
	}
	return plan, p.give(k, &plan, pools)
}

// planBatch plans group g (k), whose nodes come and go with its batch
// pods, over the span over with the commitments covering the nodes it ran
// in it, or as PlanBatchNodes when none does.
func (p *committedPlanner) planBatch(ctx context.Context, k groupKey, g rightsizing.NodeGroup, steady []rightsizing.PodRequest,
	batch []rightsizing.BatchPod, used []rightsizing.NodeHours, over tally.Window, catalog []rightsizing.InstanceType) (rightsizing.NodePlan, error) {
	if err := p.load(ctx); err != nil {
		return rightsizing.NodePlan{}, err
	}
	nodes, err := p.ranNodes(ctx, k, over, catalog)
	if err != nil {
		return rightsizing.NodePlan{}, err
	}
	// The end of the history the bill shows: it arrives late.
	end := over.End
	if !p.span.End.IsZero() && p.span.End.Before(end) {
		end = p.span.End
	}
	cs, pools, err := p.commitmentsOf(ctx, nodes, tally.Window{Start: over.Start, End: end})
	if err != nil {
		return rightsizing.NodePlan{}, err
	}
	if len(cs) == 0 {
		return rightsizing.PlanBatchNodes(g, steady, batch, used, over, catalog)
	}
	plan, err := rightsizing.PlanBatchCommittedNodes(g, steady, batch, used, over, catalog, cs)
	if err != nil {
		return plan, err
	}
	return plan, p.give(k, &plan, pools)
}

// give notes the usage elsewhere that plan gives to what it frees of the
// commitments (of pools): it is not there for the next groups' plans.
func (p *committedPlanner) give(k groupKey, plan *rightsizing.NodePlan, pools map[string]string) error {
	if plan.Committed == nil {
		return nil
	}
	for i, u := range plan.Committed.Commitments {
		if u.MonthlyElsewhere.Sign() <= 0 || pools[u.ID] == "" {
			continue
		}
		hourly, err := u.MonthlyElsewhere.MulRatio(1, rightsizing.HoursPerMonth)
		if err != nil {
			return err
		}
		given := p.given[pools[u.ID]]
		if given, err = given.Add(hourly); err != nil {
			return fmt.Errorf("node group %s/%s: commitment %s: %w", k.cluster, k.name, plan.Committed.Commitments[i].ID, err)
		}
		p.given[pools[u.ID]] = given
	}
	return nil
}

// billedNode is a node of a group that the bill may show commitments
// covered: its name, instance id, type and price an hour on demand, its
// bill, and for a group whose nodes come and go when it ran in the span
// priced.
type billedNode struct {
	name, instanceID, typ string
	hourly                tally.Money
	lines                 []postgres.NodeBillLine
	ran                   tally.Window
}

// currentNodes returns g's current nodes (k's) that are not spot, priced
// as g prices them.
func (p *committedPlanner) currentNodes(k groupKey, g *rightsizing.NodeGroup) []billedNode {
	byName := map[string]*tally.Node{}
	for i := range p.nodes {
		n := &p.nodes[i]
		if n.Cluster != k.cluster {
			continue
		}
		if m := byName[n.Name]; m == nil || n.ValidFrom.After(m.ValidFrom) {
			byName[n.Name] = n
		}
	}
	var out []billedNode
	for _, c := range g.Current {
		if c.Purchase == tally.PurchaseSpot {
			continue
		}
		for _, name := range c.Names {
			if n := byName[name]; n != nil && n.InstanceID != "" {
				out = append(out, billedNode{name: name, instanceID: n.InstanceID, typ: c.Type, hourly: c.Hourly, lines: p.bill[n.InstanceID]})
			}
		}
	}
	return out
}

// ranNodes returns the nodes of group k that ran in over and are not
// spot, each with when it ran in over, priced on demand from catalog, and
// its bill in over (the bill's last day when over has none of it: the bill
// may begin late).
func (p *committedPlanner) ranNodes(ctx context.Context, k groupKey, over tally.Window, catalog []rightsizing.InstanceType) ([]billedNode, error) {
	var out []billedNode
	var ids []string
	for i := range p.nodes {
		n := &p.nodes[i]
		if n.Cluster != k.cluster || nodeGroupOf(n) != k.name || n.InstanceID == "" || n.Lifecycle == tally.LifecycleSpot {
			continue
		}
		life := n.Lifetime(over.End)
		ran := life.Intersect(over)
		if !ran.End.After(ran.Start) {
			continue
		}
		g := rightsizing.NodeGroup{Current: []rightsizing.NodeCount{{Type: n.InstanceType, Purchase: tally.PurchaseOnDemand}}}
		if !priceCurrent(&g, catalog) {
			continue
		}
		out = append(out, billedNode{name: n.Name, instanceID: n.InstanceID, typ: n.InstanceType, hourly: g.Current[0].Hourly, ran: ran})
		ids = append(ids, n.InstanceID)
	}
	lines, err := p.db.NodeBillOver(ctx, ids, over)
	if err != nil {
		return nil, err
	}
	if err := p.loadInventory(ctx, lines); err != nil {
		return nil, err
	}
	bill := map[string][]postgres.NodeBillLine{}
	for _, l := range lines {
		bill[l.ResourceID] = append(bill[l.ResourceID], l)
	}
	for i := range out {
		if out[i].lines = bill[out[i].instanceID]; len(out[i].lines) == 0 {
			out[i].lines = p.bill[out[i].instanceID]
		}
	}
	return out, nil
}

// commitmentsOf returns the commitments covering nodes (a group's; priced:
// their hourly is the catalog's), each node's part at the catalog's
// on-demand price times the part of its list cost the commitment covered,
// its fee that times the commitment's effective ÷ list cost, with the
// uncovered usage of its scope outside the group (Elsewhere, less what
// earlier groups' plans gave commitments of its pool) an hour of the
// bill's last day, or of history, the span of the bill a batch group is
// planned over (zero for a steady group); and the pool of each.
//
// A node's bill over the history (lines with the hours they charge, of
// nodes that ran in it) says when a commitment covered it: its part is
// that of its list cost in those hours, and it covered the node (Ran)
// from when it ran, or the first hour covered when the bill shows the
// node on demand before, to when it stopped, or the last hour covered
// when the bill shows it on demand after. A commitment not in the
// inventory (not in force) that covered none of nodes after some hour
// before the end of history ended then.
func (p *committedPlanner) commitmentsOf(ctx context.Context, nodes []billedNode, history tally.Window) ([]rightsizing.NodeCommitment, map[string]string, error) {
	end := history.End
	usage := p.span // of the bill's last day, or of the history a batch group is planned over
	if history.Duration() > 0 {
		usage = history
	}
	var out []rightsizing.NodeCommitment
	var first []postgres.NodeBillLine // of each of out, a bill line
	var last []time.Time              // of each of out, the end of the last hour covered; zero when it covered nodes until end
	var inInventory []bool
	index := map[string]int{}
	var ids []string
	for _, n := range nodes {
		if !slices.Contains(ids, n.instanceID) {
			ids = append(ids, n.instanceID)
		}
	}
	for _, n := range nodes {
		name := n.name
		lines := n.lines
		var total tally.Money
		for _, l := range lines {
			var err error
			if total, err = total.Add(l.ListCost); err != nil {
				return nil, nil, fmt.Errorf("bill of node %s: %w", name, err)
			}
		}
		if total.Sign() <= 0 {
			continue
		}
		billed := billedSpan(lines) // zero for a bill of the last day
		for _, l := range lines {
			if l.CommitmentID == "" || l.ListCost.Sign() <= 0 {
				continue
			}
			of, ran, stopped := total, n.ran, time.Time{}
			if l.Charged.Duration() > 0 && !billed.Start.IsZero() && l.InstanceListCost.Sign() > 0 {
				of = l.InstanceListCost
				if l.Charged.Start.After(billed.Start) {
					ran.Start = maxTime(ran.Start, l.Charged.Start)
				}
				if l.Charged.End.Before(billed.End) {
					ran.End = minTime(ran.End, l.Charged.End)
				}
				if ran.End.Before(ran.Start) {
					ran.End = ran.Start
				}
				if !end.IsZero() && l.Charged.End.Before(end) {
					stopped = l.Charged.End
				}
			}
			covered, err := moneyRatio(n.hourly, l.ListCost, of)
			if err != nil {
				return nil, nil, fmt.Errorf("bill of node %s: %w", name, err)
			}
			fee, err := moneyRatio(covered, l.EffectiveCost, l.ListCost)
			if err != nil {
				return nil, nil, fmt.Errorf("bill of node %s: %w", name, err)
			}
			i, ok := index[l.CommitmentID]
			if !ok {
				i = len(out)
				index[l.CommitmentID] = i
				c, known := p.nodeCommitment(l)
				out, first, last, inInventory = append(out, c), append(first, l), append(last, stopped), append(inInventory, known)
			} else if last[i].IsZero() || stopped.IsZero() {
				last[i] = time.Time{}
			} else {
				last[i] = maxTime(last[i], stopped)
			}
			out[i].Nodes = append(out[i].Nodes, rightsizing.CoveredNode{Name: name, Type: n.typ, Covered: covered, Fee: fee, Ran: ran})
		}
	}
	for i := range out {
		if !inInventory[i] && !last[i].IsZero() {
			// Not in force, and it stopped covering the nodes before
			// the end of the bill: it ended then.
			out[i].End = last[i]
		}
	}
	flexible, err := p.sizeFlexibleInBill(ctx, out)
	if err != nil {
		return nil, nil, err
	}
	pools := map[string]string{}
	for i := range out {
		c := &out[i]
		if f := flexible[c.ID]; f != "" {
			c.InstanceTypes, c.Families = nil, []string{f}
		} else if len(c.InstanceTypes) == 0 && len(c.Families) == 0 && (c.Kind == tally.CommitReserved || c.Kind == tally.CommitCUDResource) {
			// Not in the inventory: a reservation or resource-based CUD
			// covers the types (the series) it covers now.
			for _, n := range c.Nodes {
				if c.Kind == tally.CommitReserved && !slices.Contains(c.InstanceTypes, n.Type) {
					c.InstanceTypes = append(c.InstanceTypes, n.Type)
				}
				if f := instanceFamily(n.Type); c.Kind != tally.CommitReserved && !slices.Contains(c.Families, f) {
					c.Families = append(c.Families, f)
				}
			}
		}
		// What the part the plan frees would cover instead: the uncovered
		// usage of its scope outside the group.
		l := first[i]
		scope := postgres.UsageScope{Account: l.BillingAccountID, Provider: l.Provider}
		var words []string
		switch {
		case len(c.InstanceTypes) == 1:
			scope.InstanceType = c.InstanceTypes[0]
			words = append(words, scope.InstanceType)
		case len(c.Families) == 1:
			scope.Family = c.Families[0]
			words = append(words, scope.Family)
		default:
			words = append(words, "any instance type")
		}
		if c.Kind == tally.CommitComputeSP || c.Kind == tally.CommitCUDFlexible || l.Region == "" {
			words = append(words, "in every region")
		} else {
			scope.Region = l.Region
			words = append(words, "in "+l.Region)
		}
		c.Scope = strings.Join(words, " ")
		pool := strings.Join([]string{scope.Account, scope.Provider, scope.Region, scope.Family, scope.InstanceType}, "/")
		elsewhere, err := p.db.UncoveredUsage(ctx, scope, ids, usage)
		if err != nil {
			return nil, nil, err
		}
		if cur := elsewhere.Currency(); cur != "" && len(c.Nodes) > 0 && cur != c.Nodes[0].Covered.Currency() {
			// A bill in another currency than the catalog: not compared.
			elsewhere = tally.Money{}
		}
		if given := p.given[pool]; !elsewhere.IsZero() && !given.IsZero() {
			if elsewhere, err = elsewhere.Sub(given); err != nil {
				return nil, nil, err
			}
			if elsewhere.Sign() < 0 {
				elsewhere = tally.Zero(elsewhere.Currency())
			}
		}
		c.Elsewhere, c.Pool, pools[c.ID] = elsewhere, pool, pool
	}
	return out, pools, nil
}

// sizeFlexibleInBill returns, by id, the family of each AWS Reserved
// Instance of cs known only from the bill (not in the inventory, or in it
// from the bill) that the bill shows covering more than one size of one
// family in the history (and the week before it, as the bill comes late):
// AWS applies only a size-flexible one so (a regional Linux/UNIX one, see
// sizeFlexible). One the bill shows covering one type is taken to cover
// that type only.
func (p *committedPlanner) sizeFlexibleInBill(ctx context.Context, cs []rightsizing.NodeCommitment) (map[string]string, error) {
	var ids []string
	for _, c := range cs {
		if inv := p.inventoryOf(c.ID); c.Kind == tally.CommitReserved && (inv == nil || inv.Source == commitments.SourceBilling) {
			ids = append(ids, c.ID)
		}
	}
	w := tally.Window{Start: p.o.Window.Start.Add(-7 * 24 * time.Hour), End: p.o.Window.End}
	types, err := p.db.CoveredInstanceTypes(ctx, ids, w)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for id, ts := range types {
		if len(ts) < 2 {
			continue
		}
		f := instanceFamily(ts[0])
		if !slices.ContainsFunc(ts, func(t string) bool { return instanceFamily(t) != f }) {
			out[id] = f
		}
	}
	return out, nil
}

// inventoryOf returns the commitment of the inventory that bill lines
// name id, or nil. The GCP export names a CUD
// "CommittedUsageDiscount:projects/…", the inventory "projects/…".
func (p *committedPlanner) inventoryOf(id string) *tally.Commitment {
	for i := range p.inventory {
		if c := &p.inventory[i]; c.ID == id || strings.HasSuffix(id, ":"+c.ID) {
			return c
		}
	}
	return nil
}

// nodeCommitment describes the commitment of bill line l from the
// inventory: its kind, end and scope; from the line when the inventory
// does not have it (known false; its end zero).
func (p *committedPlanner) nodeCommitment(l postgres.NodeBillLine) (c rightsizing.NodeCommitment, known bool) {
	c = rightsizing.NodeCommitment{ID: l.CommitmentID}
	inv := p.inventoryOf(l.CommitmentID)
	if inv != nil {
		c.ID, c.Kind, c.End, c.EndEstimated = inv.ID, inv.Kind, inv.End, endEstimated(*inv)
		if t := inv.Scope["instanceType"]; t != "" {
			c.InstanceTypes = []string{t}
			if sizeFlexible(inv) {
				c.InstanceTypes, c.Families = nil, []string{instanceFamily(t)}
			}
		} else if f := inv.Scope["family"]; f != "" {
			c.Families = []string{f}
		}
	} else {
		t := strings.ToLower(l.CommitmentType)
		switch {
		case strings.Contains(t, "reserv"):
			c.Kind = tally.CommitReserved
		case strings.Contains(t, "savings plan"):
			c.Kind = tally.CommitComputeSP
		case strings.EqualFold(l.CommitmentCategory, "Spend"):
			c.Kind = tally.CommitCUDFlexible
		case l.Provider == tally.ProviderGCP:
			c.Kind = tally.CommitCUDResource
		}
	}
	return c, inv != nil
}

// billedSpan returns the start of the first hour to the end of the last
// hour lines (a node's over the history) charge; zero when they do not
// say (a bill of its last day).
func billedSpan(lines []postgres.NodeBillLine) tally.Window {
	var w tally.Window
	for _, l := range lines {
		if l.Charged.Duration() <= 0 {
			return tally.Window{}
		}
		if w.Start.IsZero() || l.Charged.Start.Before(w.Start) {
			w.Start = l.Charged.Start
		}
		if l.Charged.End.After(w.End) {
			w.End = l.Charged.End
		}
	}
	return w
}

// sizeFlexible says whether Reserved Instance inv applies to any size of
// its family in its region (commitments.Offer.SizeFlexible): in normalized
// units, which are in proportion to the family's Linux on-demand prices, so
// covering the family's on-demand cost is the same. One whose platform the
// inventory does not name covers its instance type only: a plan is not
// priced on a flexibility the commitment may not have.
func sizeFlexible(inv *tally.Commitment) bool {
	return strings.HasPrefix(inv.Scope["platform"], commitments.LinuxUNIX) && commitments.OfferOf(*inv).SizeFlexible()
}

// moneyRatio returns m × num ÷ den, num and den non-negative amounts of one
// currency (den not zero).
func moneyRatio(m, num, den tally.Money) (tally.Money, error) {
	n, ok1 := num.Units()
	d, ok2 := den.Units()
	if !ok1 || !ok2 || n < 0 || d <= 0 {
		return tally.Money{}, fmt.Errorf("%s × %s ÷ %s: out of range", m, num, den)
	}
	return m.MulRatio(uint64(n), uint64(d))
}

// notesWidth is the width the committed notes are wrapped to.
const notesWidth = 120

// writeCommittedNotes says, under the node plans' table, how the
// commitments covering groups' nodes price their plans: per group a point
// per commitment (what it covers; what the plan does with it), one for the
// savings and one for the alternative, wrapped to notesWidth columns.
func writeCommittedNotes(w io.Writer, plans []rightsizing.NodePlan) {
	n := 0
	for _, p := range plans {
		if p.Committed != nil {
			n++
		}
	}
	if n == 0 {
		return
	}
	groups := "node groups run"
	if n == 1 {
		groups = "node group runs"
	}
	fmt.Fprintln(w)
	writeWrapped(w, "", "", fmt.Sprintf("%d %s nodes that commitments cover (committed): their fees are paid until the commitments end whatever runs, "+
		"so removing covered nodes saves only what the commitments do not cover, and the on-demand usage elsewhere in their scope that the freed part covers instead:", n, groups))
	for _, p := range plans {
		if p.Committed == nil {
			continue
		}
		fmt.Fprintf(w, "  %s/%s:\n", p.Cluster, p.Group)
		points := p.Committed.Points
		if len(points) == 0 { // read back from JSON: the summary only
			points = [][]string{{p.Committed.Summary}}
		}
		for _, pt := range points {
			for i, sentence := range pt {
				if i < len(pt)-1 {
					sentence += ";"
				}
				first := "      "
				if i == 0 {
					first = "    - "
				}
				writeWrapped(w, first, "      ", sentence)
			}
		}
	}
}

// writeWrapped writes text's words wrapped to notesWidth columns, the first
// line after first, the others after indent; a word longer than a line
// (a commitment's id) has a line of its own.
func writeWrapped(w io.Writer, first, indent, text string) {
	line, empty := first, true
	for _, word := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > notesWidth {
			fmt.Fprintln(w, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line, empty = line+word, false
	}
	fmt.Fprintln(w, line)
}
