package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/forecast/synth"
)

type forecastCmd struct {
	Scopes forecastScopesCmd `cmd:"" name:"run" default:"withargs" help:"Forecast daily spend per billing account and per service from the stored bill, and store the forecasts (the default)."`
	Eval   forecastEvalCmd   `cmd:"" help:"Score forecasting models on a competition-format train/test pair (M4 measures)."`
	Synth  forecastSynthCmd  `cmd:"" help:"Write the synthetic hourly (or daily) benchmark suite in the M4 file layout."`
}

type forecastEvalCmd struct {
	Train   string   `required:"" type:"existingfile" placeholder:"TRAIN.csv" help:"Training series, CSV (optionally .gz), wide layout: id, then values in time order."`
	Test    string   `required:"" type:"existingfile" placeholder:"TEST.csv" help:"The next --horizon values of each series (no more, no fewer), same format."`
	Horizon int      `required:"" placeholder:"STEPS" help:"Steps to forecast (M4 hourly: 48)."`
	Season  int      `required:"" placeholder:"STEPS" help:"Season length M (M4 hourly: 24); scales MASE and MSIS and seasonally adjusts Naive2."`
	Seasons []int    `help:"Extra season lengths for multi-seasonal models (default: 168 when --season is 24)."`
	Model   []string `default:"auto" help:"Models to score, comma-separated or repeated: auto, snaive, naive, naive2, ets, theta, mstl, mstl-log, mstl-arima, mstl-log-arima, croston, or all. Naive2 and snaive are always scored."`
	Format  string   `enum:"table,json" default:"table" help:"Output format: ${enum}."`
	Workers int      `placeholder:"N" help:"Series forecast in parallel (0, the default: all cores)."`
}

func (c *forecastEvalCmd) Run(ctx context.Context, a *app) error {
	if err := cmp.Or(atLeast("--horizon", c.Horizon, 1, "step"), atLeast("--season", c.Season, 1, "step")); err != nil {
		return err
	}
	if c.Workers < 0 {
		return tally.Errorf(tally.EInvalid, "--workers %d: want at least 1, or 0 for all cores", c.Workers)
	}
	for _, m := range c.Seasons {
		if m < 2 {
			return tally.Errorf(tally.EInvalid, "--seasons %d: want a season of at least 2 steps", m)
		}
	}
	train, err := readInput("--train", c.Train, forecast.ErrBadInput, forecast.ReadWide)
	if err != nil {
		return err
	}
	test, err := readInput("--test", c.Test, forecast.ErrBadInput, forecast.ReadWide)
	if err != nil {
		return err
	}
	seasons := []int{c.Season}
	extra := c.Seasons
	if extra == nil && c.Season == 24 {
		extra = []int{168}
	}
	seasons = append(seasons, extra...)
	var models []string
	for _, m := range c.Model {
		if m == "all" {
			models = append(models, forecast.Models...)
			continue
		}
		models = append(models, m)
	}
	for _, m := range models {
		if !contains(forecast.Models, m) {
			return tally.Errorf(tally.EInvalid, "--model %q: want one of %s, or all", m, strings.Join(forecast.Models, ", "))
		}
	}
	progress := newProgress(a, len(train))
	rep, err := forecast.Evaluate(train, test, forecast.EvalOptions{
		Horizon: c.Horizon, Seasons: seasons, Models: models, Workers: c.Workers, Progress: progress, CPU: processCPU,
		TrainName: c.Train, TestName: c.Test,
	})
	if errors.Is(err, forecast.ErrBadInput) {
		return tally.Errorf(tally.EInvalid, "%w", err)
	}
	if err != nil {
		return err
	}
	if c.Format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeEvalTable(a.stdout, rep)
	return nil
}

// newProgress logs progress at most every five seconds.
func newProgress(a *app, total int) func(model string, done, total int) {
	last := time.Now()
	return func(model string, done, n int) {
		if time.Since(last) < 5*time.Second && done != n {
			return
		}
		last = time.Now()
		a.log.Info("forecasting", "model", model, "done", done, "of", n)
	}
}

func writeEvalTable(w io.Writer, rep *forecast.EvalReport) {
	fmt.Fprintf(w, "%d series, horizon %d, season %d, %s\n", rep.Series, rep.Horizon, rep.Season, countText(rep.Workers, "worker"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tsMAPE\tMASE\tOWA\tcov80\tcov95\tMSIS\twall\tCPU\tCPU/series\t")
	for _, m := range rep.Models {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1fs\t%.1fs\t%.1fms\t\n", m.Model,
			measure("%.3f", m.SMAPE), measure("%.3f", m.MASE), measure("%.3f", m.OWA),
			measure("%.1f%%", 100*m.Coverage80), measure("%.1f%%", 100*m.Coverage95), measure("%.3f", m.MSIS),
			m.Wall.Seconds(), m.CPU.Seconds(), 1000*m.CPU.Seconds()/float64(max(1, m.Series)))
	}
	tw.Flush()
	for _, m := range rep.Models {
		for _, n := range m.Notes {
			fmt.Fprintf(w, "%s: %s\n", m.Model, n)
		}
		if len(m.Errors) > 0 {
			fmt.Fprintf(w, "%s failed on %d series, e.g. %s\n", m.Model, len(m.Errors), m.Errors[0])
		}
		if m.Unscaled > 0 && m.MASE.Defined() { // else a note says all were
			fmt.Fprintf(w, "%s: %d series with a constant history left out of MASE and MSIS\n", m.Model, m.Unscaled)
		}
		if len(m.Chosen) > 0 {
			fmt.Fprintf(w, "%s picked:", m.Model)
			for _, k := range sortedKeys(m.Chosen) {
				fmt.Fprintf(w, " %s %d", k, m.Chosen[k])
			}
			fmt.Fprintln(w)
		}
	}
}

// measure formats an accuracy measure, "–" when it is undefined (the
// report's notes say why).
func measure(format string, m forecast.Measure) string {
	if !m.Defined() {
		return "–"
	}
	return fmt.Sprintf(format, float64(m))
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type forecastSynthCmd struct {
	Out       string `required:"" placeholder:"DIR" help:"Directory to write Hourly-train.csv and Hourly-test.csv (or Daily-…) to."`
	Series    int    `default:"414" help:"Number of series."`
	Horizon   int    `default:"48" help:"Test length in steps (hours, or days with --frequency daily)."`
	Seed      uint64 `default:"1" help:"Seed (same seed, same suite)."`
	Frequency string `default:"hourly" enum:"hourly,daily" help:"hourly, or daily: the hourly series summed per day (200–360 days of history), as a daily bill is."`
	MinLength int    `placeholder:"STEPS" help:"Shortest training history, in steps (default: 700 hours, or 200 days)."`
	MaxLength int    `placeholder:"STEPS" help:"Longest training history, in steps (default: 960 hours, or 360 days)."`
}

func (c *forecastSynthCmd) Run(ctx context.Context, a *app) error {
	if err := cmp.Or(atLeast("--series", c.Series, 1, "series"), atLeast("--horizon", c.Horizon, 1, "step")); err != nil {
		return err
	}
	if (c.MinLength == 0) != (c.MaxLength == 0) {
		return tally.Errorf(tally.EInvalid, "--min-length and --max-length go together (got %d and %d)", c.MinLength, c.MaxLength)
	}
	if c.MinLength != 0 && (c.MinLength < 14 || c.MaxLength < c.MinLength) {
		return tally.Errorf(tally.EInvalid, "--min-length %d, --max-length %d: want 14 ≤ min ≤ max", c.MinLength, c.MaxLength)
	}
	generate, prefix := synth.Hourly, "Hourly"
	if c.Frequency == "daily" {
		generate, prefix = synth.Daily, "Daily"
	}
	suite := generate(synth.Config{Series: c.Series, Horizon: c.Horizon, Seed: c.Seed, MinLen: c.MinLength, MaxLen: c.MaxLength})
	train := make([]forecast.WideSeries, len(suite))
	test := make([]forecast.WideSeries, len(suite))
	for i, s := range suite {
		train[i] = forecast.WideSeries{ID: s.ID, Values: s.Train}
		test[i] = forecast.WideSeries{ID: s.ID, Values: s.Test}
	}
	if err := mkdirOutput("--out", c.Out); err != nil {
		return err
	}
	for name, ss := range map[string][]forecast.WideSeries{prefix + "-train.csv": train, prefix + "-test.csv": test} {
		if err := writeFileAtomic(filepath.Join(c.Out, name), func(w io.Writer) error { return forecast.WriteWide(w, ss) }); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "wrote %d %s series (horizon %d, seed %d) to %s\n", c.Series, c.Frequency, c.Horizon, c.Seed, c.Out)
	return nil
}

// atLeast refuses a flag's value under least, naming both and the unit:
// "--horizon 0: want at least 1 day".
func atLeast(flag string, v, least int, unit string) error {
	if v >= least {
		return nil
	}
	return tally.Errorf(tally.EInvalid, "%s %d: want at least %d %s", flag, v, least, unit)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// most picked first
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && (m[keys[j]] > m[keys[j-1]] || m[keys[j]] == m[keys[j-1]] && keys[j] < keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

type forecastScopesCmd struct {
	Scope   []string `placeholder:"SCOPE" help:"What to forecast: spend (every account and service), spend/account, spend/service, or exact scopes such as spend/account/123456789012; repeat or comma-separate. Default: spend."`
	Horizon int      `default:"90" help:"Days to forecast."`
	History int      `default:"365" help:"Days of history to read: two weeks at least, the models' weekly season twice."`
	Lag     int      `default:"2" help:"Most recent days left out because the bill is not final yet."`
	Basis   string   `enum:"amortized,billed,list" default:"amortized" help:"Cost basis: ${enum}. Only amortized forecasts are stored (the dashboard and the weekly report read them); billed and list ones are printed."`
	Format  string   `enum:"table,json" default:"table" help:"Output format: ${enum}."`
	NoStore bool     `help:"Print the forecasts and keep the stored ones, which the dashboard and the weekly report read: for a look back with --lag."`
}

func (c *forecastScopesCmd) Run(ctx context.Context, a *app) error {
	if err := cmp.Or(atLeast("--horizon", c.Horizon, 1, "day"), atLeast("--lag", c.Lag, 0, "days")); err != nil {
		return err
	}
	if err := atLeast("--history", c.History, forecast.MinSpendHistory, "days"); err != nil {
		return fmt.Errorf("%w: %s", err, forecast.MinSpendHistoryWhy)
	}
	if err := forecast.CheckSpendScopes(c.Scope); err != nil {
		return err
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	opt := forecast.SpendOptions{Scopes: c.Scope, Horizon: c.Horizon, History: c.History, Lag: c.Lag, Basis: tally.CostBasis(c.Basis), NoStore: c.NoStore}
	opt.Progress = func(f tally.Forecast) {
		a.log.Debug("forecast made", "scope", f.Scope, "model", f.Model, "stored", opt.Stored())
	}
	fs, err := forecast.ForecastSpend(ctx, db, opt)
	if tally.ErrorCode(err) == tally.ENotFound {
		// An exact --scope the bill does not name in the window read (an
		// unknown account, or --history/--lag past it) is bad input: exit 2.
		return tally.Errorf(tally.EInvalid, "--scope: %s (--history %d days, --lag %d)", tally.ErrorMessage(err), c.History, c.Lag)
	}
	if err != nil {
		return err
	}
	if c.Format == "json" {
		return writeSpendJSON(a.stdout, fs)
	}
	if len(fs) == 0 {
		// The window ForecastSpend read: the bill may be there, but not in it.
		end := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -c.Lag)
		fmt.Fprintf(a.stdout, "no cost lines from %s to %s (--history %d days, --lag %d) to forecast: ingest a bill covering them, or widen --history\n",
			end.AddDate(0, 0, -c.History).Format(time.DateOnly), end.Format(time.DateOnly), c.History, c.Lag)
		return nil
	}
	writeSpendTable(a.stdout, fs)
	switch {
	case c.NoStore:
		fmt.Fprintln(a.stdout, "not stored (--no-store): the stored spend forecasts, which the dashboard and the weekly report read, are kept")
	case !opt.Stored():
		fmt.Fprintf(a.stdout, "not stored: the stored spend forecasts are of amortized cost (the dashboard and the weekly report read them); these are of %s cost\n", c.Basis)
	}
	return nil
}

// namedForecast is a forecast as --format json writes it: with its scope
// as stored ("spend/service/AWS%20Data%20Transfer") and as the bill names
// it ("spend/service/AWS Data Transfer").
type namedForecast struct {
	tally.Forecast
	Name string `json:"name"`
}

// writeSpendJSON writes the forecasts of tally forecast --format json.
func writeSpendJSON(w io.Writer, fs []tally.Forecast) error {
	out := make([]namedForecast, len(fs))
	for i, f := range fs {
		out[i] = namedForecast{Forecast: f, Name: forecast.ScopeName(f.Scope)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeSpendTable writes the table of tally forecast: a row a scope, named
// as the bill names it, with the sum of its first days and its last day.
func writeSpendTable(w io.Writer, fs []tally.Forecast) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// The forecasts start after their history, which ends with the bill or
	// --lag days before today: the columns say their dates. Every scope's
	// history ends on the same day, the bill's last one read.
	pts := fs[0].Points
	days := len(pts) // the horizon when a month or less (--horizon 31 sums a 31-day month), else 30 days of it
	if days > 31 {
		days = 30
	}
	sum := fmt.Sprintf("%s to %s (%d days)", pts[0].T.Format(time.DateOnly), pts[days-1].T.Format(time.DateOnly), days)
	if days == 1 {
		sum = pts[0].T.Format(time.DateOnly)
	}
	fmt.Fprintf(tw, "scope\tmodel\tcurrency\t%s\ton %s (95%% interval)\tbacktest MASE\n", sum, pts[len(pts)-1].T.Format(time.DateOnly))
	for _, f := range fs {
		var sum float64
		for _, p := range f.Points[:min(days, len(f.Points))] {
			sum += p.Mean
		}
		last := f.Points[len(f.Points)-1]
		var acc forecast.Backtest
		_ = json.Unmarshal(f.Accuracy, &acc)
		mase := "–" // too short to validate: no backtest, not a perfect one
		if acc.Origins > 0 {
			mase = fmt.Sprintf("%.3f", acc.MASE)
		}
		var params struct{ Currency tally.Currency }
		_ = json.Unmarshal(f.Params, &params)
		cur := string(params.Currency)
		if cur == "" {
			cur = "–" // a scope with no cost line in the window read
		}
		money := func(v float64) string { return estimateText(v, params.Currency) }
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s (%s – %s)\t%s\n", forecast.ScopeName(f.Scope), f.Model, cur, money(sum), money(last.Mean), money(last.Lo95), money(last.Hi95), mase)
	}
	tw.Flush()
}

// estimateText writes a forecast amount, an estimate kept as a float, as
// the dashboard writes money: to the cent with its currency ("$2,622.36").
func estimateText(v float64, cur tally.Currency) string {
	m, err := tally.FromFloat(v, cur)
	if err != nil {
		return "–" // not a number: no estimate
	}
	return moneyText(m)
}
