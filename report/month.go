package report

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/forecast"
)

// month fills the outlook for the month the report is sent in.
func (b *Builder) month(ctx context.Context, r *Report, aud Audience, daily *series) error {
	end := r.Week.End()
	first := tally.MonthStart(end)
	next := first.AddDate(0, 1, 0)
	m := MonthOutlook{Month: first, Through: end, MonthToDate: tally.Zero(r.Currency), Budget: aud.Budget}
	if !aud.Budget.IsZero() && aud.Budget.Currency() != r.Currency {
		// Not comparable with the bill: left out, and the report says so.
		m.Budget = tally.Money{}
		m.BudgetNote = fmt.Sprintf("of %s is left out: it is in %s and the bill in %s (give the budget in %s)",
			FormatMoney(aud.Budget), aud.Budget.Currency(), r.Currency, r.Currency)
	}
	for _, d := range r.Daily {
		if !d.Day.Before(first) {
			m.MonthToDate, _ = m.MonthToDate.Add(d.Cost)
		}
	}
	defer func() { r.Month = m }()
	accounts, err := b.Store.BillingAccounts(ctx)
	if err != nil {
		return err
	}
	var mean, lo, hi float64
	var points []tally.ForecastPoint
	var models, missing, excluded []string
	var forecasts []tally.Forecast
	short := false
	// from is where the forecasts take over: the week's end, or the first
	// day all of them cover when they were made later (a report built days
	// after its week). The days between were billed by then; they count at
	// what they cost, not at nothing.
	from := end
	for _, a := range accounts {
		f, err := b.Store.LatestForecast(ctx, ForecastScope(a.ID))
		if tally.ErrorCode(err) == tally.ENotFound {
			missing = append(missing, a.ID)
			continue
		}
		if err != nil {
			return err
		}
		if c := forecastCurrency(f); c != "" && c != r.Currency {
			excluded = append(excluded, fmt.Sprintf("%s (%s)", a.ID, c))
			continue
		}
		forecasts = append(forecasts, f)
		for _, p := range f.Points {
			if t := p.T.UTC(); !t.Before(end) && t.Before(next) {
				if d := t.Truncate(day); d.After(from) {
					from = d
				}
				break
			}
		}
	}
	// The month's charges billed at once (support, tax) that fall on its
	// days before the forecasts and are not billed yet: with the invoice,
	// the month to date will hold them.
	var pending float64
	for _, f := range forecasts {
		models = append(models, f.Model)
		pending += forecastPending(f, first)
		step := day
		if f.Granularity == "hour" {
			step = time.Hour
		}
		var last time.Time
		for _, p := range f.Points {
			t := p.T.UTC()
			if t.Before(from) || !t.Before(next) {
				continue
			}
			mean, lo, hi = mean+p.Mean, lo+p.Lo80, hi+p.Hi80
			last = t
			d := t.Truncate(day)
			if len(points) > 0 && points[len(points)-1].T.Equal(d) {
				q := &points[len(points)-1]
				q.Mean, q.Lo80, q.Hi80, q.Lo95, q.Hi95 = q.Mean+p.Mean, q.Lo80+p.Lo80, q.Hi80+p.Hi80, q.Lo95+p.Lo95, q.Hi95+p.Hi95
			} else {
				p.T = d
				points = append(points, p)
			}
		}
		if last.IsZero() || last.Add(step).Before(next) {
			short = true
		}
	}
	sort.Slice(points, func(i, j int) bool { return points[i].T.Before(points[j].T) })
	points = mergeDays(points)
	switch {
	case len(accounts) == 0 || len(missing) == len(accounts):
		m.Unavailable = "not available yet: no spend forecast is stored (tally forecast writes one per billing account)"
		return nil
	case len(missing) > 0:
		m.Unavailable = fmt.Sprintf("not available yet for account(s) %s", strings.Join(missing, ", "))
		return nil
	case len(excluded) == len(accounts):
		m.Unavailable = fmt.Sprintf("not available in %s: every account's forecast is in another currency: %s", r.Currency, strings.Join(excluded, ", "))
		return nil
	}
	if from.After(end) {
		gap, err := b.series(ctx, aud, tally.Window{Start: end, End: from}, attribution.Dimension{Field: "namespace"})
		if err != nil {
			return err
		}
		zero := tally.Zero(r.Currency)
		for i, c := range gap.total {
			if c.Currency() != r.Currency {
				c = zero
			}
			m.MonthToDate, _ = m.MonthToDate.Add(c)
			m.Later = append(m.Later, DailyCost{Day: gap.days[i], Cost: c, Estimated: gap.estimated[i]})
		}
		m.Through = from
	}
	share := 1.0
	if !aud.Org() {
		var err error
		if share, err = b.share(ctx, aud, r.Week, r.Currency); err != nil {
			return err
		}
	}
	money := func(v float64) tally.Money {
		x, err := tally.FromFloat(v*share, r.Currency)
		if err != nil {
			return tally.Zero(r.Currency)
		}
		s, _ := m.MonthToDate.Add(x.Round(2))
		return s
	}
	for i := range points {
		p := &points[i]
		p.Mean, p.Lo80, p.Hi80, p.Lo95, p.Hi95 = p.Mean*share, p.Lo80*share, p.Hi80*share, p.Lo95*share, p.Hi95*share
	}
	lo, hi, calibrated := monthRange(forecasts, from, next, short, lo, hi)
	m.Forecast = &MonthForecast{Total: money(mean + pending), Lo80: money(lo + pending), Hi80: money(hi + pending), Calibrated: calibrated,
		Model: strings.Join(dedupe(models), ", "), Share: share, Points: points, Short: short, Accounts: len(forecasts)}
	if p, err := tally.FromFloat(pending*share, r.Currency); err == nil && pending > 0 {
		m.Forecast.Pending = p.Round(2)
	}
	if len(excluded) > 0 {
		m.Forecast.Note = fmt.Sprintf("leaves out account(s) billed in another currency than %s: %s", r.Currency, strings.Join(excluded, ", "))
	}
	return nil
}

// monthRange returns the range of the forecasts' total over [from, next):
// an 80% range calibrated on their stored validation (forecast.SumRange),
// or, where it cannot be (too little history, a forecast that ends before
// the month does), the days' bounds lo and hi added up as they are.
func monthRange(fs []tally.Forecast, from, next time.Time, short bool, lo, hi float64) (float64, float64, bool) {
	if short {
		return lo, hi, false
	}
	l, h, err := forecast.SumRange(fs, from, next)
	if err != nil {
		return lo, hi, false
	}
	return l, h, true
}

// forecastCurrency returns the currency a spend forecast was made in, as
// the forecast package records it in the parameters, or "" when the
// forecast does not say (it is then taken to be in the report's currency).
func forecastCurrency(f tally.Forecast) tally.Currency {
	var p struct {
		Currency tally.Currency `json:"currency"`
	}
	if len(f.Params) == 0 || json.Unmarshal(f.Params, &p) != nil {
		return ""
	}
	return p.Currency
}

// forecastPending returns what of month's charges billed for the month at
// once falls on its days before the spend forecast f and is not billed
// yet, as the forecast package records it in the parameters; 0 when f's
// history ends in another month, or f does not say.
func forecastPending(f tally.Forecast, month time.Time) float64 {
	var p struct {
		PeriodCharges struct {
			Month   string  `json:"month"`
			Pending float64 `json:"pending"`
		} `json:"periodCharges"`
	}
	if len(f.Params) == 0 || json.Unmarshal(f.Params, &p) != nil || p.PeriodCharges.Month != month.Format("2006-01") {
		return 0
	}
	return p.PeriodCharges.Pending
}

func mergeDays(points []tally.ForecastPoint) []tally.ForecastPoint {
	var out []tally.ForecastPoint
	for _, p := range points {
		if n := len(out); n > 0 && out[n-1].T.Equal(p.T) {
			q := &out[n-1]
			q.Mean, q.Lo80, q.Hi80, q.Lo95, q.Hi95 = q.Mean+p.Mean, q.Lo80+p.Lo80, q.Hi80+p.Hi80, q.Lo95+p.Lo95, q.Hi95+p.Hi95
			continue
		}
		out = append(out, p)
	}
	return out
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// share is the audience's part of the organization's spend in currency cur
// over the four weeks ending with wk: what a team's forecast is the
// forecasts of the accounts billed in cur scaled by. Spend in other
// currencies is left out of both sides (their accounts' forecasts are left
// out too), and the sums are exact Money, so currencies never mix.
func (b *Builder) share(ctx context.Context, aud Audience, wk Week, cur tally.Currency) (float64, error) {
	w := tally.Window{Start: wk.End().Add(-4 * week), End: wk.End()}
	sum := func(a Audience) (tally.Money, error) {
		s := tally.Zero(cur)
		rows, err := b.Store.AllocationRows(ctx, b.query(a, w, 0, tally.BasisAmortized))
		if err != nil {
			return s, err
		}
		for i := range rows {
			if c := rows[i].Cost.Currency(); !keep(a, &rows[i]) || c != cur && c != "" {
				continue
			}
			if s, err = s.Add(rows[i].Cost); err != nil {
				return s, err
			}
		}
		return s, nil
	}
	part, err := sum(aud)
	if err != nil {
		return 0, err
	}
	all, err := sum(Audience{Name: OrgAudience})
	if err != nil || all.Sign() <= 0 {
		return 0, err
	}
	return part.Float64() / all.Float64(), nil
}
