package report

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// functions finds the functions whose self cost grew most, among the
// audience's largest workloads and its workload movers, between the
// report week's compared days and the same days of the week before (the
// days ln's links open).
func (b *Builder) functions(ctx context.Context, workloads map[string]tally.Money, movers []Mover, ln linker) ([]FunctionMover, error) {
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
	this, last := ln.week, weekBefore(ln.week)
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
			ch, err := change(cost, base)
			if err != nil {
				return nil, fmt.Errorf("self cost of %s in %s: %w", fn, name, err)
			}
			if ch.Delta.Sign() <= 0 || ch.Delta.Float64() < 0.005 {
				continue
			}
			out = append(out, FunctionMover{Workload: name, Function: fn, LastWeek: base, ThisWeek: cost, Change: ch,
				Annual: attribution.Annualize(ch.Delta, this.Duration()).Round(2), Link: ln.functions(name, fn)})
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
