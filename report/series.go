package report

import (
	"context"
	"fmt"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// series is cost per day, in total and per group.
type series struct {
	days      []time.Time
	currency  tally.Currency
	total     []tally.Money
	estimated []bool
	groups    map[string][]tally.Money
	// period is the part of total and of each group that period charges
	// (tally.CostPeriod) make, keyed by group and by "" for the total.
	period map[string][]tally.Money
}

// daily returns v, the series of group (or of the total when group is ""),
// less its period charges: the costs a day can be compared by. Tax and
// support spread evenly over a closed month are not in the open month's
// days yet, so with them a week of an open month looks cheaper than the
// weeks of a closed month.
func (s *series) daily(group string, v []tally.Money) []tally.Money {
	p := s.period[group]
	if p == nil {
		return v
	}
	out := make([]tally.Money, len(v))
	for i := range v {
		out[i], _ = v[i].Sub(p[i])
	}
	return out
}

func (b *Builder) query(aud Audience, w tally.Window, step time.Duration, basis tally.CostBasis, dims ...attribution.Dimension) attribution.Query {
	return attribution.Query{Window: w, Step: step, Aggregate: dims, Filters: aud.Filters, Idle: attribution.IdleSeparate,
		Shared: attribution.SharedSeparate, Basis: basis, Aliases: b.Config.Aliases}
}

// keep says whether a row counts for the audience: a team's report holds its
// direct costs only, not the idle and shared costs of the clusters it runs in.
func keep(aud Audience, r *attribution.Row) bool {
	if r.Outside {
		return false
	}
	return aud.Org() || (r.Class != attribution.ClassIdle && r.Class != attribution.ClassShared)
}

// groupName names a row's group by its key number key, of field, and
// returns its class: the reserved names for idle, shared and unallocated
// costs, "" when the row has no value. A row without a namespace (a cloud
// cost whose tags name a team but no namespace) is the namespace
// __unallocated__, as on the dashboard's namespace view.
func groupName(r *attribution.Row, key int, field string) (name, class string) {
	switch r.Class {
	case attribution.ClassIdle:
		return tally.IdleName, r.Class
	case attribution.ClassShared:
		return tally.SharedName, r.Class
	case attribution.ClassUnallocated:
		return tally.UnallocatedName, r.Class
	}
	if r.Keys[key] == "" && field == "namespace" {
		return tally.UnallocatedName, attribution.ClassUnallocated
	}
	return r.Keys[key], r.Class
}

func (b *Builder) series(ctx context.Context, aud Audience, w tally.Window, dim attribution.Dimension) (*series, error) {
	rows, err := b.Store.AllocationRows(ctx, b.query(aud, w, day, tally.BasisAmortized, dim))
	if err != nil {
		return nil, fmt.Errorf("daily costs by %s: %w", dim, err)
	}
	n := int(w.Duration() / day)
	s := &series{days: make([]time.Time, n), total: make([]tally.Money, n), estimated: make([]bool, n), groups: map[string][]tally.Money{},
		period: map[string][]tally.Money{}}
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
		name, _ := groupName(row, 0, dim.Field)
		if row.CostKind == tally.CostPeriod {
			addDay(s.period, "", n, k, row.Cost)
			if name != "" {
				addDay(s.period, name, n, k, row.Cost)
			}
		}
		if name != "" {
			addDay(s.groups, name, n, k, row.Cost)
		}
	}
	return s, nil
}

// addDay adds m to day k of the n-day series m[name].
func addDay(m map[string][]tally.Money, name string, n, k int, c tally.Money) {
	g := m[name]
	if g == nil {
		g = make([]tally.Money, n)
		m[name] = g
	}
	g[k], _ = g[k].Add(c)
}
