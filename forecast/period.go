package forecast

import (
	"fmt"
	"slices"
	"time"

	"github.com/tallyhq/tally"
)

// periodMonths is how many of the most recent complete months the charges
// billed for a month at once are taken from: their median, so one month
// that had a one-off fee does not set it.
const periodMonths = 3

// PeriodCharges is how a spend forecast treats the charges billed for more
// than a day at once (a month's support fee, its tax, a reservation's
// monthly fee). They are left out of the daily series the models fit,
// where they would be a spike on the day their charge period starts, and
// forecast apart: PerMonth a month, spread over each month's days, as the
// allocations spread them. It is stored in the forecast's parameters as
// "periodCharges".
//
// A month counts once its period charges are billed: the bill (any series
// of the forecast's kind, every account or every service) has a period
// line in it. A month without one, its invoice still to come, is skipped,
// not taken as a month without fees. A series without period charges in
// the latest complete month that counts has none forecast: its fees
// stopped.
type PeriodCharges struct {
	// PerMonth is the median of the months in FromMonths (YYYY-MM), the
	// most recent complete months of the history that count (at most
	// three).
	PerMonth   float64  `json:"perMonth"`
	FromMonths []string `json:"fromMonths"`
	// Month (YYYY-MM) is the month of the history's last day. Billed is
	// what of its period charges the history holds; Pending is the part of
	// PerMonth that falls on its days before the forecast and is not
	// billed yet (a month's support fee and tax arrive with its invoice):
	// a month's total is its days' spend to date, the forecast of its
	// remaining days, and Pending. A history that ends with its month
	// leaves Pending what of the month's charges the invoice has still to
	// bring.
	Month   string  `json:"month"`
	Billed  float64 `json:"billed"`
	Pending float64 `json:"pending"`
}

// billedMonths returns the months (their first days) in which costs has
// a period line: those whose period charges are billed.
func billedMonths(costs []tally.DailyCost) map[time.Time]bool {
	billed := map[time.Time]bool{}
	for _, c := range costs {
		if c.Period {
			billed[tally.MonthStart(c.Day)] = true
		}
	}
	return billed
}

// periodCharges works out the period charges of a history that starts on
// first and ends before end, from its charges by month (their charge
// period's start) and the months whose period charges the bill holds
// (billedMonths). ok is false when there are none: the history has no
// period charge, no complete month that counts, or none in the latest
// that does.
func periodCharges(byMonth map[time.Time]float64, billed map[time.Time]bool, first, end time.Time) (pc PeriodCharges, ok bool) {
	if len(byMonth) == 0 {
		return pc, false
	}
	var months []time.Time
	for m := tally.MonthStart(end).AddDate(0, -1, 0); !m.Before(first) && len(months) < periodMonths; m = m.AddDate(0, -1, 0) {
		if billed[m] {
			months = append(months, m)
		}
	}
	if len(months) == 0 {
		return pc, false
	}
	if _, ok := byMonth[months[0]]; !ok {
		return pc, false // stopped
	}
	amounts := make([]float64, len(months))
	for i, m := range months {
		amounts[i] = byMonth[m]
		pc.FromMonths = append(pc.FromMonths, m.Format("2006-01"))
	}
	slices.Reverse(pc.FromMonths)
	pc.PerMonth = medianOf(amounts)
	cur := tally.MonthStart(end.Add(-24 * time.Hour)) // the month of the history's last day
	pc.Month, pc.Billed = cur.Format("2006-01"), byMonth[cur]
	elapsed := float64(end.Sub(cur)) / float64(monthLength(cur))
	pc.Pending = max(0, pc.PerMonth*elapsed-pc.Billed)
	return pc, true
}

// addTo adds the period charges to the points of f: each day gets PerMonth
// over its month's days, its intervals shifted with its mean.
func (pc PeriodCharges) addTo(f *tally.Forecast) {
	for i := range f.Points {
		p := &f.Points[i]
		v := pc.perDay(p.T)
		p.Mean, p.Lo80, p.Hi80, p.Lo95, p.Hi95 = p.Mean+v, p.Lo80+v, p.Hi80+v, p.Lo95+v, p.Hi95+v
	}
}

// perDay is the part of PerMonth the day t gets: PerMonth over its
// month's days.
func (pc PeriodCharges) perDay(t time.Time) float64 {
	return pc.PerMonth * float64(24*time.Hour) / float64(monthLength(tally.MonthStart(t)))
}

// note says how the period charges, billed in cur, were forecast.
func (pc PeriodCharges) note(cur tally.Currency) string {
	s := fmt.Sprintf("charges billed for a month at once (support, tax, reservation fees) are forecast apart, "+
		"%s a month spread over its days (the median of %s to %s); the models and their accuracy are of the daily charges",
		label(pc.PerMonth, cur), pc.FromMonths[0], pc.FromMonths[len(pc.FromMonths)-1])
	if pc.Pending > 0 {
		s += fmt.Sprintf("; %s of %s's, for its days before the forecast, is not billed yet", label(pc.Pending, cur), pc.Month)
	}
	return s
}

// label writes an amount of cur for people, to the cent with its currency
// as the dashboard writes it ("$979.14").
func label(v float64, cur tally.Currency) string {
	m, err := tally.FromFloat(v, cur)
	if err != nil {
		return fmt.Sprintf("%.2f %s", v, cur)
	}
	return m.Label(2)
}

// monthLength is the length of the month starting at m.
func monthLength(m time.Time) time.Duration { return m.AddDate(0, 1, 0).Sub(m) }
