package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
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
	ln := linker{base: b.Config.DashboardURL, filter: aud.Filter}
	if ln.base == "" {
		ln.base = DefaultDashboardURL
	}
	thisWeek := tally.Window{Start: wk.Start, End: wk.End()}
	twoWeeks := tally.Window{Start: wk.Prev().Start, End: wk.End()}
	r.Links = Links{Dashboard: ln.base + "/", Allocations: ln.allocations(thisWeek, "namespace", ""),
		Rightsizing: ln.rightsizing(""), Commitments: ln.commitments("")}
	if r.CostDays, err = b.costDays(ctx, aud, wk, r.Daily[len(r.Daily)-7:]); err != nil {
		return nil, err
	}

	if err := b.month(ctx, r, aud, daily); err != nil {
		return nil, err
	}

	// Movers by workload, namespace and service, with the cause of each change.
	cov, err := b.Store.NodeCoverage(ctx, twoWeeks, week)
	if err != nil {
		return nil, fmt.Errorf("commitment coverage: %w", err)
	}
	weeks, err := b.weekRows(ctx, aud, twoWeeks)
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
		movers, err := b.movers(groups, ln, twoWeeks, dim.field)
		if err != nil {
			return nil, err
		}
		set.Movers = movers
		r.Movers = append(r.Movers, set)
	}

	if aud.Org() {
		if r.Teams, err = b.teams(ctx, twoWeeks, ln); err != nil {
			return nil, err
		}
		r.TeamLabel = b.Config.TeamLabel
	}
	wl, err := b.series(ctx, aud, tally.Window{Start: wk.End().Add(-5 * week), End: wk.End()}, attribution.Dimension{Field: "controller"})
	if err != nil {
		return nil, err
	}
	r.Anomalies = b.anomalies(daily, wl, ln, wk)
	if r.Functions, err = b.functions(ctx, workloads, r.Movers[0].Movers, wk, ln); err != nil {
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
	weekSum := func(k int) tally.Money { // k = 0: the report week, 1: the week before, …
		s := zero
		for _, d := range r.Daily[len(r.Daily)-7*(k+1) : len(r.Daily)-7*k] {
			s, _ = s.Add(d.Cost)
		}
		return s
	}
	r.Spend.ThisWeek, r.Spend.LastWeek = weekSum(0), weekSum(1)
	four := zero
	for k := 1; k <= 4; k++ {
		four, _ = four.Add(weekSum(k))
	}
	r.Spend.Avg4Weeks, _ = four.MulRatio(1, 4)
	r.Spend.VsLastWeek = change(r.Spend.ThisWeek, r.Spend.LastWeek)
	r.Spend.VsAvg = change(r.Spend.ThisWeek, r.Spend.Avg4Weeks)
	return r, daily, nil
}

// costDays counts the days of wk the organization has cost on: from the
// audience's own days when it is the organization, else from the
// organization's rows (in any currency: this is about the bill's arrival).
func (b *Builder) costDays(ctx context.Context, aud Audience, wk Week, days []DailyCost) (int, error) {
	n := 0
	if aud.Org() {
		for _, d := range days {
			if !d.Cost.IsZero() {
				n++
			}
		}
		return n, nil
	}
	rows, err := b.Store.AllocationRows(ctx, b.query(Audience{Name: OrgAudience}, tally.Window{Start: wk.Start, End: wk.End()}, day, tally.BasisAmortized))
	if err != nil {
		return 0, fmt.Errorf("daily costs of the organization: %w", err)
	}
	seen := map[int64]bool{}
	for i := range rows {
		if r := &rows[i]; !r.Outside && !r.Cost.IsZero() && !seen[r.Start.Unix()] {
			seen[r.Start.Unix()] = true
			n++
		}
	}
	return n, nil
}

// series is cost per day, in total and per group.
type series struct {
	days      []time.Time
	currency  tally.Currency
	total     []tally.Money
	estimated []bool
	groups    map[string][]tally.Money
}

func (b *Builder) query(aud Audience, w tally.Window, step time.Duration, basis tally.CostBasis, dims ...attribution.Dimension) attribution.Query {
	return attribution.Query{Window: w, Step: step, Aggregate: dims, Filters: aud.Filters, Idle: attribution.IdleSeparate,
		Shared: attribution.SharedSeparate, Basis: basis}
}

// keep says whether a row counts for the audience: a team's report holds its
// direct costs only, not the idle and shared costs of the clusters it runs in.
func keep(aud Audience, r *attribution.Row) bool {
	if r.Outside {
		return false
	}
	return aud.Org() || (r.Class != attribution.ClassIdle && r.Class != attribution.ClassShared)
}

// groupName names a row's group by its key number key: the reserved names
// for idle, shared and unallocated costs, "" when the row has no value.
func groupName(r *attribution.Row, key int) string {
	switch r.Class {
	case attribution.ClassIdle:
		return tally.IdleName
	case attribution.ClassShared:
		return tally.SharedName
	case attribution.ClassUnallocated:
		return tally.UnallocatedName
	}
	return r.Keys[key]
}

func (b *Builder) series(ctx context.Context, aud Audience, w tally.Window, dim attribution.Dimension) (*series, error) {
	rows, err := b.Store.AllocationRows(ctx, b.query(aud, w, day, tally.BasisAmortized, dim))
	if err != nil {
		return nil, fmt.Errorf("daily costs by %s: %w", dim, err)
	}
	n := int(w.Duration() / day)
	s := &series{days: make([]time.Time, n), total: make([]tally.Money, n), estimated: make([]bool, n), groups: map[string][]tally.Money{}}
	for i := range s.days {
		s.days[i] = w.Start.Add(time.Duration(i) * day)
	}
	for i := range rows {
		row := &rows[i]
		if !keep(aud, row) {
			continue
		}
		k := int(row.Start.Sub(w.Start) / day)
		if k < 0 || k >= n {
			continue
		}
		if c := row.Cost.Currency(); c != "" {
			if s.currency != "" && s.currency != c {
				return nil, tally.Errorf(tally.EInvalid, "costs are in several currencies (%s, %s): give each currency its own audience with a cluster filter", s.currency, c)
			}
			s.currency = c
		}
		if s.total[k], err = s.total[k].Add(row.Cost); err != nil {
			return nil, err
		}
		s.estimated[k] = s.estimated[k] || row.Estimated
		name := groupName(row, 0)
		if name == "" {
			continue
		}
		g := s.groups[name]
		if g == nil {
			g = make([]tally.Money, n)
			s.groups[name] = g
		}
		g[k], _ = g[k].Add(row.Cost)
	}
	return s, nil
}

// month fills the outlook for the month the report is sent in.
func (b *Builder) month(ctx context.Context, r *Report, aud Audience, daily *series) error {
	end := r.Week.End()
	first := tally.MonthStart(end)
	next := first.AddDate(0, 1, 0)
	m := MonthOutlook{Month: first, Through: end, MonthToDate: tally.Zero(r.Currency), Budget: aud.Budget}
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
	for _, f := range forecasts {
		models = append(models, f.Model)
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
	m.Forecast = &MonthForecast{Total: money(mean), Lo80: money(lo), Hi80: money(hi), Model: strings.Join(dedupe(models), ", "),
		Share: share, Points: points, Short: short}
	if len(excluded) > 0 {
		m.Forecast.Note = fmt.Sprintf("leaves out account(s) billed in another currency than %s: %s", r.Currency, strings.Join(excluded, ", "))
	}
	return nil
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

// group is one group's periods per cost kind, and in total, in the two weeks.
type group struct {
	class string
	kinds map[string]*[2]Period
	total [2]Period
}

// moverDims are the dimensions of the movers with their titles, in the
// order of weekRows' keys (the node follows them).
var moverDims = []struct{ field, title string }{
	{"controller", "Workloads"}, {"namespace", "Namespaces"}, {"service", "Cloud services outside Kubernetes"},
}

// weekCosts are the costs of two weeks per moverDims and node, at
// amortized and at list prices.
type weekCosts struct {
	amort, list []attribution.Row
}

// weekRows reads the costs of the two weeks of w per moverDims and node:
// one pass over the hourly allocations per basis, for every dimension of
// the movers (the node keeps them hourly, so each costs a scan).
func (b *Builder) weekRows(ctx context.Context, aud Audience, w tally.Window) (weekCosts, error) {
	var dims []attribution.Dimension
	for _, d := range moverDims {
		dims = append(dims, attribution.Dimension{Field: d.field})
	}
	dims = append(dims, attribution.Dimension{Field: "node"})
	amort, err := b.Store.AllocationRows(ctx, b.query(aud, w, week, tally.BasisAmortized, dims...))
	if err != nil {
		return weekCosts{}, fmt.Errorf("weekly costs by workload, namespace, service and node: %w", err)
	}
	list, err := b.Store.AllocationRows(ctx, b.query(aud, w, week, tally.BasisList, dims...))
	if err != nil {
		return weekCosts{}, fmt.Errorf("weekly list costs by workload, namespace, service and node: %w", err)
	}
	return weekCosts{amort: amort, list: list}, nil
}

// periods sums the costs of the two weeks of w per group of moverDims[dim]
// at amortized and list prices, per node so each node's commitment coverage
// applies.
func periods(wc weekCosts, dim int, aud Audience, w tally.Window, cov []NodeCoverage) (map[string]*group, error) {
	nodeKey := len(moverDims)
	type rowKey struct {
		start                                              int64
		workload, namespace, service, node, cluster, class string
		kind                                               string
	}
	keyOf := func(r *attribution.Row) rowKey {
		return rowKey{r.Start.Unix(), r.Keys[0], r.Keys[1], r.Keys[2], r.Keys[nodeKey], r.Cluster, r.Class, r.CostKind}
	}
	listOf := make(map[rowKey]tally.Money, len(wc.list))
	for i := range wc.list {
		listOf[keyOf(&wc.list[i])] = wc.list[i].Cost
	}
	type covKey struct {
		start         int64
		cluster, node string
	}
	fractions := map[covKey][2]float64{}
	for _, c := range cov {
		var f [2]float64
		if l := c.List.Float64(); l > 0 {
			f[0] = c.CoveredList.Float64() / l
		}
		if e := c.Cost.Float64(); e > 0 {
			f[1] = c.CoveredCost.Float64() / e
		}
		fractions[covKey{c.Start.Unix(), c.Cluster, c.Node}] = f
	}
	groups := map[string]*group{}
	var err error
	for i := range wc.amort {
		r := &wc.amort[i]
		if !keep(aud, r) {
			continue
		}
		name := groupName(r, dim)
		if name == "" {
			continue
		}
		k := 0
		if !r.Start.Before(w.Start.Add(week)) {
			k = 1
		}
		p := Period{Cost: r.Cost, List: listOf[keyOf(r)]}
		switch r.CostKind {
		case tally.CostCPU:
			p.Quantity = r.CPUCoreHours
		case tally.CostRAM:
			p.Quantity = r.RAMByteHours / (1 << 30)
		case tally.CostGPU:
			p.Quantity = r.GPUHours
		default:
			p.Quantity = p.List.Float64()
		}
		if p.Quantity == 0 && p.List.IsZero() {
			p.Quantity = p.Cost.Float64() // a cost without a measure of usage: its own dollars
		}
		cur := r.Cost.Currency()
		if f, ok := fractions[covKey{r.Start.Unix(), r.Cluster, r.Keys[nodeKey]}]; ok && r.Keys[nodeKey] != "" {
			p.CoveredList, _ = tally.FromFloat(p.List.Float64()*f[0], cur)
			p.CoveredCost, _ = tally.FromFloat(p.Cost.Float64()*f[1], cur)
		}
		g := groups[name]
		if g == nil {
			g = &group{class: r.Class, kinds: map[string]*[2]Period{}}
			groups[name] = g
		}
		pk := g.kinds[r.CostKind]
		if pk == nil {
			pk = &[2]Period{}
			g.kinds[r.CostKind] = pk
		}
		if pk[k], err = pk[k].Add(p); err != nil {
			return nil, err
		}
		if g.total[k], err = g.total[k].Add(p); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

func (b *Builder) movers(groups map[string]*group, ln linker, w tally.Window, field string) ([]Mover, error) {
	var out []Mover
	for name, g := range groups {
		var comps Components
		kinds := make([]string, 0, len(g.kinds))
		for k := range g.kinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			p := g.kinds[k]
			c, err := Decompose(p[0], p[1])
			if err != nil {
				return nil, fmt.Errorf("decompose %s %s: %w", name, k, err)
			}
			if comps, err = comps.Add(c); err != nil {
				return nil, err
			}
		}
		if comps.Delta.Abs().Float64() < 0.005 {
			continue
		}
		cur := comps.Delta.Currency()
		last, this := g.total[0].Cost, g.total[1].Cost
		if last.IsZero() {
			last = tally.Zero(cur)
		}
		if this.IsZero() {
			this = tally.Zero(cur)
		}
		ch := change(this, last)
		clause := ""
		if g.class == "" {
			clause = field + ":" + quote(name)
		} else if field != "namespace" {
			continue // idle, shared and unallocated costs show among namespaces
		}
		out = append(out, Mover{Name: name, LastWeek: last, ThisWeek: this, Ratio: ch.Ratio, HasBase: ch.Base, Components: comps,
			Link: ln.allocations(w, field, clause)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Delta.Abs().Float64(), out[j].Delta.Abs().Float64()
		if a != b {
			return a > b
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > b.Top {
		out = out[:b.Top]
	}
	return out, nil
}

func (b *Builder) teams(ctx context.Context, w tally.Window, ln linker) ([]TeamSpend, error) {
	dim := attribution.Dimension{Field: "label", Key: b.Config.TeamLabel}
	if dim.Key == "" {
		dim.Key = DefaultTeamLabel
	}
	rows, err := b.Store.AllocationRows(ctx, b.query(Audience{}, w, week, tally.BasisAmortized, dim))
	if err != nil {
		return nil, fmt.Errorf("weekly costs by team: %w", err)
	}
	byTeam := map[string]*[2]tally.Money{}
	for i := range rows {
		r := &rows[i]
		if r.Class != "" {
			continue
		}
		name := r.Keys[0]
		k := 0
		if !r.Start.Before(w.Start.Add(week)) {
			k = 1
		}
		t := byTeam[name]
		if t == nil {
			t = &[2]tally.Money{}
			byTeam[name] = t
		}
		sum, err := t[k].Add(r.Cost)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "team %q: costs in several currencies (%s, %s): give each currency its own audience with a cluster filter",
				name, t[k].Currency(), r.Cost.Currency())
		}
		t[k] = sum
	}
	var out []TeamSpend
	thisWeek := tally.Window{Start: w.Start.Add(week), End: w.End}
	for name, t := range byTeam {
		ts := TeamSpend{Team: name, ThisWeek: t[1], Change: change(t[1], t[0])}
		if name != "" {
			ts.Link = ln.allocations(thisWeek, "label:"+dim.Key, "label["+dim.Key+"]:"+quote(name))
		} else {
			ts.Link = ln.allocations(thisWeek, "label:"+dim.Key, "")
		}
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool {
		if c, _ := out[i].ThisWeek.Cmp(out[j].ThisWeek); c != 0 {
			return c > 0
		}
		return out[i].Team < out[j].Team
	})
	if len(out) > 2*b.Top {
		out = out[:2*b.Top]
	}
	return out, nil
}

// anomalies judges each day of the report week against the same weekday
// of the four weeks before it (see AnomalyRule), for the total, every
// namespace and every workload.
func (b *Builder) anomalies(ns, wl *series, ln linker, wk Week) []Anomaly {
	rule := b.Rule
	var out []Anomaly
	check := func(scope, name, field string, s []tally.Money) {
		n := len(s)
		if n < 35 {
			return
		}
		base := make([]float64, 28)
		for i := range base {
			base[i] = s[n-35+i].Float64()
		}
		profile, ok := rule.Baseline(base)
		if !ok {
			return
		}
		cur := ns.currency
		money := func(v float64) tally.Money { m, _ := tally.FromFloat(v, cur); return m.Round(2) }
		// Consecutive days out of the band on the same side are one anomaly.
		var run []int
		var zmax float64
		flush := func() {
			if len(run) == 0 {
				return
			}
			d := wk.Start.Add(time.Duration(run[0]-(n-7)) * day)
			sum := tally.Zero(cur)
			var expected, lo, hi float64 // a day's, averaged over the run
			for _, i := range run {
				sum, _ = sum.Add(s[i])
				band := profile.Band(i - (n - 35))
				k := float64(len(run))
				expected, lo, hi = expected+band.Median/k, lo+math.Max(band.Lo, 0)/k, hi+band.Hi/k
			}
			avg, _ := sum.MulRatio(1, uint64(len(run)))
			clause := ""
			if field != "" && !strings.HasPrefix(name, "__") {
				clause = field + ":" + quote(name)
			}
			agg := field
			if agg == "" {
				agg = "namespace"
			}
			out = append(out, Anomaly{Scope: scope, Name: name, Day: d, Days: len(run), Cost: avg.Round(2), Expected: money(expected),
				Lo: money(lo), Hi: money(hi), Z: zmax,
				Link: ln.allocations(tally.Window{Start: d.Add(-4 * week), End: d.AddDate(0, 0, len(run))}, agg, clause)})
			run, zmax = nil, 0
		}
		for i := n - 7; i < n; i++ {
			bad, z := rule.Anomalous(profile.Band(i-(n-35)), s[i].Float64())
			if !bad || (len(run) > 0 && (z > 0) != (zmax > 0)) {
				flush()
			}
			if bad {
				run = append(run, i)
				if math.Abs(z) > math.Abs(zmax) {
					zmax = z
				}
			}
		}
		flush()
	}
	// The mean daily spend sets the smallest change worth a line.
	var mean float64
	for _, v := range ns.total[len(ns.total)-35 : len(ns.total)-7] {
		mean += v.Float64() / 28
	}
	rule.MinDelta = math.Max(rule.MinDelta, 0.01*mean)
	check("total", "total", "", ns.total)
	for _, src := range []struct {
		s            *series
		scope, field string
	}{{ns, "namespace", "namespace"}, {wl, "workload", "controller"}} {
		names := make([]string, 0, len(src.s.groups))
		for name := range src.s.groups {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			check(src.scope, name, src.field, src.s.groups[name])
		}
	}
	out = explained(out)
	// The most surprising first.
	sort.SliceStable(out, func(i, j int) bool { return math.Abs(out[i].Z) > math.Abs(out[j].Z) })
	if len(out) > b.Top+1 {
		out = out[:b.Top+1]
	}
	return out
}

// explained drops a namespace's (or the total's) anomaly when one of its
// workloads (namespaces) has an anomaly on the same days that accounts for
// at least 80% of it: the more specific line says it all.
func explained(as []Anomaly) []Anomaly {
	var out []Anomaly
	for i, a := range as {
		covered := false
		for j, b := range as {
			if i == j || b.Day != a.Day || b.Days != a.Days {
				continue
			}
			inside := (a.Scope == "namespace" && b.Scope == "workload" && strings.HasPrefix(b.Name, a.Name+"/")) ||
				(a.Scope == "total" && b.Scope == "namespace")
			if inside && math.Abs(b.excess()) >= 0.8*math.Abs(a.excess()) && (b.excess() > 0) == (a.excess() > 0) {
				covered = true
			}
		}
		if !covered {
			out = append(out, a)
		}
	}
	return out
}

// functions finds the functions whose self cost grew most, among the
// audience's largest workloads and its workload movers.
func (b *Builder) functions(ctx context.Context, workloads map[string]tally.Money, movers []Mover, wk Week, ln linker) ([]FunctionMover, error) {
	names := make([]string, 0, len(workloads))
	for n := range workloads {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if c, _ := workloads[names[i]].Cmp(workloads[names[j]]); c != 0 {
			return c > 0
		}
		return names[i] < names[j]
	})
	if len(names) > 2*b.Top {
		names = names[:2*b.Top]
	}
	for _, m := range movers {
		if _, ok := workloads[m.Name]; ok && !contains(names, m.Name) {
			names = append(names, m.Name)
		}
	}
	this := tally.Window{Start: wk.Start, End: wk.End()}
	last := tally.Window{Start: wk.Prev().Start, End: wk.Start}
	var out []FunctionMover
	for _, name := range names {
		ns, wl, ok := strings.Cut(name, "/")
		if !ok {
			continue
		}
		self := func(w tally.Window) (map[string]tally.Money, error) {
			stacks, err := b.Store.StackSpend(ctx, attribution.StackFilter{Window: w, Namespace: ns, Workload: wl})
			if err != nil {
				return nil, fmt.Errorf("functions of %s: %w", name, err)
			}
			fs, err := attribution.Functions(stacks, w.Duration())
			if err != nil {
				return nil, err
			}
			m := map[string]tally.Money{}
			for _, f := range fs {
				if !f.Self.IsZero() {
					m[f.Name] = f.Self
				}
			}
			return m, nil
		}
		now, err := self(this)
		if err != nil {
			return nil, err
		}
		if len(now) == 0 {
			continue
		}
		before, err := self(last)
		if err != nil {
			return nil, err
		}
		for fn, cost := range now {
			base := before[fn]
			if base.IsZero() {
				base = tally.Zero(cost.Currency())
			}
			ch := change(cost, base)
			if ch.Delta.Sign() <= 0 || ch.Delta.Float64() < 0.005 {
				continue
			}
			out = append(out, FunctionMover{Workload: name, Function: fn, LastWeek: base, ThisWeek: cost, Change: ch,
				Annual: attribution.Annualize(ch.Delta, week).Round(2), Link: ln.functions(name, this, last)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if c, _ := out[i].Change.Delta.Cmp(out[j].Change.Delta); c != 0 {
			return c > 0
		}
		return out[i].Workload+out[i].Function < out[j].Workload+out[j].Function
	})
	if len(out) > b.Top {
		out = out[:b.Top]
	}
	return out, nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// rightsizing lists container (and, for the organization, node)
// recommendations; a team's are those of its workloads.
func (b *Builder) rightsizing(ctx context.Context, aud Audience, workloads map[string]tally.Money, ln linker, zero tally.Money) (Opportunities, error) {
	var recs []tally.Recommendation
	kinds := []string{tally.RecommendContainer}
	if aud.Org() {
		kinds = append(kinds, tally.RecommendNode)
	}
	for _, k := range kinds {
		rs, err := b.Store.Recommendations(ctx, k)
		if err != nil {
			return Opportunities{}, fmt.Errorf("right-sizing recommendations: %w", err)
		}
		for _, r := range rs {
			if r.Kind == tally.RecommendContainer && !aud.Org() {
				// cluster/namespace/Kind/name/container
				p := strings.SplitN(r.Target, "/", 5)
				if len(p) < 4 {
					continue
				}
				if _, ok := workloads[p[1]+"/"+p[3]]; !ok {
					continue
				}
			}
			recs = append(recs, r)
		}
	}
	o := opportunities(recs, b.Top, zero, func(r tally.Recommendation) string { return ln.rightsizing(r.Target) })
	if o.Count == 0 {
		o.Available = false
		o.Unavailable = "not available yet: no right-sizing recommendations are stored (tally rightsize computes them)"
	}
	return o, nil
}

func (b *Builder) commitmentRecs(ctx context.Context, ln linker, zero tally.Money) (Opportunities, error) {
	recs, err := b.Store.Recommendations(ctx, tally.RecommendCommitment)
	if err != nil {
		return Opportunities{}, fmt.Errorf("commitment recommendations: %w", err)
	}
	o := opportunities(recs, b.Top, zero, func(r tally.Recommendation) string { return ln.commitments(r.Target) })
	if o.Count == 0 {
		o.Available = false
		o.Unavailable = "not available yet: no commitment recommendations are stored (tally commitments recommend computes them)"
	}
	return o, nil
}

func opportunities(recs []tally.Recommendation, top int, zero tally.Money, link func(tally.Recommendation) string) Opportunities {
	sort.SliceStable(recs, func(i, j int) bool {
		c, _ := recs[i].MonthlySavings.Cmp(recs[j].MonthlySavings)
		return c > 0
	})
	o := Opportunities{Available: true, Total: zero, Count: len(recs)}
	for i, r := range recs {
		o.Total, _ = o.Total.Add(r.MonthlySavings)
		if i < top {
			o.Items = append(o.Items, Opportunity{Kind: r.Kind, Target: r.Target, Explanation: r.Explanation,
				MonthlySavings: r.MonthlySavings, Link: link(r)})
		}
	}
	return o
}

// HoursPerMonth is the average month (8,760 h / 12) commitments are priced in.
const HoursPerMonth = 730

func (b *Builder) expiring(ctx context.Context, from time.Time, ln linker) ([]Expiring, error) {
	until := from.Add(30 * day)
	cs, err := b.Store.Commitments(ctx, "", tally.Window{Start: from, End: until})
	if err != nil {
		return nil, fmt.Errorf("commitments: %w", err)
	}
	var out []Expiring
	for _, c := range cs {
		if c.End.After(until) || !c.End.After(from) {
			continue
		}
		hourly := c.HourlyCommitment
		if hourly.IsZero() {
			hourly = c.RecurringHourlyFee
		}
		monthly, _ := hourly.MulRatio(HoursPerMonth, 1)
		out = append(out, Expiring{ID: c.ID, Kind: c.Kind, Account: c.BillingAccountID, End: c.End,
			DaysLeft: int(math.Ceil(c.End.Sub(from).Hours() / 24)), Hourly: hourly, Monthly: monthly.Round(2), Link: ln.commitments(c.ID)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].End.Before(out[j].End) })
	return out, nil
}
