package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/csvtable"
	"github.com/tallyhq/tally/postgres"
)

// maxEnds is the most --ends: a month apart over ten years, the longest
// usage a file holds.
const maxEnds = 120

type commitmentsBacktestCmd struct {
	Usage          string    `type:"existingfile" placeholder:"FILE" help:"Usage file: CSV (optionally .gz) with scenario,hour,provider,region,instance_type,od_cost,platform; scenario and platform are optional (README: Commitments)."`
	FromDB         bool      `name:"from-db" help:"Backtest on the stored bill's eligible usage instead (one scenario per billing account)."`
	Account        string    `placeholder:"ID" help:"With --from-db: only this billing account."`
	Scenario       []string  `help:"Only these scenarios of the usage file."`
	Strategy       []string  `default:"none,lookback-7d,lookback-30d,lookback-60d,static-quantile,quarterly,tally" help:"Strategies beside hindsight: none, lookback-Nd, static-quantile, quarterly, tally."`
	Lag            int       `default:"48" help:"Billing lag in hours: a decision sees only usage older than this."`
	Warmup         int       `default:"28" help:"Days of history before the first decision (the bill a new installation ingests)."`
	MinUtilization float64   `name:"min-utilization" default:"0.99" help:"Tally's risk bound: utilization below this over the term …"`
	MaxProbability float64   `name:"max-probability" default:"0.05" help:"… may have at most this probability."`
	LockInPenalty  float64   `name:"lock-in-penalty" default:"0.02" help:"Tally's price of flexibility, a fraction of the obligation per year of term."`
	Seed           uint64    `default:"1" help:"Seed of Tally's forecast sample paths."`
	Ends           int       `default:"12" help:"Also score every strategy as if the usage had ended at this many ends a month apart, the last one included (0 to 120; 0: only the last)."`
	Sweep          []float64 `placeholder:"U" help:"Also run Tally at each of these --min-utilization bounds and print the trade-off against the target: utilization, regret and ESR against the best lookback per bound (strategy tally@U in CSV and JSON)."`
	Format         string    `default:"table" enum:"table,json,csv" help:"Output format: ${enum}."`
	Check          bool      `help:"Exit with status 3 when Tally misses the target."`
}

func (c *commitmentsBacktestCmd) Run(ctx context.Context, a *app) error {
	if (c.Usage == "") == !c.FromDB {
		return tally.Errorf(tally.EInvalid, "give either --usage FILE or --from-db")
	}
	if c.Account != "" && !c.FromDB {
		return tally.Errorf(tally.EInvalid, "--account %s: only with --from-db (a usage file's scenarios are chosen with --scenario)", c.Account)
	}
	if len(c.Scenario) > 0 && c.FromDB {
		return tally.Errorf(tally.EInvalid, "--scenario %s: only with --usage (with --from-db each billing account is a scenario: choose one with --account)",
			strings.Join(c.Scenario, ","))
	}
	if c.Lag < 1 || c.Warmup < 1 {
		return tally.Errorf(tally.EInvalid, "--lag %d, --warmup %d: want at least 1 hour of billing lag (no bill is current) and 1 day of history", c.Lag, c.Warmup)
	}
	if err := checkRisk(c.MinUtilization, c.MaxProbability, c.LockInPenalty); err != nil {
		return err
	}
	if c.Ends < 0 || c.Ends > maxEnds {
		return tally.Errorf(tally.EInvalid, "--ends %d: want 0 to %d (ends a month apart; a usage file spans at most ten years)", c.Ends, maxEnds)
	}
	risk := commitments.Risk{MinUtilization: c.MinUtilization, MaxProbability: c.MaxProbability, LockInPenalty: c.LockInPenalty}
	if _, err := strategiesNamed(c.Strategy, risk, c.Seed); err != nil {
		return err
	}
	if err := c.checkSweep(); err != nil {
		return err
	}
	var usages []*commitments.Usage
	rates := commitments.Rates{}
	if c.Usage != "" {
		us, err := readInput("--usage", c.Usage, commitments.ErrBadUsage, commitments.ReadUsage)
		if err != nil {
			return err
		}
		for _, u := range us {
			if len(c.Scenario) == 0 || contains(c.Scenario, u.Name) {
				usages = append(usages, u)
			}
		}
		if len(usages) == 0 {
			return tally.Errorf(tally.EInvalid, "--scenario %s: not in %s", strings.Join(c.Scenario, ","), c.Usage)
		}
	} else {
		db, closeDB, err := a.openMigrated(ctx)
		if err != nil {
			return err
		}
		defer closeDB()
		if err := checkAccount(ctx, db, c.Account); err != nil {
			return err
		}
		if usages, rates, err = storedUsage(ctx, db, c.Account); err != nil {
			return err
		}
	}
	opt := commitments.BacktestOptions{Lag: c.Lag, Warmup: c.Warmup * 24, Pools: commitments.DefaultPoolOptions, Rates: rates, Ends: c.Ends}
	for _, u := range usages {
		// The first decision is at the end of the warm-up: on usage no
		// longer than it no strategy decides anything, and every one scored
		// 0% ESR at 100% utilization, which --check passed as the target met.
		if u.Hours() <= opt.Warmup {
			src := "--usage " + c.Usage
			if c.FromDB {
				src = "--from-db"
			}
			return tally.Errorf(tally.EInvalid, "%s: scenario %s has %d hour(s) of usage, no more than the --warmup of %d days before the first decision: "+
				"no strategy would decide anything (give more usage, or a shorter --warmup)", src, u.Name, u.Hours(), c.Warmup)
		}
	}
	var reps []*commitments.Report
	for _, u := range usages {
		strategies, _ := strategiesNamed(c.Strategy, risk, c.Seed)
		strategies = append(strategies, c.sweepStrategies(risk)...)
		t := time.Now()
		opt.Progress = func(s string, done, total int) {
			a.log.Info("backtest", "scenario", u.Name, "strategy", s, "done", done, "of", total)
		}
		rep := commitments.Backtest(u, strategies, opt)
		a.log.Info("backtest done", "scenario", u.Name, "hours", u.Hours(), "took", time.Since(t).Round(time.Millisecond))
		reps = append(reps, rep)
	}
	opt.Progress = nil
	var short []string
	for _, u := range usages {
		if u.Hours() < opt.MinHours() {
			short = append(short, fmt.Sprintf("%s (%d days)", u.Name, u.Hours()/24))
		}
	}
	if len(short) > 0 {
		a.log.Warn("usage shorter than the warm-up plus a term: purchases still owe most of their term at the end, and that obligation decides the ESRs",
			"scenarios", strings.Join(short, ", "), "want days", opt.MinHours()/24)
	}
	verdict := targetVerdict(reps, "tally")
	sweep := c.sweepVerdicts(reps)
	if c.Format != "csv" {
		t := time.Now()
		verdict.hindsightAtUtilization(usages, opt)
		for i := range sweep {
			if sweep[i].MinUtilization == c.MinUtilization {
				sweep[i].verdict = verdict
				continue
			}
			sweep[i].hindsightAtUtilization(usages, opt)
		}
		a.log.Info("hindsight held to Tally's utilization", "took", time.Since(t).Round(time.Millisecond))
	}
	switch c.Format {
	case "json":
		out := map[string]any{"reports": reps, "target": verdict}
		if len(sweep) > 0 {
			out["sweep"] = sweep
		}
		if err := writeJSON(a.stdout, out); err != nil {
			return err
		}
	case "csv":
		if err := writeBacktestCSV(a.stdout, reps); err != nil {
			return err
		}
	default:
		writeBacktestTable(a.stdout, reps, verdict)
		writeSweepTable(a.stdout, sweep, c.MaxProbability)
	}
	if c.Check && verdict.Applies && !verdict.Met {
		return targetMissed("commitments backtest: Tally misses the target")
	}
	return nil
}

// storedUsage reads every account's eligible usage from the bill, with the
// rates of the catalog and the bills' on-demand prices.
func storedUsage(ctx context.Context, db *postgres.DB, account string) ([]*commitments.Usage, commitments.Rates, error) {
	rates, err := db.CommitmentRates(ctx)
	if err != nil {
		return nil, commitments.Rates{}, err
	}
	accounts := []string{account}
	if account == "" {
		bas, err := db.BillingAccounts(ctx)
		if err != nil {
			return nil, commitments.Rates{}, err
		}
		accounts = accounts[:0]
		for _, b := range bas {
			accounts = append(accounts, b.ID)
		}
	}
	now := time.Now().UTC()
	var out []*commitments.Usage
	for _, acct := range accounts {
		u, err := db.EligibleUsage(ctx, acct, tally.Window{Start: now.AddDate(-3, 0, 0), End: now})
		if err != nil {
			return nil, commitments.Rates{}, err
		}
		if u = u.Trim(); u.Hours() >= 48 {
			u.Name = acct
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return nil, commitments.Rates{}, tally.Errorf(tally.ENotReady, "no eligible usage in the stored bill: ingest a bill first")
	}
	return out, rates, nil
}

// strategiesNamed builds fresh strategies from their names.
func strategiesNamed(names []string, risk commitments.Risk, seed uint64) ([]commitments.Strategy, error) {
	var out []commitments.Strategy
	for _, n := range names {
		switch {
		case n == "none":
			out = append(out, commitments.None{})
		case n == "static-quantile":
			out = append(out, &commitments.Quantile{Days: 14})
		case n == "quarterly":
			out = append(out, &commitments.Rolling{})
		case n == "tally":
			out = append(out, &commitments.Tally{Risk: risk, Seed: seed})
		case strings.HasPrefix(n, "lookback-") && strings.HasSuffix(n, "d"):
			d, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(n, "lookback-"), "d"))
			if err != nil || d < 1 || d > 365 {
				return nil, tally.Errorf(tally.EInvalid, "--strategy %q: want lookback-Nd with 1 ≤ N ≤ 365", n)
			}
			out = append(out, commitments.Lookback{Days: d})
		default:
			return nil, tally.Errorf(tally.EInvalid, "--strategy %q: want none, lookback-Nd, static-quantile, quarterly or tally", n)
		}
	}
	return out, nil
}

// verdict is Tally against the target on a set of scenarios.
type verdict struct {
	Applies            bool              `json:"applies"` // Tally, hindsight and a lookback were all run
	Met                bool              `json:"met"`
	AverageRegret      float64           `json:"averageRegretPoints"`
	AverageUtilization float64           `json:"averageUtilization"`
	Scenarios          []scenarioVerdict `json:"scenarios"`
}

type scenarioVerdict struct {
	Scenario     string  `json:"scenario"`
	TallyESR     float64 `json:"tallyESR"`
	BestLookback string  `json:"bestLookback"`
	LookbackESR  float64 `json:"bestLookbackESR"`
	Regret       float64 `json:"regretPoints"`
	// PastEnd is the part of Regret owed past the horizon: Tally's
	// remaining obligation at the end less hindsight's, in points of the
	// on-demand equivalent. Hindsight knows where the usage ends and plans
	// around it; no strategy walking forward can.
	PastEnd      float64 `json:"regretPastEndPoints"`
	Utilization  float64 `json:"utilization"`
	BeatsLookbck bool    `json:"atLeastBestLookback"`
	// HindsightESR is hindsight's ESR held to Tally's utilization: about
	// the most any strategy with that utilization could have saved. Below
	// the best lookback's, no strategy meets the clause at that utilization.
	HindsightESR float64 `json:"hindsightESRAtUtilization"`
}

// targetVerdict checks the named Tally against the target: on every
// scenario its ESR ≥ the best lookback's; on average within 5 points of
// hindsight; utilization ≥ 97% (on average over the scenarios).
func targetVerdict(reps []*commitments.Report, tallyName string) verdict {
	v := verdict{Applies: true, Met: true}
	for _, rep := range reps {
		t, ok := rep.Result(tallyName)
		if !ok {
			return verdict{}
		}
		sv := scenarioVerdict{Scenario: rep.Scenario, TallyESR: t.ESR, Regret: t.Regret, Utilization: t.Utilization}
		if h, ok := rep.Result("hindsight"); ok && t.Outcome.OD > 0 {
			sv.PastEnd = 100 * (t.Obligation - h.Obligation).Float() / t.Outcome.OD.Float()
		}
		sv.BestLookback, sv.LookbackESR = bestLookback(rep)
		if sv.BestLookback == "" {
			return verdict{}
		}
		sv.BeatsLookbck = t.ESR >= sv.LookbackESR
		v.Met = v.Met && sv.BeatsLookbck
		v.AverageRegret += t.Regret / float64(len(reps))
		v.AverageUtilization += t.Utilization / float64(len(reps))
		v.Scenarios = append(v.Scenarios, sv)
	}
	v.Met = v.Met && v.AverageRegret <= 5 && v.AverageUtilization >= 0.97
	return v
}

// hindsightAtUtilization sets every scenario's HindsightESR (usages in
// the order of v's scenarios).
func (v *verdict) hindsightAtUtilization(usages []*commitments.Usage, opt commitments.BacktestOptions) {
	if !v.Applies {
		return
	}
	for i := range v.Scenarios {
		s := &v.Scenarios[i]
		s.HindsightESR = commitments.HindsightAtUtilization(usages[i], s.Utilization, opt).ESR
	}
}

// floorBound returns the scenarios on which even hindsight, held to
// Tally's utilization, does not reach the best lookback's ESR.
func (v verdict) floorBound() []scenarioVerdict {
	var out []scenarioVerdict
	for _, s := range v.Scenarios {
		if s.HindsightESR < s.LookbackESR {
			out = append(out, s)
		}
	}
	return out
}

// bestLookback returns the lookback strategy with the highest ESR in rep
// and that ESR ("" without a lookback).
func bestLookback(rep *commitments.Report) (string, float64) {
	var name string
	var best float64
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Strategy, "lookback-") && (name == "" || r.ESR > best) {
			name, best = r.Strategy, r.ESR
		}
	}
	return name, best
}

func writeBacktestTable(w io.Writer, reps []*commitments.Report, v verdict) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tstrategy\tESR\tutilization\tcoverage\twaste $\tobligation $\tlock-in mo\tregret pts\tregret $\tpurchases\t")
	for _, rep := range reps {
		for _, r := range rep.Results {
			if isSweep(r.Strategy) {
				continue // in the sweep's table
			}
			fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%.2f%%\t%.2f%%\t%.0f\t%.0f\t%.1f\t%.2f\t%.0f\t%d\t\n", rep.Scenario, r.Strategy, 100*r.ESR,
				100*r.Utilization, 100*r.Coverage, r.Waste.Float(), r.Obligation.Float(), r.LockIn, r.Regret, r.RegretCost.Float(), r.Purchases)
		}
	}
	tw.Flush()
	if v.Applies {
		writeTargetTable(w, v)
	}
	writeEndsTable(w, reps)
}

// writeTargetTable prints verdict v against the target, per scenario.
func writeTargetTable(w io.Writer, v verdict) {
	fmt.Fprintln(w, "\ntarget: Tally's ESR ≥ the best lookback's on every scenario; within 5 points of hindsight on average; utilization ≥ 97%")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttally ESR\tbest lookback\tits ESR\tΔ pts\tregret pts\tof which past end\tutilization\thindsight at it\t")
	for _, s := range v.Scenarios {
		fmt.Fprintf(tw, "%s\t%.2f%%\t%s\t%.2f%%\t%+.2f\t%.2f\t%.2f\t%.2f%%\t%.2f%%\t\n", s.Scenario, 100*s.TallyESR, s.BestLookback, 100*s.LookbackESR,
			100*(s.TallyESR-s.LookbackESR), s.Regret, s.PastEnd, 100*s.Utilization, 100*s.HindsightESR)
	}
	tw.Flush()
	met := "met"
	if !v.Met {
		met = "MISSED"
	}
	fmt.Fprintf(w, "average regret %.2f points, average utilization %.2f%%: target %s\n", v.AverageRegret, 100*v.AverageUtilization, met)
	fmt.Fprint(w, "hindsight at it: hindsight's ESR held to Tally's utilization on the scenario")
	if below := v.floorBound(); len(below) > 0 {
		fmt.Fprint(w, "; below the best lookback's, so no strategy with that utilization reaches it, on")
		for _, s := range below {
			fmt.Fprintf(w, " %s (%.2f%% < %.2f%%)", s.Scenario, 100*s.HindsightESR, 100*s.LookbackESR)
		}
	}
	fmt.Fprintln(w)
}

// writeEndsTable prints the ESR the strategies would have had, had the
// usage ended at each of the reports' ends, and how much of it is owed past
// the end. It is not part of the target: right after a strategy renews, a
// year of fees is owed past the end, so the mean over a year of ends mostly
// ranks strategies by how little they commit.
func writeEndsTable(w io.Writer, reps []*commitments.Report) {
	if len(reps) == 0 || len(reps[0].Ends) < 2 {
		return
	}
	fmt.Fprintf(w, "\nhad the usage ended earlier: ESR at %d ends a month apart, the last above included (commitments running past an end owe the rest of their term; hindsight plans for the last end only)\n", len(reps[0].Ends))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tstrategy\tmean ESR\tmin\tmax\towed past the end, mean pts\tESR of the hours alone, mean\t")
	for _, rep := range reps {
		for _, r := range rep.Results {
			if len(r.ESRByEnd) == 0 || isSweep(r.Strategy) {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%.2f%%\t%.2f%%\t%.2f\t%.2f%%\t\n", rep.Scenario, r.Strategy, 100*r.MeanESROverEnds(),
				100*slices.Min(r.ESRByEnd), 100*slices.Max(r.ESRByEnd), 100*r.MeanOwedOverEnds(), 100*(r.MeanESROverEnds()+r.MeanOwedOverEnds()))
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "not part of the target: an end just after a strategy renews owes most of a year of its fees, which outweighs everything else in the ESR, so the mean over the ends mostly ranks strategies by how little they commit; the ESR of the hours alone leaves out what is owed past the end, and with it the cost of committing late")
}

func writeBacktestCSV(w io.Writer, reps []*commitments.Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"scenario", "strategy", "esr", "utilization", "coverage", "waste", "obligation", "lock_in_months", "regret_points",
		"regret_cost", "purchases", "od_equivalent", "cost"})
	for _, rep := range reps {
		for _, r := range rep.Results {
			f := func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }
			cw.Write([]string{csvtable.Text(rep.Scenario), r.Strategy, f(r.ESR), f(r.Utilization), f(r.Coverage),
				r.Waste.Money(rep.Currency).Format(2), r.Obligation.Money(rep.Currency).Format(2), f(r.LockIn), f(r.Regret),
				r.RegretCost.Money(rep.Currency).Format(2), strconv.Itoa(r.Purchases), r.Outcome.OD.Money(rep.Currency).Format(2),
				r.Outcome.Cost().Money(rep.Currency).Format(2)})
		}
	}
	cw.Flush()
	return cw.Error()
}

type commitmentsGenerateCmd struct {
	Out  string `short:"o" placeholder:"FILE" help:"Write the usage file here (gzip-compressed when it ends in .gz); default standard output."`
	Seed uint64 `default:"1" help:"Seed (same seed, same scenarios)."`
	Days int    `default:"1095" help:"Days per scenario (60 to 3650)."`
}

func (c *commitmentsGenerateCmd) Run(ctx context.Context, a *app) error {
	if c.Days < 60 || c.Days > 3650 {
		return tally.Errorf(tally.EInvalid, "--days %d: want 60 to 3650", c.Days)
	}
	us := commitments.Generate(commitments.GenerateOptions{Seed: c.Seed, Days: c.Days})
	if c.Out == "" {
		return commitments.WriteUsage(a.stdout, us)
	}
	if err := writeGzipped(c.Out, func(w io.Writer) error { return commitments.WriteUsage(w, us) }); err != nil {
		return err
	}
	names := make([]string, len(us))
	for i, u := range us {
		names[i] = u.Name
	}
	fmt.Fprintf(a.stderr, "wrote %d scenarios (%s) × %d days of hourly usage to %s\n", len(us), strings.Join(names, ", "), c.Days, c.Out)
	return nil
}
