package report

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// Store is what building a report reads. postgres.DB implements it.
type Store interface {
	// AllocationRows sums allocations per step and dimension (see attribution.Query).
	AllocationRows(ctx context.Context, q attribution.Query) ([]attribution.Row, error)
	// NodeCoverage returns, per node and step of w, the node's billed cost
	// and the part of it covered by commitments.
	NodeCoverage(ctx context.Context, w tally.Window, step time.Duration) ([]NodeCoverage, error)
	// StackSpend returns a workload's cost per stack over the days of f.Window.
	StackSpend(ctx context.Context, f attribution.StackFilter) ([]attribution.StackSpend, error)
	// Recommendations returns the current recommendations of a kind, largest saving first.
	Recommendations(ctx context.Context, kind string) ([]tally.Recommendation, error)
	// Commitments returns the commitments of account ("" for all) active at some time in w.
	Commitments(ctx context.Context, account string, w tally.Window) ([]tally.Commitment, error)
	// LatestForecast returns the newest forecast of scope, or an ENotFound error.
	LatestForecast(ctx context.Context, scope string) (tally.Forecast, error)
	// BillingAccounts lists the accounts bills were ingested for.
	BillingAccounts(ctx context.Context) ([]tally.BillingAccount, error)
}

// NodeCoverage is a node's billed cost in one step and the part covered by
// commitments, at list (on-demand equivalent) and amortized prices.
type NodeCoverage struct {
	Start                                time.Time
	Cluster                              string
	Node                                 string
	List, CoveredList, Cost, CoveredCost tally.Money
}

// ForecastScope is the forecast of an account's daily amortized spend, as
// the forecast package names it (the account id path-escaped).
func ForecastScope(account string) string { return "spend/account/" + url.PathEscape(account) }

// Builder builds reports from a store.
type Builder struct {
	Store  Store
	Config Config
	// Rule flags anomalies. Default DefaultAnomalyRule.
	Rule AnomalyRule
	// Now stamps the report. Default time.Now.
	Now func() time.Time
	// Top is how many items each list shows. Default 5.
	Top int
}

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// Build computes aud's report for wk.
func (b *Builder) Build(ctx context.Context, aud Audience, wk Week) (*Report, error) {
	r, daily, err := b.spend(ctx, aud, wk)
	if err != nil {
		return nil, err
	}
	zero := tally.Zero(r.Currency)
	ln := linker{base: b.Config.DashboardURL, filter: aud.Filter, week: r.comparedSpan(wk)}
	if ln.base == "" {
		ln.base = DefaultDashboardURL
	}
	twoWeeks := tally.Window{Start: wk.Prev().Start, End: wk.End()}
	r.Links = Links{Dashboard: ln.base + "/", Allocations: ln.allocations(ln.week, "namespace", ""),
		Rightsizing: ln.rightsizing(""), Commitments: ln.commitments("")}
	if err := b.month(ctx, r, aud, daily); err != nil {
		return nil, err
	}

	// Movers by workload, namespace and service, with the cause of each change.
	cov, err := b.Store.NodeCoverage(ctx, twoWeeks, week)
	if err != nil {
		return nil, fmt.Errorf("commitment coverage: %w", err)
	}
	days := r.comparedOffsets()
	weeks, err := b.weekRows(ctx, aud, twoWeeks, days)
	if err != nil {
		return nil, err
	}
	var workloads map[string]tally.Money
	for i, dim := range moverDims {
		groups, err := periods(weeks, i, aud, twoWeeks, cov)
		if err != nil {
			return nil, err
		}
		set := MoverSet{Dimension: dim.field, Title: dim.title}
		if dim.field == "controller" {
			set.Dimension = "workload"
			workloads = map[string]tally.Money{}
			for name, g := range groups {
				if g.class == "" {
					workloads[name] = g.total[1].Cost
				}
			}
		}
		movers, err := b.movers(groups, ln, dim.field)
		if err != nil {
			return nil, err
		}
		set.Movers = movers
		r.Movers = append(r.Movers, set)
	}

	if aud.Org() {
		if r.Teams, r.TeamsOmitted, err = b.teams(ctx, twoWeeks, days, ln); err != nil {
			return nil, err
		}
		if r.TeamsRest, err = teamsRest(r.Spend.ThisWeek, r.Teams); err != nil {
			return nil, err
		}
		r.TeamLabel = b.Config.TeamLabel
	}
	wl, err := b.series(ctx, aud, tally.Window{Start: wk.End().Add(-5 * week), End: wk.End()}, attribution.Dimension{Field: "controller"})
	if err != nil {
		return nil, err
	}
	r.Anomalies, r.AnomalyRule = b.anomalies(daily, wl, ln, wk, r.Unbilled)
	if r.Functions, err = b.functions(ctx, workloads, r.Movers[0].Movers, ln, r.FirstWeek()); err != nil {
		return nil, err
	}
	if r.Rightsizing, err = b.rightsizing(ctx, aud, workloads, ln, zero); err != nil {
		return nil, err
	}
	if aud.Org() {
		if r.Commitments, err = b.commitmentRecs(ctx, ln, zero); err != nil {
			return nil, err
		}
		if r.Expiring, err = b.expiring(ctx, wk.End(), ln); err != nil {
			return nil, err
		}
	} else {
		r.Commitments = Opportunities{Unavailable: "bought for the whole organization: see the organization's report"}
	}
	return r, nil
}

// Spend computes the part of aud's report for wk that its subject line
// (Subject) needs: the audience, the week, the daily costs and the spend,
// without the movers, functions and recommendations (one query of the
// dozen Build makes).
func (b *Builder) Spend(ctx context.Context, aud Audience, wk Week) (*Report, error) {
	r, _, err := b.spend(ctx, aud, wk)
	return r, err
}

// spend starts aud's report for wk (Spend) and returns it with the daily
// series by namespace of the eight weeks to wk's end it is computed from.
func (b *Builder) spend(ctx context.Context, aud Audience, wk Week) (*Report, *series, error) {
	if b.Rule == (AnomalyRule{}) {
		b.Rule = DefaultAnomalyRule
	}
	if b.Top <= 0 {
		b.Top = 5
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	r := &Report{Audience: aud, Week: wk, Generated: now().UTC(), ExpiringAvailable: aud.Org()}
	daily, err := b.series(ctx, aud, tally.Window{Start: wk.End().Add(-8 * week), End: wk.End()}, attribution.Dimension{Field: "namespace"})
	if err != nil {
		return nil, nil, err
	}
	r.Currency = daily.currency
	if r.Currency == "" {
		r.Currency = "USD"
	}
	zero := tally.Zero(r.Currency)
	for i, d := range daily.days {
		c := daily.total[i]
		if c.IsZero() {
			c = zero
		}
		r.Daily = append(r.Daily, DailyCost{Day: d, Cost: c, Estimated: daily.estimated[i]})
		if daily.estimated[i] && !d.Before(wk.Start) {
			r.EstimatedDays = append(r.EstimatedDays, d)
		}
	}
	billed, err := b.billed(ctx, aud, wk, r.Daily)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range r.Daily[len(r.Daily)-7:] {
		if !billed[d.Day.Unix()] {
			r.Unbilled = append(r.Unbilled, d.Day)
		}
	}
	r.CostDays = 7 - len(r.Unbilled)
	// The days billed in both the report week and the week before, each
	// compared with the same weekday of the weeks before.
	var compared, own []int // offsets from Monday
	r.Spend.LastWeekUnbilled = true
	for i := range 7 {
		d := wk.Start.AddDate(0, 0, i)
		if billed[d.AddDate(0, 0, -7).Unix()] {
			r.Spend.LastWeekUnbilled = false
		}
		if !billed[d.Unix()] {
			continue
		}
		own = append(own, i)
		if billed[d.AddDate(0, 0, -7).Unix()] {
			compared = append(compared, i)
		}
	}
	if len(compared) == 0 { // nothing to compare with: the week's billed days
		compared = own
	}
	for _, i := range compared {
		r.Compared = append(r.Compared, wk.Start.AddDate(0, 0, i))
	}
	// weekSum sums the compared days of week k (0: the report week, 1: the
	// week before, …) and reports whether the organization has cost on each.
	weekSum := func(k int) (tally.Money, bool, error) {
		s, all := zero, true
		base := len(r.Daily) - 7*(k+1)
		for _, i := range compared {
			d := r.Daily[base+i]
			all = all && billed[d.Day.Unix()]
			var err error
			if s, err = s.Add(d.Cost); err != nil {
				return s, false, fmt.Errorf("spend of %s: %w", d.Day.Format(time.DateOnly), err)
			}
		}
		return s, all, nil
	}
	if r.Spend.ThisWeek, _, err = weekSum(0); err != nil {
		return nil, nil, err
	}
	if r.Spend.LastWeek, _, err = weekSum(1); err != nil {
		return nil, nil, err
	}
	// The average is of the weeks billed on the compared days: a week
	// before the bill starts is not a week that cost nothing.
	four := zero
	for k := 1; k <= 4; k++ {
		s, all, err := weekSum(k)
		if err != nil {
			return nil, nil, err
		}
		if !all {
			continue
		}
		if four, err = four.Add(s); err != nil {
			return nil, nil, err
		}
		r.Spend.AvgWeeks++
	}
	r.Spend.Avg4Weeks = zero
	if r.Spend.AvgWeeks > 0 {
		if r.Spend.Avg4Weeks, err = four.MulRatio(1, uint64(r.Spend.AvgWeeks)); err != nil {
			return nil, nil, err
		}
	}
	if r.Spend.VsLastWeek, err = change(r.Spend.ThisWeek, r.Spend.LastWeek); err != nil {
		return nil, nil, err
	}
	if r.Spend.VsAvg, err = change(r.Spend.ThisWeek, r.Spend.Avg4Weeks); err != nil {
		return nil, nil, err
	}
	return r, daily, nil
}

// billed returns the days (Unix seconds of their midnight) the
// organization has cost on, billed or estimated, among the report week wk
// and the four weeks before: the days its bill has reached. For the
// organization they are its own days with cost (daily, its eight weeks),
// for a team they are read from the organization's rows (in any currency:
// this is about the bill's arrival).
func (b *Builder) billed(ctx context.Context, aud Audience, wk Week, daily []DailyCost) (map[int64]bool, error) {
	out := map[int64]bool{}
	from := wk.Start.Add(-4 * week)
	if aud.Org() {
		for _, d := range daily {
			if !d.Day.Before(from) && !d.Cost.IsZero() {
				out[d.Day.Unix()] = true
			}
		}
		return out, nil
	}
	rows, err := b.Store.AllocationRows(ctx, b.query(Audience{Name: OrgAudience}, tally.Window{Start: from, End: wk.End()}, day, tally.BasisAmortized))
	if err != nil {
		return nil, fmt.Errorf("daily costs of the organization: %w", err)
	}
	for i := range rows {
		if r := &rows[i]; !r.Outside && !r.Cost.IsZero() {
			out[r.Start.Unix()] = true
		}
	}
	return out, nil
}
