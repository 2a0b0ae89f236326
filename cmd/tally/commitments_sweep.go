package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
)

// sweepPrefix starts the names of the Tallys a backtest's --sweep adds.
const sweepPrefix = "tally@"

// isSweep reports whether a strategy was added by --sweep.
func isSweep(name string) bool { return strings.HasPrefix(name, sweepPrefix) }

// sweepName names the Tally run at bound u.
func sweepName(u float64) string { return sweepPrefix + strconv.FormatFloat(u, 'f', -1, 64) }

// checkSweep validates --sweep: bounds in (0, 1], with Tally and a lookback
// to compare.
func (c *commitmentsBacktestCmd) checkSweep() error {
	if len(c.Sweep) == 0 {
		return nil
	}
	for _, u := range c.Sweep {
		if !(u > 0 && u <= 1) {
			return tally.Errorf(tally.EInvalid, "--sweep %v: want utilizations in (0, 1], e.g. 0.95,0.97,0.99", u)
		}
	}
	lookback := false
	for _, s := range c.Strategy {
		lookback = lookback || strings.HasPrefix(s, "lookback-")
	}
	if !contains(c.Strategy, "tally") || !lookback {
		return tally.Errorf(tally.EInvalid, "--sweep compares Tally's bounds with the target: --strategy must include tally and a lookback-Nd")
	}
	return nil
}

// sweepStrategies returns a Tally for each swept bound other than the one
// the main run uses.
func (c *commitmentsBacktestCmd) sweepStrategies(risk commitments.Risk) []commitments.Strategy {
	var out []commitments.Strategy
	for _, u := range c.Sweep {
		if u == c.MinUtilization {
			continue
		}
		r := risk
		r.MinUtilization = u
		out = append(out, renamed{&commitments.Tally{Risk: r, Seed: c.Seed}, sweepName(u)})
	}
	return out
}

// renamed is a strategy reported under another name.
type renamed struct {
	commitments.Strategy
	name string
}

func (r renamed) Name() string { return r.name }

// sweepVerdict is the target's verdict on Tally at one bound.
type sweepVerdict struct {
	MinUtilization float64 `json:"minUtilization"`
	verdict
}

// sweepVerdicts returns the verdict at every swept bound, in the order given.
func (c *commitmentsBacktestCmd) sweepVerdicts(reps []*commitments.Report) []sweepVerdict {
	var out []sweepVerdict
	for _, u := range c.Sweep {
		name := sweepName(u)
		if u == c.MinUtilization {
			name = "tally"
		}
		out = append(out, sweepVerdict{MinUtilization: u, verdict: targetVerdict(reps, name)})
	}
	return out
}

// writeSweepTable prints the target's clauses for Tally at each bound: the
// trade-off between utilization and ESR that choosing the bound makes.
func writeSweepTable(w io.Writer, sweep []sweepVerdict, maxProbability float64) {
	if len(sweep) == 0 || !sweep[0].Applies {
		return
	}
	fmt.Fprintf(w, "\nrisk bound sweep: Tally with P(utilization < U) ≤ %g for each U; Δ is Tally's ESR less the best lookback's, in points\n", maxProbability)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "U\tutilization\tregret pts\tESR ≥ best lookback\treachable at its utilization\t"
	for _, s := range sweep[0].Scenarios {
		head += "Δ " + s.Scenario + "\t"
	}
	fmt.Fprintln(tw, head+"target\t")
	for _, sv := range sweep {
		var beats int
		var deltas string
		for _, s := range sv.Scenarios {
			if s.BeatsLookbck {
				beats++
			}
			deltas += fmt.Sprintf("%+.2f\t", 100*(s.TallyESR-s.LookbackESR))
		}
		met := "met"
		if !sv.Met {
			met = "missed"
		}
		reachable := len(sv.Scenarios) - len(sv.floorBound())
		fmt.Fprintf(tw, "%g\t%.2f%%\t%.2f\t%d of %d\t%d of %d\t%s%s\t\n", sv.MinUtilization, 100*sv.AverageUtilization, sv.AverageRegret,
			beats, len(sv.Scenarios), reachable, len(sv.Scenarios), deltas, met)
	}
	tw.Flush()
}
