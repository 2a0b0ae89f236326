package rightsizing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

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
