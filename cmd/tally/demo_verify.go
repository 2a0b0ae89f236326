package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/tallyhq/tally"
)

// demoCheck is how close what Tally computed from the generated files is to
// what the generator knows it put in them.
type demoCheck struct {
	Days          int     // billed days × accounts reconciled
	Mismatches    int     // of them, off the bill by more than a cent
	MaxDifference string  // largest |allocated − billed| of a day and account
	Owners        int     // day × cluster × namespace (and idle) cells compared
	WorstRelative float64 // largest relative deviation of a cell from the truth
	Worst         string  // which cell
}

// checkTruth compares the reconciliation and each day's node cost per
// cluster and namespace with the generator's ground truth.
func (l *demoLoader) checkTruth(ctx context.Context) (demoCheck, error) {
	var c demoCheck
	w := tally.Window{Start: l.m.Start, End: l.m.End}
	recon, err := l.db.Reconciliation(ctx, w, tally.BasisAmortized)
	if err != nil {
		return c, err
	}
	maxDiff := tally.Money{}
	for i := range recon {
		r := &recon[i]
		if !r.HasBill {
			continue
		}
		c.Days++
		if r.Status() != "ok" {
			c.Mismatches++
		}
		if d := r.Difference().Abs(); maxDiff.IsZero() || greater(d, maxDiff) {
			maxDiff = d
		}
	}
	c.MaxDifference = maxDiff.Decimal()

	type cell struct {
		day       string
		cluster   tally.ClusterID
		namespace string
	}
	want := map[cell]tally.Money{}
	add := func(k cell, s string) error {
		m, err := tally.ParseMoney(s, tally.Currency(l.truth.Currency))
		if err != nil {
			return fmt.Errorf("truth %s %s/%s: %w", k.day, k.cluster, k.namespace, err)
		}
		want[k], err = want[k].Add(m)
		return err
	}
	for _, td := range l.truth.Daily {
		for cl, cd := range td.Clusters {
			for ns, v := range cd.Namespaces {
				if err := add(cell{td.Day, cl, ns}, v); err != nil {
					return c, err
				}
			}
			if err := add(cell{td.Day, cl, tally.IdleName}, cd.Idle); err != nil {
				return c, err
			}
		}
	}
	costs, err := l.db.NodeCostsByNamespace(ctx, w)
	if err != nil {
		return c, err
	}
	got := map[cell]tally.Money{}
	for _, nc := range costs {
		got[cell{nc.Day.Format(time.DateOnly), nc.Cluster, nc.Namespace}] = nc.Cost
	}
	for k, wv := range want {
		diff, err := got[k].Sub(wv)
		if err != nil {
			return c, err
		}
		rel := math.Abs(diff.Float64()) / math.Max(wv.Float64(), 0.5)
		c.Owners++
		if rel > c.WorstRelative {
			c.WorstRelative, c.Worst = rel, fmt.Sprintf("%s %s/%s: %s, truth %s", k.day, k.cluster, k.namespace, got[k].Decimal(), wv.Decimal())
		}
	}
	for k, gv := range got {
		if _, ok := want[k]; !ok && !gv.IsZero() {
			c.Owners++
			c.WorstRelative, c.Worst = math.Inf(1), fmt.Sprintf("%s %s/%s: %s, not in the truth", k.day, k.cluster, k.namespace, gv.Decimal())
		}
	}
	return c, nil
}

func greater(a, b tally.Money) bool {
	c, err := a.Cmp(b)
	return err == nil && c > 0
}

// verify logs how the loaded organization compares with the truth.
func (l *demoLoader) verify(ctx context.Context) error {
	c, err := l.checkTruth(ctx)
	if err != nil {
		return err
	}
	log := l.app.log.Info
	if c.Mismatches > 0 || c.WorstRelative > 0.01 {
		log = l.app.log.Warn
	}
	log("demo: compared with the generator's truth", "reconciledDays", c.Days, "offByMoreThanACent", c.Mismatches,
		"largestDifference", c.MaxDifference, "namespaceDays", c.Owners, "worstDeviationPct", fmt.Sprintf("%.4f", 100*c.WorstRelative), "worst", c.Worst)
	return nil
}
