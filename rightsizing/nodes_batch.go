package rightsizing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// BatchPod is a pod of a Job or CronJob and when it ran: [From, To), To
// zero while it runs.
type BatchPod struct {
	PodRequest
	From, To time.Time
}

// NodeHours are the node-hours the group's nodes of one type and purchase
// option ran in a span of history, and their hourly price.
type NodeHours struct {
	Type     string      `json:"type"`
	Purchase string      `json:"purchase"`
	Hours    float64     `json:"hours"`
	Hourly   tally.Money `json:"hourlyEach"`
}

// Averaged says how a plan of a group whose nodes come and go with its
// batch pods was priced: over Over, what the group's nodes cost on average
// (their node-hours) against what the planned nodes would, added while
// batch pods run and removed after.
type Averaged struct {
	Over tally.Window `json:"over"`
	// CurrentNodes and PlannedNodes are the average numbers of nodes
	// running, now and as planned.
	CurrentNodes float64 `json:"currentNodes"`
	PlannedNodes float64 `json:"plannedNodes"`
	// BatchHours is how long batch pods ran in Over (at least one).
	BatchHours float64 `json:"batchHours"`
}

// PlanBatchNodes plans a group whose pods include those of Jobs and
// CronJobs, which come and go: an autoscaler adds nodes while they run and
// removes them after, so the group's node count at one moment says little
// of its cost. The plan shown holds the steady pods and the batch pods that
// ran together at their peak (BatchPeak), as PlanNodes packs them. Its
// amounts are averages over the span over: the current one what the
// group's nodes cost in over (used: their node-hours), the planned one what
// the cheapest packing of the pods running at each moment (the steady
// pods, and the batch pods running then) would have cost, as an autoscaler
// that removes idle nodes (down to none) runs it. When that costs no less
// than now and the nodes running at the end hold the peak, the group is
// already right-sized (no saving).
func PlanBatchNodes(g NodeGroup, steady []PodRequest, batch []BatchPod, used []NodeHours, over tally.Window, catalog []InstanceType) (NodePlan, error) {
	return planBatchNodes(g, steady, batch, used, over, catalog, nil)
}

// planBatchNodes is PlanBatchNodes, with the commitments cs covering some
// of the group's nodes (PlanBatchCommittedNodes) when not nil.
func planBatchNodes(g NodeGroup, steady []PodRequest, batch []BatchPod, used []NodeHours, over tally.Window, catalog []InstanceType,
	cs []NodeCommitment) (NodePlan, error) {
	peak, at := BatchPeak(batch)
	pods := append(slices.Clone(steady), peak...)
	if len(cs) > 0 && (len(batch) == 0 || over.Duration() <= 0) {
		return PlanCommittedNodes(g, pods, catalog, cs)
	}
	plan, kept, whyNot, err := planNodes(g, pods, catalog)
	if err != nil || len(batch) == 0 || over.Duration() <= 0 {
		return plan, err
	}
	if plan.Kept != nil && plan.Kept.PackedMonthly != nil {
		// What the pods alone would cost running all month says nothing
		// of a plan priced over the history, where nodes come and go.
		said := plan.Kept.String()
		k := *plan.Kept
		k.PackedMonthly = nil
		plan.Kept = &k
		plan.Explanation = strings.Replace(plan.Explanation, said, k.String(), 1)
	}
	hours := over.Duration().Hours()
	av := &Averaged{Over: over}
	var current tally.Money
	for _, u := range used {
		cost, err := MulQuantity(u.Hourly, u.Hours)
		if err != nil {
			return plan, err
		}
		if current, err = current.Add(cost); err != nil {
			return plan, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
		}
		av.CurrentNodes += u.Hours / hours
	}
	cands, err := g.candidates(catalog)
	if err != nil {
		return plan, err
	}
	atOD := current
	var bc *batchCover
	if len(cs) > 0 {
		if bc, err = newBatchCover(&g, catalog, cs, over); err != nil {
			return plan, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
		}
		// The covered node-hours at the commitments' fees.
		if current, err = bc.current(atOD, allRunning); err != nil {
			return plan, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
		}
	}
	pt, err := plannedOverTime(&g, steady, batch, over, cands, bc, allRunning)
	if err != nil {
		return plan, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
	}
	av.PlannedNodes, av.BatchHours = pt.nodeHours/hours, pt.batchHours
	if plan.CurrentMonthly, err = MulQuantity(current, HoursPerMonth/hours); err != nil {
		return plan, err
	}
	if plan.PlannedMonthly, err = MulQuantity(pt.cost, HoursPerMonth/hours); err != nil {
		return plan, err
	}
	plan.CurrentMonthly, plan.PlannedMonthly = plan.CurrentMonthly.Round(2), plan.PlannedMonthly.Round(2)
	keep := false
	if c, err := plan.PlannedMonthly.Cmp(plan.CurrentMonthly); err != nil {
		return plan, fmt.Errorf("node group %s/%s: current nodes against the catalog: %w", g.Cluster, g.Name, err)
	} else if c >= 0 && kept {
		keep = true
		plan.PlannedMonthly, av.PlannedNodes = plan.CurrentMonthly, av.CurrentNodes
	}
	if plan.MonthlySavings, err = plan.CurrentMonthly.Sub(plan.PlannedMonthly); err != nil {
		return plan, err
	}
	plan.Averaged = av
	if bc != nil {
		if err := bc.label(&plan, at); err != nil {
			return plan, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
		}
	}
	days := hours / 24
	switch {
	case keep:
		// Said again of the current nodes as labeled.
		plan.Explanation = explainPlan(&plan, len(pods), true, whyNot)
		if plan.Kept != nil {
			plan.Explanation += "; " + plan.Kept.String()
		}
		plan.Explanation += fmt.Sprintf("; priced over the %s of history: the group ran %.2f nodes on average", fmtDays(days), av.CurrentNodes)
	case kept:
		// The nodes running at the end hold the peak, but need not run
		// between the batch runs.
		plan.Explanation = fmt.Sprintf("%d pods at their recommended requests fit on the current nodes at their peak, but those need not run all the time",
			len(pods))
	default:
		// Said again of the averaged amounts (it said whether the nodes
		// for the peak running all month cost more than those running now,
		// and why those running now were not kept, which says nothing of
		// the nodes that ran over the history).
		plan.Explanation = explainPlan(&plan, len(pods), false, "")
		switch {
		case plan.MonthlySavings.Sign() < 0 && plan.Kept != nil:
			plan.Explanation += "; this costs more than the nodes the group ran over the history because it " + plan.Kept.String()
		case plan.MonthlySavings.Sign() < 0:
			plan.Explanation += "; this costs more than the nodes the group ran over the history"
		case plan.Kept != nil:
			plan.Explanation += "; " + plan.Kept.String()
		}
	}
	if !keep {
		between := "between runs it keeps only the nodes the other pods need"
		switch {
		case g.MinNodes > 0:
			between = fmt.Sprintf("between runs it keeps the nodes the other pods need, at least the group's minimum of %d", g.MinNodes)
		case len(steady) == 0:
			between = "between runs it keeps no node: the group's minimum size must be 0"
		}
		plan.Explanation += fmt.Sprintf("; priced over the %s of history, as an autoscaler runs it: the group ran %.2f nodes on average, "+
			"the plan %.2f (its nodes for the %d batch pods that ran together at %s are needed only while batch pods run, %.1f of the %.1f hours; %s)",
			fmtDays(days), av.CurrentNodes, av.PlannedNodes, len(peak), at.Format(time.RFC3339), pt.batchHours, hours, between)
	}
	if bc != nil {
		if plan.Committed, err = bc.savings(&plan, &g, steady, batch, peak, atOD, cands, pt, keep); err != nil {
			return plan, fmt.Errorf("node group %s/%s: %w", g.Cluster, g.Name, err)
		}
		plan.Explanation += "; " + plan.Committed.Summary
	}
	return plan, nil
}

func fmtDays(d float64) string { return strconv.FormatFloat(d, 'f', 1, 64) + " days" }

// overTime is what the planned nodes cost over a span of history.
type overTime struct {
	cost                  tally.Money
	nodeHours, batchHours float64
	// use is, by commitment (with commitments), its amounts per hour
	// summed over the hours of the span.
	use map[string]*coverUse
}

// coverUse is what a commitment covered of a batch group's nodes and what
// the planned nodes do with it, per hour summed over hours: the on-demand
// price it covered and its fee for it, the on-demand price of the planned
// nodes it covers, the part of its fee they leave unused, the usage
// elsewhere that part covers instead, and the part left covering nothing.
type coverUse struct {
	covered, fee, used, unused, elsewhere, wasted tally.Money
}

// plannedOverTime returns what the cheapest packing of the pods running
// at each moment of over costs in it, its node-hours, and the hours some
// batch pod ran. The packings keep the group's topology (g.packing). With
// commitments (bc not nil), the packing at each moment is the cheapest
// with what they cover of the group's nodes running then (each packing
// priced as the bill would charge it, see pricedCommitments.evaluate,
// with every commitment running), and its cost is priced with the
// commitments running says.
func plannedOverTime(g *NodeGroup, steady []PodRequest, batch []BatchPod, over tally.Window, cands []candidate, bc *batchCover,
	running func(*NodeCommitment) bool) (overTime, error) {
	var out overTime
	type event struct {
		at    time.Time
		start bool
		i     int // -1: a covered node starts or stops running
	}
	var events []event
	for i, p := range batch {
		from, to := p.From, p.To
		if to.IsZero() || to.After(over.End) {
			to = over.End
		}
		if from.Before(over.Start) {
			from = over.Start
		}
		if !to.After(from) {
			continue
		}
		events = append(events, event{from, true, i}, event{to, false, i})
	}
	if bc != nil {
		out.use = map[string]*coverUse{}
		for _, t := range bc.changes() {
			events = append(events, event{t, false, -1})
		}
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	type packed struct {
		hourly tally.Money
		nodes  int
		pc     *pricedCommitments // with commitments: those covering the nodes running then
		chosen []NodeCount
	}
	cache := map[string]packed{}
	// pack returns the cheapest packing of the steady pods and the running
	// batch pods at t, cached by the running pods' requests and the
	// covered nodes running.
	pack := func(live map[int]bool, t time.Time) (packed, error) {
		pods := slices.Clone(steady)
		var key []string
		for i := range live {
			pods = append(pods, batch[i].PodRequest)
			key = append(key, strconv.FormatFloat(batch[i].CPU, 'g', -1, 64)+"/"+strconv.FormatInt(batch[i].Memory, 10))
		}
		slices.Sort(key)
		k := strings.Join(key, ",")
		var p packed
		cover := ""
		if bc != nil {
			var err error
			if p.pc, cover, err = bc.at(t); err != nil {
				return p, err
			}
		}
		if c, ok := cache[k+"|"+cover]; ok {
			return c, nil
		}
		var bins []*bin
		var unplaced []string
		if len(pods) > 0 || g.MinNodes > 0 {
			var err error
			if bins, unplaced, p.hourly, err = g.packing(pods, cands); err != nil {
				return p, err
			}
		}
		p.nodes = len(bins)
		if p.pc != nil {
			var err error
			if p.chosen, p.nodes, err = bc.cheapest(g, p.pc, pods, bins, len(unplaced)); err != nil {
				return p, err
			}
		}
		cache[k+"|"+cover] = p
		return p, nil
	}
	live := map[int]bool{}
	prev := over.Start
	add := func(until time.Time) error {
		h := until.Sub(prev).Hours()
		if h <= 0 {
			return nil
		}
		p, err := pack(live, prev)
		if err != nil {
			return err
		}
		hourly := p.hourly
		if p.pc != nil {
			ev, err := p.pc.evaluate(p.chosen, running)
			if err != nil {
				return err
			}
			hourly = ev.hourly
			if err := bc.addUse(out.use, p.pc, ev, h, running); err != nil {
				return err
			}
		}
		c, err := MulQuantity(hourly, h)
		if err != nil {
			return err
		}
		if out.cost, err = out.cost.Add(c); err != nil {
			return err
		}
		out.nodeHours += float64(p.nodes) * h
		if len(live) > 0 {
			out.batchHours += h
		}
		prev = until
		return nil
	}
	for _, e := range events {
		if err := add(e.at); err != nil {
			return out, err
		}
		switch {
		case e.i < 0:
		case e.start:
			live[e.i] = true
		default:
			delete(live, e.i)
		}
	}
	if err := add(over.End); err != nil {
		return out, err
	}
	return out, nil
}

// BatchPeak returns the batch pods running together when their requests
// peak: at the start of a pod where the running pods' CPU and memory, each
// as a share of its own peak, sum highest (the earliest such start). Runs
// that never overlap need room for the largest alone; runs that overlap
// (a daily job during an hourly one) need room for both. It returns them
// and the time they ran together.
func BatchPeak(pods []BatchPod) ([]PodRequest, time.Time) {
	type event struct {
		at    time.Time
		start bool
		i     int
	}
	var events []event
	for i, p := range pods {
		events = append(events, event{p.From, true, i})
		if !p.To.IsZero() {
			events = append(events, event{p.To, false, i})
		}
	}
	// In time order, ends before starts at the same time: a pod that ends
	// as another starts does not run with it.
	slices.SortStableFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch {
		case a.start == b.start:
			return 0
		case a.start:
			return 1
		}
		return -1
	})
	type load struct {
		at  time.Time
		cpu float64
		mem float64
	}
	var loads []load
	var cpu, mem, peakCPU, peakMem float64
	for _, e := range events {
		r := pods[e.i].PodRequest
		if !e.start {
			cpu, mem = cpu-r.CPU, mem-float64(r.Memory)
			continue
		}
		cpu, mem = cpu+r.CPU, mem+float64(r.Memory)
		loads = append(loads, load{e.at, cpu, mem})
		peakCPU, peakMem = max(peakCPU, cpu), max(peakMem, mem)
	}
	if len(loads) == 0 {
		return nil, time.Time{}
	}
	best, bestScore := loads[0].at, -1.0
	for _, l := range loads {
		score := 0.0
		if peakCPU > 0 {
			score += l.cpu / peakCPU
		}
		if peakMem > 0 {
			score += l.mem / peakMem
		}
		if score > bestScore+1e-12 {
			best, bestScore = l.at, score
		}
	}
	var out []PodRequest
	for _, p := range pods {
		if !p.From.After(best) && (p.To.IsZero() || p.To.After(best)) {
			out = append(out, p.PodRequest)
		}
	}
	return out, best
}
