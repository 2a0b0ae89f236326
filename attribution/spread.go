package attribution

import (
	"fmt"
	"time"

	"github.com/tallyhq/tally"
)

// linePart is the share of a cost line that falls into one hour.
type linePart struct {
	line      *tally.CostLine
	hour      tally.Hour
	effective tally.Money
	billed    tally.Money
	list      tally.Money
}

// spreadLine cuts a line into its hours in w, in proportion to the seconds
// of its charge period in each hour. The parts of the whole period sum to the
// line exactly, so a monthly fee lands on every hour of its month, and each
// hour gets the same share whatever window it is computed in. A line with an
// empty period lands whole on the hour it starts.
func spreadLine(l *tally.CostLine, w tally.Window) ([]linePart, error) {
	period := tally.Window{Start: l.ChargePeriodStart, End: l.ChargePeriodEnd}
	if !period.End.After(period.Start) {
		h := tally.HourOf(period.Start)
		if !w.Contains(h.Start()) {
			return nil, nil
		}
		return []linePart{{line: l, hour: h, effective: l.EffectiveCost, billed: l.BilledCost, list: l.ListCost}}, nil
	}
	hours := period.Hours()
	if len(hours) == 1 {
		if !w.Contains(hours[0].Start()) {
			return nil, nil
		}
		return []linePart{{line: l, hour: hours[0], effective: l.EffectiveCost, billed: l.BilledCost, list: l.ListCost}}, nil
	}
	weights := make([]uint64, len(hours))
	for i, h := range hours {
		weights[i] = uint64(h.Window().Overlap(period) / time.Millisecond)
	}
	var split [3][]tally.Money
	for i, m := range []tally.Money{l.EffectiveCost, l.BilledCost, l.ListCost} {
		parts, err := m.Split(weights)
		if err != nil {
			return nil, fmt.Errorf("spread line %s %s over its charge period: %w", l.ResourceID, l.ChargeDescription, err)
		}
		split[i] = parts
	}
	var out []linePart
	for i, h := range hours {
		if w.Contains(h.Start()) {
			out = append(out, linePart{line: l, hour: h, effective: split[0][i], billed: split[1][i], list: split[2][i]})
		}
	}
	return out, nil
}
