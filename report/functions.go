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
// days ln's links open). In a first week (Report.FirstWeek), with no
// week before to compare with, it finds the costliest functions instead,
// by their self cost alone.
func (b *Builder) functions(ctx context.Context, workloads map[string]tally.Money, movers []Mover, ln linker, first bool) ([]FunctionMover, error) {
	this, last := ln.week, weekBefore(ln.week)
	var out []FunctionMover
	for _, name := range functionWorkloads(workloads, movers, 2*b.Top) {
		ns, wl, ok := strings.Cut(name, "/")
		if !ok {
			continue
		}
		f := attribution.StackFilter{Namespace: ns, Workload: wl}
		now, err := b.selfCosts(ctx, f, this)
		if err != nil {
			return nil, fmt.Errorf("functions of %s: %w", name, err)
		}
		if len(now) == 0 {
			continue
		}
		if first {
			out = append(out, costliest(name, now, ln)...)
			continue
		}
		before, err := b.selfCosts(ctx, f, last)
		if err != nil {
			return nil, fmt.Errorf("functions of %s: %w", name, err)
		}
		grown, err := grew(name, now, before, ln)
		if err != nil {
			return nil, err
		}
		out = append(out, grown...)
	}
	sortFunctions(out, first)
	if len(out) > b.Top {
		out = out[:b.Top]
	}
	return out, nil
}

// functionWorkloads names the workloads whose functions the report looks
// at: the n costliest of workloads, and its movers among them.
func functionWorkloads(workloads map[string]tally.Money, movers []Mover, n int) []string {
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
	if len(names) > n {
		names = names[:n]
	}
	for _, m := range movers {
		if _, ok := workloads[m.Name]; ok && !contains(names, m.Name) {
			names = append(names, m.Name)
		}
	}
	return names
}

// selfCosts is the self cost of each function of f's workload over w,
// those that cost nothing left out.
func (b *Builder) selfCosts(ctx context.Context, f attribution.StackFilter, w tally.Window) (map[string]tally.Money, error) {
	f.Window = w
	stacks, err := b.Store.StackSpend(ctx, f)
	if err != nil {
		return nil, err
	}
	fs, err := attribution.Functions(stacks, w.Duration())
	if err != nil {
		return nil, err
	}
	m := map[string]tally.Money{}
	for _, fn := range fs {
		if !fn.Self.IsZero() {
			m[fn.Name] = fn.Self
		}
	}
	return m, nil
}

// grew is the functions of workload whose self cost grew from before to
// now, by half a cent or more.
func grew(workload string, now, before map[string]tally.Money, ln linker) ([]FunctionMover, error) {
	var out []FunctionMover
	for fn, cost := range now {
		base := before[fn]
		if base.IsZero() {
			base = tally.Zero(cost.Currency())
		}
		ch, err := change(cost, base)
		if err != nil {
			return nil, fmt.Errorf("self cost of %s in %s: %w", fn, workload, err)
		}
		if ch.Delta.Sign() <= 0 || ch.Delta.Float64() < 0.005 {
			continue
		}
		out = append(out, FunctionMover{Workload: workload, Function: fn, LastWeek: base, ThisWeek: cost, Change: ch,
			Annual: attribution.Annualize(ch.Delta, ln.week.Duration()).Round(2), Link: ln.functions(workload, fn, true)})
	}
	return out, nil
}

// costliest is the functions of workload with their self cost now alone,
// compared with nothing: their last week, change and annual are zero.
func costliest(workload string, now map[string]tally.Money, ln linker) []FunctionMover {
	out := make([]FunctionMover, 0, len(now))
	for fn, cost := range now {
		zero := tally.Zero(cost.Currency())
		out = append(out, FunctionMover{Workload: workload, Function: fn, LastWeek: zero, ThisWeek: cost,
			Change: Change{Delta: zero}, Annual: zero, Link: ln.functions(workload, fn, false)})
	}
	return out
}

// sortFunctions sorts fs by their growth, or in a first week by their
// cost, largest first.
func sortFunctions(fs []FunctionMover, first bool) {
	key := func(f FunctionMover) tally.Money {
		if first {
			return f.ThisWeek
		}
		return f.Change.Delta
	}
	sort.Slice(fs, func(i, j int) bool {
		if c, _ := key(fs[i]).Cmp(key(fs[j])); c != 0 {
			return c > 0
		}
		return fs[i].Workload+fs[i].Function < fs[j].Workload+fs[j].Function
	})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
