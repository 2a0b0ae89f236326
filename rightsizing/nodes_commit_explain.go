package rightsizing

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// batchHistory is, for a plan priced over history (PlanBatchCommittedNodes),
// the hours each commitment's nodes ran in it (by commitment) and how long
// it is in words.
type batchHistory struct {
	hours map[string]float64
	days  string
	end   time.Time // the history's end: a commitment may have ended before
}

// summary says in words what the commitments change, in points: per
// commitment what it covers (of the group's nodes current nodes, or with
// hist of those that ran in the history) and what the plan does with it,
// then the savings, then the alternative. Its sentences joined by "; "
// are the Summary.
func (pc *pricedCommitments) summary(p *NodePlan, s *CommittedSavings, nodes int, hist *batchHistory) [][]string {
	var points [][]string
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
		if hist != nil {
			// The nodes came and went: those it covered in the history.
			ran := fmt.Sprintf("for the %s node-hours they ran", strconv.FormatFloat(math.Round(hist.hours[c.ID]*10)/10, 'f', -1, 64))
			if u.Nodes == 1 {
				ran = fmt.Sprintf("for the %s hours it ran", strconv.FormatFloat(math.Round(hist.hours[c.ID]*10)/10, 'f', -1, 64))
			}
			ran += " in the " + hist.days + " of history"
			what = fmt.Sprintf("%d of the group's nodes %s covered by %s %s %s %s", u.Nodes, are, kindText(u.Kind), u.ID, untilText(&u), ran)
			if !whole {
				what = fmt.Sprintf("part of the usage of %d of the group's nodes is covered by %s %s %s %s", u.Nodes, kindText(u.Kind), u.ID, untilText(&u), ran)
			}
			what += fmt.Sprintf(", its fee for them %s a month paid whatever runs", moneyWords(u.MonthlyFee))
		} else {
			what += " " + untilText(&u) + fmt.Sprintf(", its fee for them %s a month paid whatever runs", moneyWords(u.MonthlyFee))
		}
		var use string
		scope := ""
		if u.Scope != "" {
			scope = " (" + u.Scope + ")"
		}
		switch {
		case u.MonthlyUnused.Sign() <= 0:
			use = "the plan keeps it in use"
		case u.MonthlyElsewhere.Sign() > 0:
			use = fmt.Sprintf("%s, which covers other eligible usage of its scope%s: "+
				"the bill shows on-demand usage of it outside the group, %s a month of which (at on-demand prices) the freed part would cover instead",
				freedText(&u), scope, moneyWords(u.MonthlyElsewhere))
			if u.MonthlyWasted.Sign() > 0 {
				use += fmt.Sprintf(", the rest (%s a month of the fee) would go unused", moneyWords(u.MonthlyWasted))
			}
		default:
			use = fmt.Sprintf("%s, which would go unused: "+
				"the bill shows no on-demand usage of its scope%s outside the group that no commitment covers",
				freedText(&u), scope)
		}
		points = append(points, []string{what, use})
	}
	while := "while the commitments run"
	if hist != nil && len(s.After) > 0 && !s.After[0].From.After(hist.end) {
		while = "over the history, with the commitments as they ran"
	}
	saves := fmt.Sprintf("with the fees paid either way, the plan saves %s a month %s", moneyWords(p.MonthlySavings), while)
	if p.PlannedMonthly.Sign() < 0 {
		saves += " (the planned amount is below zero: it is the group's planned cost less the on-demand cost of the usage elsewhere that the freed commitment covers instead)"
	}
	for _, a := range s.After {
		if hist != nil && !a.From.After(hist.end) {
			// Ended in the history: this is the saving from now on.
			saves += fmt.Sprintf(", %s a month since %s, when %s ended (in the history: the saving from now on)",
				moneyWords(a.MonthlySavings), a.From.UTC().Format(time.DateOnly), strings.Join(a.Ended, " and "))
			continue
		}
		saves += fmt.Sprintf(", %s a month %s", moneyWords(a.MonthlySavings), a.fromText("after"))
	}
	points = append(points, []string{saves})
	if alt := s.Alternative; alt != nil {
		var ns []string
		for _, n := range alt.Planned {
			ns = append(ns, fmt.Sprintf("%d × %s (%s)", n.Count, n.Type, n.Purchase))
		}
		what := orNone(strings.Join(ns, " + "))
		if hist != nil {
			what = "the nodes an autoscaler adds for the pods running at each moment at catalog prices (" + what + " at their peak)"
		}
		points = append(points, []string{fmt.Sprintf("%s would save %s a month once they have all ended (%s while they run)",
			what, moneyWords(alt.MonthlySavingsAfter), moneyWords(alt.MonthlySavings))})
	}
	return points
}

// laterText is CommittedSavings.Later of plan p: "" when p saves now,
// keeps its nodes, saves nothing after the commitments end either, or
// was kept above the packing of its pods (its Kept says why it saves
// nothing).
func laterText(p *NodePlan, s *CommittedSavings) string {
	if p.MonthlySavings.Sign() > 0 || p.Kept != nil || sameNodes(p.Planned, p.Current) {
		return ""
	}
	i := slices.IndexFunc(s.After, func(a SavingAfter) bool { return a.MonthlySavings.Sign() > 0 })
	if i < 0 {
		return ""
	}
	var fees []string
	for _, u := range s.Commitments {
		if u.MonthlyUnused.Sign() > 0 {
			fees = append(fees, fmt.Sprintf("the fee of %s %s is paid until it ends whatever runs, and the planned nodes free %s a month of it",
				kindText(u.Kind), u.ID, moneyWords(u.MonthlyUnused)))
		}
	}
	if len(fees) == 0 {
		fees = append(fees, "the commitments' fees are paid until they end whatever runs")
	}
	return fmt.Sprintf("the change saves nothing %s: %s; it saves %s a month after", s.After[i].fromText("until"),
		strings.Join(fees, ", and "), moneyWords(s.After[i].MonthlySavings))
}

// fromText says when the saving a starts, after the word for a known day
// (after, until): "after 2027-10-06", or, when a commitment's end is an
// estimate, "from 2027-10-06 at the latest (est.)" ("until 2027-10-06 at
// the latest (est.)").
func (a SavingAfter) fromText(word string) string {
	day := a.From.UTC().Format(time.DateOnly)
	switch {
	case !a.Estimated:
		return word + " " + day
	case word == "after":
		return "from " + day + " at the latest (est.)"
	}
	return word + " " + day + " at the latest (est.)"
}

// keptByCommitments says which commitments cover the planned nodes, a
// reason the plan kept them: "3 of the planned nodes are covered by
// Reserved Instance … until 2027-08-25: its fee is paid until then whatever
// runs, so no mix of fewer or cheaper nodes costs less while it runs"; ""
// when none does.
func keptByCommitments(uses []CommitmentUse) string {
	var covered []string
	for _, u := range uses {
		if u.PlannedNodes <= 0 {
			continue
		}
		what := worthText(u.PlannedNodes)
		if len(covered) == 0 {
			what = plannedCoveredText(u.PlannedNodes)
		}
		covered = append(covered, fmt.Sprintf("%s by %s %s %s", what, kindText(u.Kind), u.ID, untilText(&u)))
	}
	switch len(covered) {
	case 0:
		return ""
	case 1:
		return covered[0] + ": its fee is paid until then whatever runs, so no mix of fewer or cheaper nodes costs less while it runs"
	}
	return strings.Join(covered, ", and ") + ": their fees are paid until then whatever runs, so no mix of fewer or cheaper nodes costs less while they run"
}

// plannedCoveredText is how much of the planned nodes a commitment covers,
// n nodes' worth: "3 of the planned nodes are covered", "1 of the planned
// nodes is covered", "2.5 nodes' worth of the planned nodes' usage is
// covered".
func plannedCoveredText(n float64) string {
	switch {
	case n == 1:
		return "1 of the planned nodes is covered"
	case n == math.Trunc(n):
		return fmt.Sprintf("%d of the planned nodes are covered", int(n))
	}
	return worthText(n) + " of the planned nodes' usage is covered"
}

// joinPoints is the sentences of points joined by "; ".
func joinPoints(points [][]string) string {
	var all []string
	for _, p := range points {
		all = append(all, p...)
	}
	return strings.Join(all, "; ")
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

// untilText says until when u covers nodes: "until 2027-08-25", or
// "until its end, by 2027-08-25 (est.)" when its bill does not date its
// term, or "until its end (not in the commitment inventory)".
func untilText(u *CommitmentUse) string {
	switch {
	case u.End.IsZero():
		return "until its end (not in the commitment inventory)"
	case u.EndEstimated:
		return "until its end, by " + u.End.UTC().Format(time.DateOnly) + " (est.)"
	}
	return "until " + u.End.UTC().Format(time.DateOnly)
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

// freedText says what the planned nodes use of a commitment and what they
// free of its fee: "the planned nodes use 1.5 nodes' worth of it and free
// $133.99 a month of the fee", or, using none, "the planned nodes use none
// of it and free its whole fee, $131.40 a month".
func freedText(u *CommitmentUse) string {
	if u.MonthlyUnused.Equal(u.MonthlyFee) {
		return fmt.Sprintf("the planned nodes use none of it and free its whole fee, %s a month", moneyWords(u.MonthlyUnused))
	}
	return fmt.Sprintf("the planned nodes use %s of it and free %s a month of the fee", worthText(u.PlannedNodes), moneyWords(u.MonthlyUnused))
}

// moneyWords writes m as the dashboard does, to the cent: "$140.16".
func moneyWords(m tally.Money) string { return m.Label(2) }
