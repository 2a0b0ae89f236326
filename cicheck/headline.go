package cicheck

import (
	"fmt"
	"strings"

	"github.com/tallyhq/tally"
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
			fmt.Fprintf(&b, ": %s/yr", formatSignedMoney(r.TotalAnnual.Amount, 2))
			if r.TotalAnnual.Bounded {
				fmt.Fprintf(&b, " (%s %s)", ci, moneyRange(r.TotalAnnual.Lo, r.TotalAnnual.Hi))
			}
		} else {
			fmt.Fprintf(&b, ": %s CPU per unit of work", formatPct(t.Rel))
		}
		fmt.Fprintf(&b, ", p=%s.", formatP(t.P))
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
			fmt.Fprintf(&b, "This change %s %s/yr", verb, formatMoney(a.Amount, 2))
			if a.Bounded {
				fmt.Fprintf(&b, " (%s %s)", ci, moneyRange(a.Lo, a.Hi))
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
		}
		b.WriteString(".")
	}
	headline = b.String()

	switch r.Verdict {
	case Fail:
		reason = fmt.Sprintf("CPU per unit of work grew %s (p=%s), significantly more than the gate allows (p=%s against the gate, which %s).", formatPct(t.Rel), formatP(t.P), formatP(r.GateP), r.Gate)
	case Warn:
		if t.Significant {
			reason = fmt.Sprintf("CPU per unit of work grew %s (p=%s), but not significantly more than the gate allows (p=%s against the gate, which %s).", formatPct(t.Rel), formatP(t.P), formatP(r.GateP), r.Gate)
		} else {
			reason = fmt.Sprintf("CPU per unit of work looks %s but the change is not significant (p=%s ≥ %v); more runs per side would tell. The gate %s.", formatPct(t.Rel), formatP(t.P), r.Alpha, r.Gate)
		}
	default:
		if t.Significant && t.Delta < 0 {
			reason = fmt.Sprintf("CPU per unit of work fell %s (p=%s).", formatPct(t.Rel), formatP(t.P))
		} else {
			reason = fmt.Sprintf("No significant growth (p=%s, α=%v); the gate %s.", formatP(t.P), r.Alpha, r.Gate)
		}
	}
	return headline, reason
}

// moneyRange writes an interval: "$800–$1,700", or "-$120 to $800" when a
// bound is negative.
func moneyRange(lo, hi tally.Money) string {
	if lo.Sign() < 0 || hi.Sign() < 0 {
		return formatMoney(lo, 2) + " to " + formatMoney(hi, 2)
	}
	return formatMoney(lo, 2) + "–" + formatMoney(hi, 2)
}
