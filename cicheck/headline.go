package cicheck

import (
	"fmt"
	"strings"
)

// profileHeadline writes the one-sentence outcome of a profile diff and the
// reason for its verdict.
func profileHeadline(r *Report) (headline, reason string) {
	t := r.Total
	ci := pctLabel(r.CI) + " CI"
	var b strings.Builder
	switch {
	case !t.Significant:
		b.WriteString("No significant cost change")
		if r.TotalAnnual != nil {
			fmt.Fprintf(&b, ": %s/yr", formatSignedMoney(r.TotalAnnual.Amount, r.TotalAnnual.places()))
			if r.TotalAnnual.Bounded {
				fmt.Fprintf(&b, " (%s %s)", ci, r.TotalAnnual.rangeText())
			}
		} else {
			fmt.Fprintf(&b, ": %s CPU per unit of work", formatPct(t.Rel))
		}
		fmt.Fprintf(&b, ", %s.", pText(t.P))
	default:
		verb := "adds"
		if t.Delta < 0 {
			verb = "saves"
		}
		if r.TotalAnnual != nil {
			a := *r.TotalAnnual
			if t.Delta < 0 {
				a = Annual{Amount: a.Amount.Neg(), Lo: a.Hi.Neg(), Hi: a.Lo.Neg(), Bounded: a.Bounded}
			}
			fmt.Fprintf(&b, "This change %s %s/yr", verb, formatMoney(a.Amount, a.places()))
			if a.Bounded {
				fmt.Fprintf(&b, " (%s %s)", ci, a.rangeText())
			}
		} else {
			fmt.Fprintf(&b, "This change %s %s CPU per unit of work (%s %s … %s)", verb, strings.TrimPrefix(strings.TrimPrefix(formatPct(t.Rel), "+"), "-"), ci, formatPct(t.RelLo), formatPct(t.RelHi))
		}
		if r.Culprit != "" {
			share := 0.0
			for _, f := range r.Functions {
				if f.Name == r.Culprit {
					share = f.Share
				}
			}
			if share >= 0.5 {
				fmt.Fprintf(&b, ", mostly in %s", r.Culprit)
			} else {
				fmt.Fprintf(&b, ", the largest part in %s", r.Culprit)
			}
			if r.Via != "" {
				fmt.Fprintf(&b, ", under %s", r.Via)
			}
		}
		b.WriteString(".")
	}
	headline = b.String()

	switch r.Verdict {
	case Fail:
		reason = fmt.Sprintf("CPU per unit of work grew %s (%s), significantly more than the gate allows (%s against the gate, which %s).", formatPct(t.Rel), pText(t.P), pText(r.GateP), r.Gate)
	case Warn:
		switch {
		case r.GateP < r.Alpha:
			reason = fmt.Sprintf("CPU per unit of work grew %s (%s) and the U test finds it over the gate (%s against the gate, which %s), %s.", formatPct(t.Rel), pText(t.P), pText(r.GateP), r.Gate, notSure(*t, r.CI))
		case t.Significant:
			reason = fmt.Sprintf("CPU per unit of work grew %s (%s), but not significantly more than the gate allows (%s against the gate, which %s).", formatPct(t.Rel), pText(t.P), pText(r.GateP), r.Gate)
		default:
			reason = fmt.Sprintf("CPU per unit of work looks %s but the change is not significant (%s ≥ %v); more runs per side would tell. The gate %s.", formatPct(t.Rel), pText(t.P), r.Alpha, r.Gate)
		}
	default:
		if t.Significant && t.Delta < 0 {
			reason = fmt.Sprintf("CPU per unit of work fell %s (%s).", formatPct(t.Rel), pText(t.P))
		} else {
			reason = fmt.Sprintf("No significant growth (%s, α=%v); the gate %s.", pText(t.P), r.Alpha, r.Gate)
		}
	}
	return headline, reason
}

// notSure says why a change the U test finds over the gate only warns: its
// confidence interval, at confidence ci, reaches down to the gate or below.
func notSure(c Change, ci float64) string {
	return fmt.Sprintf("but its %s confidence interval (%s) is not wholly above the gate: more runs per side would tell", pctLabel(ci), pctRange(c.RelLo, c.RelHi))
}

// places is how many decimals to show a's amounts with, the same for all.
func (a Annual) places() int {
	if a.Bounded {
		return autoPlaces(a.Amount, a.Lo, a.Hi)
	}
	return autoPlaces(a.Amount)
}

// rangeText writes a's interval: "$800–$1,700", or "-$120 to $800" when a
// bound is negative.
func (a Annual) rangeText() string {
	if !a.Bounded {
		return "unbounded"
	}
	p := a.places()
	if a.Lo.Sign() < 0 || a.Hi.Sign() < 0 {
		return formatMoney(a.Lo, p) + " to " + formatMoney(a.Hi, p)
	}
	return formatMoney(a.Lo, p) + "–" + formatMoney(a.Hi, p)
}
