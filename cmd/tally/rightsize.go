package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

// rightsizeCmd groups the right-sizing commands; without a subcommand it recommends.
type rightsizeCmd struct {
	Recommend rightsizeRecommendCmd `cmd:"" default:"withargs" help:"Recommend container requests and limits and node types for the stored workloads (the default)."`
	Backtest  rightsizeBacktestCmd  `cmd:"" help:"Replay usage traces with a rolling origin and score Tally against the VPA and KRR baselines."`
	Generate  rightsizeGenerateCmd  `cmd:"" help:"Write a deterministic synthetic usage trace (steady, diurnal, spiky, growing, batch, leak)."`
}

// priceFlags are the fallback unit prices when attribution has none.
type priceFlags struct {
	CPUPrice    string `name:"cpu-price" default:"0.031611" placeholder:"AMOUNT" help:"Price of a requested core-hour when attribution has none (default: ${default}, OpenCost's default list price)."`
	MemoryPrice string `name:"memory-price" default:"0.004237" placeholder:"AMOUNT" help:"Price of a requested GiB-hour of memory when attribution has none (default: ${default})."`
	Currency    string `default:"USD" help:"Currency of --cpu-price and --memory-price."`
}

// defaultPriceFlags are priceFlags' defaults, which serve's scheduled
// right-sizing uses (TestScheduledPlansUseTheCommandsDefaults keeps them
// equal).
var defaultPriceFlags = priceFlags{CPUPrice: "0.031611", MemoryPrice: "0.004237", Currency: "USD"}

func (f *priceFlags) prices() (rightsizing.UnitPrices, error) {
	cur, err := parseCurrencyFlag(f.Currency)
	if err != nil {
		return rightsizing.UnitPrices{}, err
	}
	cpu, err := tally.ParseMoney(f.CPUPrice, cur)
	if err != nil || cpu.Sign() < 0 {
		return rightsizing.UnitPrices{}, tally.Errorf(tally.EInvalid, "--cpu-price %q: want a non-negative decimal", f.CPUPrice)
	}
	mem, err := tally.ParseMoney(f.MemoryPrice, cur)
	if err != nil || mem.Sign() < 0 {
		return rightsizing.UnitPrices{}, tally.Errorf(tally.EInvalid, "--memory-price %q: want a non-negative decimal", f.MemoryPrice)
	}
	return rightsizing.UnitPrices{CPUCoreHour: cpu, MemoryGiBHour: mem}, nil
}

type rightsizeBacktestCmd struct {
	Trace    string        `required:"" type:"existingfile" placeholder:"FILE" help:"Usage trace, CSV (optionally .gz): container_id,timestamp,cpu_cores,memory_bytes,cpu_request,cpu_limit,memory_request,memory_limit."`
	Strategy []string      `default:"tally,vpa,krr" help:"Strategies to compare, the first scored against the others: tally (the --profile), tally-production, tally-balanced, tally-aggressive, vpa, krr."`
	Profile  string        `default:"balanced" enum:"production,balanced,aggressive" help:"Profile of the 'tally' strategy: ${enum}."`
	Warmup   time.Duration `default:"168h" help:"History before the first origin."`
	Every    time.Duration `default:"24h" help:"Time between origins; each recommendation is scored until the next."`
	Format   string        `default:"table" enum:"table,json,csv" help:"Output format: ${enum}."`
	Patterns bool          `help:"Also show the scores by pattern (the container id up to its last '-')."`
	Check    bool          `help:"Exit with status 3 when the first strategy, a tally one, misses the target against the baselines (vpa, krr) after it."`
	priceFlags
}

// targetMissed is the exit status of backtest --check when the target is missed.
type targetMissed string

func (t targetMissed) Error() string { return string(t) }
func (t targetMissed) ExitCode() int { return 3 }

func (c *rightsizeBacktestCmd) Run(ctx context.Context, a *app) error {
	// Backtest reads zero as "the default": said on the command line, it
	// would run a week's warm-up or daily origins in its place.
	if c.Warmup <= 0 {
		return tally.Errorf(tally.EInvalid, "--warmup %s: want a positive duration of history before the first origin, e.g. 168h", c.Warmup)
	}
	if c.Every < rightsizing.Step || c.Every%rightsizing.Step != 0 {
		return tally.Errorf(tally.EInvalid, "--every %s: want a multiple of %s, e.g. 24h", c.Every, rightsizing.Step)
	}
	prices, err := c.priceFlags.prices()
	if err != nil {
		return err
	}
	strategies, err := strategiesByName(c.Strategy, c.Profile)
	if err != nil {
		return err
	}
	if c.Check && !scoresAgainstABaseline(strategies) {
		return tally.Errorf(tally.EInvalid, "--check --strategy %s: want a tally strategy first, scored against a baseline (vpa or krr) after it", strings.Join(c.Strategy, ","))
	}
	trace, err := readInput("--trace", c.Trace, rightsizing.ErrBadTrace, rightsizing.ReadTrace)
	if err != nil {
		return err
	}
	if first, end := trace.Span(); end.Sub(first) <= c.Warmup {
		return tally.Errorf(tally.EInvalid, "--warmup %s: --trace %s covers %s of usage, no more than the warm-up: lower --warmup to leave days to score, or give a longer trace",
			c.Warmup, c.Trace, end.Sub(first))
	}
	start := time.Now()
	rep, err := rightsizing.Backtest(ctx, trace, strategies, rightsizing.BacktestOptions{
		Warmup: c.Warmup, Every: c.Every, Prices: prices,
		Progress: func(done, total int) {
			if done%10 == 0 || done == total {
				a.log.Info("backtest", "containers", done, "of", total)
			}
		},
	})
	if err != nil {
		return err
	}
	a.log.Debug("backtest done", "elapsed", time.Since(start))
	if err := writeBacktest(a.stdout, rep, c.Format, c.Patterns); err != nil {
		return err
	}
	if c.Check && !rep.TargetMet {
		return targetMissed(rep.TargetVerdict)
	}
	return nil
}

// scoresAgainstABaseline reports whether the backtest's target can be
// checked for strategies: a tally strategy first, a baseline after it.
func scoresAgainstABaseline(strategies []rightsizing.Recommender) bool {
	isTally := func(r rightsizing.Recommender) bool { return strings.HasPrefix(r.Name(), "tally") }
	return len(strategies) > 1 && isTally(strategies[0]) && slices.ContainsFunc(strategies[1:], func(r rightsizing.Recommender) bool { return !isTally(r) })
}

// strategiesByName resolves strategy names; "tally" is the given profile.
func strategiesByName(names []string, profile string) ([]rightsizing.Recommender, error) {
	var out []rightsizing.Recommender
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "vpa":
			out = append(out, rightsizing.VPA{})
		case n == "krr":
			out = append(out, rightsizing.KRR{})
		case n == "tally" || strings.HasPrefix(n, "tally-"):
			name := strings.TrimPrefix(strings.TrimPrefix(n, "tally"), "-")
			if name == "" {
				name = profile
			}
			p, err := rightsizing.ProfileByName(name)
			if err != nil {
				return nil, tally.Errorf(tally.EInvalid, "--strategy %s: %v", n, err)
			}
			out = append(out, p.Recommender())
		default:
			return nil, tally.Errorf(tally.EInvalid, "--strategy %q: want tally, tally-production, tally-balanced, tally-aggressive, vpa or krr", n)
		}
	}
	return out, nil
}

type rightsizeGenerateCmd struct {
	Out        string `short:"o" placeholder:"FILE" help:"Write the trace here (gzip-compressed when it ends in .gz); default standard output."`
	Seed       uint64 `default:"1" help:"Seed (same seed, same trace)."`
	Days       int    `default:"28" help:"Days of usage."`
	PerPattern int    `default:"3" help:"Containers of each pattern."`
}

func (c *rightsizeGenerateCmd) Run(a *app) error {
	if err := cmp.Or(atLeast("--days", c.Days, 1, "day"), atLeast("--per-pattern", c.PerPattern, 1, "container")); err != nil {
		return err
	}
	trace := rightsizing.GenerateTrace(rightsizing.GenerateOptions{Seed: c.Seed, Days: c.Days, PerPattern: c.PerPattern})
	if c.Out == "" {
		return rightsizing.WriteTrace(a.stdout, trace)
	}
	if err := writeGzipped(c.Out, func(w io.Writer) error { return rightsizing.WriteTrace(w, trace) }); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "wrote %d containers × %d days to %s\n", len(trace.Containers), c.Days, c.Out)
	return nil
}
