package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// ciCmd is `tally ci`: the pull-request cost gate.
type ciCmd struct {
	Diff  ciDiffCmd  `cmd:"" help:"Compare CPU profiles of a change (head) with its base; gate on the cost in money a year."`
	Bench ciBenchCmd `cmd:"" help:"Compare 'go test -bench' results of a change with its base; gate on the cost in money a year."`
}

type ciDiffCmd struct {
	Base       []string `required:"" placeholder:"PATH" help:"Base profiles: pprof files, or directories of repeated runs (repeatable)."`
	Head       []string `required:"" placeholder:"PATH" help:"Head (change) profiles: pprof files, or directories of repeated runs (repeatable)."`
	UnitOfWork *float64 `name:"unit-of-work" xor:"unit" placeholder:"N" help:"Units of work (requests, iterations) each profile did, above 0: values are per unit."`
	PerProfile bool     `name:"per-profile" xor:"unit" help:"Each profile is one unit of work (the default)."`
	SampleType string   `name:"sample-type" placeholder:"TYPE" help:"Profile sample type to compare (default: cpu, else the profile's default)."`

	UnitsPerYear     float64 `name:"units-per-year" xor:"volume" placeholder:"N" help:"Units of work the workload does a year: prices the absolute change of CPU per unit."`
	CoreHoursPerYear float64 `name:"core-hours-per-year" xor:"volume" placeholder:"H" help:"The workload's CPU a year in core-hours: prices the relative change (--server gives it)."`

	ciPricingFlags
	ciGateFlags
	ciOutputFlags
}

type ciBenchCmd struct {
	Base         []string `required:"" placeholder:"FILE" help:"Base 'go test -bench' output (repeatable)."`
	Head         []string `required:"" placeholder:"FILE" help:"Head (change) 'go test -bench' output (repeatable)."`
	CallsPerYear []string `name:"calls-per-year" placeholder:"N|NAME=N" help:"How often a benchmarked operation runs a year in production: N for every benchmark, NAME=N for one (repeatable)."`

	ciPricingFlags
	ciGateFlags
	ciOutputFlags
}

// ciDefaultWindow is --window's default; keep the two the same.
const ciDefaultWindow = "30d"

// ciPricingFlags give the price of CPU: from flags, or from a Tally server's attribution.
type ciPricingFlags struct {
	PricePerCoreHour string `name:"price-per-core-hour" xor:"price" placeholder:"X" help:"Amortized price of one core-hour, e.g. 0.0425."`
	Currency         string `default:"USD" help:"Currency of --price-per-core-hour and --max-annual-increase."`
	Server           string `xor:"price" env:"TALLY_SERVER" placeholder:"URL" help:"Tally server to ask for the workload's real price per core-hour and CPU a year."`
	Workload         string `placeholder:"NS/NAME" help:"Workload to price with --server."`
	Cluster          string `placeholder:"NAME" help:"Cluster of --workload (default: every cluster running it)."`
	Window           string `default:"30d" help:"Trailing window the server averages over (with --server)."`
	Token            string `env:"TALLY_TOKEN" placeholder:"TOKEN" help:"Bearer token for --server."`
	TokenFile        string `name:"token-file" type:"path" placeholder:"FILE" help:"File holding the bearer token for --server."`
}

// ciGateFlags say when a change fails.
type ciGateFlags struct {
	Threshold         string  `placeholder:"PCT" help:"Fail when CPU per unit of work (ci diff) or time per op (ci bench) grows significantly more than this, e.g. 2% (the default when no --max-annual-increase)."`
	MaxAnnualIncrease string  `name:"max-annual-increase" placeholder:"AMOUNT" help:"Fail when the cost grows significantly more than this a year, e.g. 1000."`
	Alpha             float64 `default:"0.05" help:"Significance level of the Mann-Whitney U test."`
	Confidence        float64 `default:"0.95" help:"Confidence level of the intervals."`
}

// ciOutputFlags say how to report.
type ciOutputFlags struct {
	Format        string `enum:"markdown,json,junit,github,text" default:"markdown" help:"Output: ${enum}. github writes annotations to stdout, the job summary to $$GITHUB_STEP_SUMMARY and the PR comment to --comment-file."`
	Output        string `short:"o" type:"path" placeholder:"FILE" help:"Write the report to FILE instead of stdout (markdown, json, junit, text; not github)."`
	Top           int    `default:"10" help:"Rows of functions or benchmarks to show (at least 1; --format json lists them all)."`
	StepSummary   string `name:"step-summary" env:"GITHUB_STEP_SUMMARY" type:"path" placeholder:"FILE" help:"Job summary file to append to (github format)."`
	CommentFile   string `name:"comment-file" type:"path" placeholder:"FILE" help:"Write a pull-request comment body with a hidden marker to FILE (github format)."`
	CommentMarker string `name:"comment-marker" placeholder:"NAME" help:"Hidden marker of the --comment-file comment, so a workflow updates its own comment (default: tally-ci)."`
	SourceRoot    string `name:"source-root" env:"GITHUB_WORKSPACE" placeholder:"DIR" help:"Repository root, to point annotations at files and name your function a change in library code was reached from (default: the current directory)."`
}

func (c *ciDiffCmd) Run(ctx context.Context, a *app) error {
	opt := cicheck.ProfileOptions{SampleType: c.SampleType}
	if c.UnitOfWork != nil {
		// Zero is no number of units of work (an unset variable, say), not
		// "per profile": that is --per-profile, the default.
		if n := *c.UnitOfWork; !(n > 0) || math.IsInf(n, 0) {
			return ciErr(tally.Errorf(tally.EInvalid, "--unit-of-work %v: want the units of work each profile did, a number above 0 (or --per-profile, the default)", n))
		}
		opt.UnitsOfWork = *c.UnitOfWork
	}
	if err := c.ciOutputFlags.check(); err != nil {
		return ciErr(err)
	}
	cfg, err := c.config(ctx, a)
	if err != nil {
		return ciErr(err)
	}
	cfg.Own = c.ownCode()
	var seen runFiles
	base, err := readProfiles(a, "base", c.Base, opt, &seen)
	if err != nil {
		return ciErr(err)
	}
	head, err := readProfiles(a, "head", c.Head, opt, &seen)
	if err != nil {
		return ciErr(err)
	}
	rep, err := cicheck.DiffProfiles(base, head, cfg)
	if err != nil {
		return ciErr(err)
	}
	return c.ciOutputFlags.emit(a, rep)
}

// config turns the flags into a cicheck.Config, asking the server if given.
func (c *ciDiffCmd) config(ctx context.Context, a *app) (cicheck.Config, error) {
	cfg, err := c.ciGateFlags.config(c.Currency)
	if err != nil {
		return cfg, err
	}
	p, err := c.ciPricingFlags.pricing(ctx, a)
	if err != nil {
		return cfg, err
	}
	if p == nil && (c.UnitsPerYear > 0 || c.CoreHoursPerYear > 0) {
		return cfg, tally.Errorf(tally.EInvalid, "--units-per-year and --core-hours-per-year need a price: give --price-per-core-hour or --server")
	}
	if p != nil {
		if c.UnitsPerYear > 0 {
			p.UnitsPerYear = c.UnitsPerYear
			c.volumeFrom(p, "units of work", "--units-per-year")
		}
		if c.CoreHoursPerYear > 0 {
			p.CoreHoursPerYear = c.CoreHoursPerYear
			c.volumeFrom(p, "core-hours", "--core-hours-per-year")
		}
		cfg.Pricing = p
	}
	return cfg, nil
}

// volumeFrom says in the source of a server's price that the volume came
// from flag, not from the server the source names.
func (c *ciDiffCmd) volumeFrom(p *cicheck.Pricing, what, flag string) {
	if c.Server != "" {
		p.Source += "; " + what + " a year from " + flag
	}
}

func (c *ciBenchCmd) Run(ctx context.Context, a *app) error {
	if err := c.ciOutputFlags.check(); err != nil {
		return ciErr(err)
	}
	cfg, err := c.ciGateFlags.config(c.Currency)
	if err != nil {
		return ciErr(err)
	}
	calls, err := cicheck.ParseCalls(c.CallsPerYear)
	if err != nil {
		return ciErr(fmt.Errorf("--calls-per-year: %w", err))
	}
	if cfg.Pricing, err = c.ciPricingFlags.pricing(ctx, a); err != nil {
		return ciErr(err)
	}
	var seen runFiles
	read := func(side string, paths []string) (*cicheck.BenchSet, error) {
		var set cicheck.BenchSet
		for _, p := range paths {
			if err := seen.add(side, p); err != nil {
				return nil, err
			}
			if err := readFile(p, func(r io.Reader) error { return cicheck.ReadBench(&set, p, r) }); err != nil {
				return nil, err
			}
		}
		return &set, nil
	}
	base, err := read("base", c.Base)
	if err != nil {
		return ciErr(err)
	}
	head, err := read("head", c.Head)
	if err != nil {
		return ciErr(err)
	}
	rep, err := cicheck.DiffBench(base, head, calls, cfg)
	if err != nil {
		return ciErr(err)
	}
	return c.ciOutputFlags.emit(a, rep)
}

// config reads the gate and statistics flags.
func (g *ciGateFlags) config(currency string) (cicheck.Config, error) {
	cfg := cicheck.Config{Stats: cicheck.Stats{Alpha: g.Alpha, Confidence: g.Confidence}, Gate: cicheck.Gate{MaxIncrease: -1}}
	if !(g.Alpha > 0 && g.Alpha < 1) {
		return cfg, tally.Errorf(tally.EInvalid, "--alpha %v: want a significance level above 0 and below 1, such as 0.05", g.Alpha)
	}
	if !(g.Confidence > 0 && g.Confidence < 1) {
		return cfg, tally.Errorf(tally.EInvalid, "--confidence %v: want a confidence level above 0 and below 1, such as 0.95", g.Confidence)
	}
	if g.Threshold != "" {
		t, err := cicheck.ParseThreshold(g.Threshold)
		if err != nil {
			return cfg, fmt.Errorf("--threshold: %w", err)
		}
		cfg.Gate.MaxIncrease = t
	}
	if g.MaxAnnualIncrease != "" {
		cur, err := parseCurrencyFlag(currency)
		if err != nil {
			return cfg, err
		}
		m, err := tally.ParseMoney(strings.TrimSpace(g.MaxAnnualIncrease), cur)
		if err != nil || m.Sign() < 0 {
			return cfg, tally.Errorf(tally.EInvalid, "--max-annual-increase %q: want an amount ≥ 0 such as 1000", g.MaxAnnualIncrease)
		}
		cfg.Gate.MaxAnnualIncrease = &m
	}
	if g.Threshold == "" && g.MaxAnnualIncrease == "" {
		cfg.Gate = cicheck.DefaultGate
	}
	return cfg, nil
}

// pricing returns the price from the flags or the server; nil when neither is given.
func (f *ciPricingFlags) pricing(ctx context.Context, a *app) (*cicheck.Pricing, error) {
	if err := f.checkServerFlags(); err != nil {
		return nil, err
	}
	switch {
	case f.PricePerCoreHour != "":
		cur, err := parseCurrencyFlag(f.Currency)
		if err != nil {
			return nil, err
		}
		m, err := tally.ParseMoney(strings.TrimSpace(f.PricePerCoreHour), cur)
		if err != nil || m.Sign() < 0 {
			return nil, tally.Errorf(tally.EInvalid, "--price-per-core-hour %q: want an amount ≥ 0 such as 0.0425", f.PricePerCoreHour)
		}
		return &cicheck.Pricing{PricePerCoreHour: m, Source: "--price-per-core-hour"}, nil
	case f.Server != "":
		if f.Workload == "" {
			return nil, tally.Errorf(tally.EInvalid, "--server needs --workload NS/NAME")
		}
		token := f.Token
		if f.TokenFile != "" {
			b, err := os.ReadFile(f.TokenFile)
			if err != nil {
				return nil, tally.Errorf(tally.EInvalid, "--token-file: %v", err)
			}
			token = strings.TrimSpace(string(b))
		}
		a.log.Info("asking the Tally server for the workload's cost rate", "server", redactURL(f.Server), "workload", f.Workload)
		cl := &costRateClient{HTTP: &http.Client{Timeout: 30 * time.Second}, Server: f.Server, Token: token}
		rate, err := cl.Get(ctx, f.Workload, f.Cluster, f.Window)
		if err != nil {
			return nil, err
		}
		price, err := rate.Price()
		if err != nil {
			return nil, err
		}
		if rate.CoreHoursPerYear <= 0 {
			return nil, tally.Errorf(tally.EInvalid, "Tally server: workload %s used no CPU in the window (%s; it has requests but no usage measured), so a change of its CPU has no yearly amount: try a longer --window, another --cluster, or price with --price-per-core-hour", rate.Workload, f.Window)
		}
		// The source is shown in the pull request: no password.
		src := fmt.Sprintf("Tally server %s, workload %s", redactURL(f.Server), rate.Workload)
		if rate.Cluster != "" {
			src += " in " + string(rate.Cluster)
		}
		if !rate.Window.Start.IsZero() {
			src += fmt.Sprintf(", %s to %s", rate.Window.Start.Format(time.DateOnly), rate.Window.End.Format(time.DateOnly))
		}
		if rate.Basis != "" {
			src += ", " + rate.Basis
		}
		return &cicheck.Pricing{PricePerCoreHour: price, CoreHoursPerYear: rate.CoreHoursPerYear, Source: src}, nil
	case f.Workload != "":
		return nil, tally.Errorf(tally.EInvalid, "--workload needs --server URL")
	}
	return nil, nil
}

// profileExts are the file names taken from a directory of runs.
var profileExts = []string{".pprof", ".prof", ".pb.gz", ".pb", ".out", ".profile"}

// runFiles are the files of runs read so far, to refuse one given twice: the
// same directory twice, a directory and a file in it, or one file as base
// and as head. Counted twice, a run would weigh as two independent runs and
// the U test would find a difference more certain than the runs show.
type runFiles []struct {
	side, path string
	info       os.FileInfo
}

// add records path as a run of side, or refuses it if it was read already.
func (s *runFiles) add(side, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return tally.Errorf(tally.EInvalid, "%s: %v", side, err)
	}
	for _, f := range *s {
		if !os.SameFile(f.info, st) {
			continue
		}
		if f.side == side {
			also := ""
			if f.path != path {
				also = " (also as " + path + ")"
			}
			return tally.Errorf(tally.EInvalid, "%s run %s is given twice%s: each run must count once", side, f.path, also)
		}
		also := ""
		if f.path != path {
			also = " (as " + f.path + ")"
		}
		return tally.Errorf(tally.EInvalid, "%s run %s is also a base run%s: base and head must be different runs", side, path, also)
	}
	*s = append(*s, struct {
		side, path string
		info       os.FileInfo
	}{side, path, st})
	return nil
}

// readProfiles reads every profile given: files as they are, directories by
// their files named like profiles (cpu.out, run-3.pprof, …). seen holds the
// files read before (the base's, when reading the head); a file read twice
// is refused.
func readProfiles(a *app, side string, paths []string, opt cicheck.ProfileOptions, seen *runFiles) ([]*cicheck.Run, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "%s profiles: %v", side, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, tally.Errorf(tally.EInvalid, "%s profiles: %v", side, err)
		}
		n := 0
		for _, e := range ents {
			name := e.Name()
			if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !slices.ContainsFunc(profileExts, func(x string) bool { return strings.HasSuffix(name, x) }) {
				continue
			}
			files = append(files, filepath.Join(p, name))
			n++
		}
		if n == 0 {
			return nil, tally.Errorf(tally.EInvalid, "%s profiles: directory %s holds no profiles (files named *%s)", side, p, strings.Join(profileExts, ", *"))
		}
	}
	runs := make([]*cicheck.Run, 0, len(files))
	for _, f := range files {
		if err := seen.add(side, f); err != nil {
			return nil, err
		}
		err := readFile(f, func(r io.Reader) error {
			run, err := cicheck.ReadProfile(f, r, opt)
			if err == nil {
				runs = append(runs, run)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	a.log.Debug("read profiles", "side", side, "count", len(runs))
	return runs, nil
}

// readFile opens path for fn; a file that cannot be opened is invalid input.
func readFile(path string, fn func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return tally.Errorf(tally.EInvalid, "%v", err)
	}
	defer f.Close()
	return fn(f)
}

// checkServerFlags refuses, without --server, the flags only it uses: they
// would do nothing, and a workflow whose TALLY_SERVER was unset would price
// otherwise, or not at all, without a word. --window is refused when not
// its default; --token, from $TALLY_TOKEN too, is not.
func (f *ciPricingFlags) checkServerFlags() error {
	if f.Server != "" {
		return nil
	}
	window := f.Window
	if window == ciDefaultWindow {
		window = ""
	}
	for _, fl := range []struct{ name, value string }{
		{"--workload", f.Workload}, {"--cluster", f.Cluster}, {"--token-file", f.TokenFile}, {"--window", window},
	} {
		if fl.value != "" {
			return tally.Errorf(tally.EInvalid, "%s %s: only --server uses it (the Tally server to price the workload with); without --server it would do nothing", fl.name, fl.value)
		}
	}
	return nil
}

// check refuses output flags out of range, and file flags of another
// format than --format's.
func (o *ciOutputFlags) check() error {
	if o.Top < 1 { // the renderers read 0 as their default, 10
		return tally.Errorf(tally.EInvalid, "--top %d: want at least 1 row (--format json lists them all)", o.Top)
	}
	// A file flag of another format would do nothing: a workflow would
	// find no comment to post, or no report, and not know why.
	if o.CommentFile != "" && o.Format != "github" {
		return tally.Errorf(tally.EInvalid, "--comment-file %s: only --format github writes a pull-request comment (for the report alone, -o %s)", o.CommentFile, o.CommentFile)
	}
	if o.CommentMarker != "" && (o.CommentFile == "" || o.Format != "github") {
		return tally.Errorf(tally.EInvalid, "--comment-marker %s: it marks the pull-request comment --comment-file writes (--format github); there is none", o.CommentMarker)
	}
	if o.Output != "" && o.Output != "-" && o.Format == "github" {
		return tally.Errorf(tally.EInvalid, "-o %s: --format github writes its annotations to stdout, where the runner reads them, the job summary to --step-summary and the comment to --comment-file", o.Output)
	}
	return nil
}

// emit renders the report, writes it where the flags say and turns its
// verdict into the exit status.
func (o *ciOutputFlags) emit(a *app, rep *cicheck.Report) error {
	var out bytes.Buffer
	var werr error
	if o.Format == "github" {
		summary, comment, err := o.renderGitHub(rep, &out)
		if err != nil {
			return err
		}
		werr = o.writeGitHub(summary, comment, &out)
	} else if err := o.render(&out, rep); err != nil {
		return err
	}
	return verdictError(rep, errors.Join(werr, o.writeReport(a, rep, out.Bytes())))
}

// render renders rep in o.Format (not github) to out.
func (o *ciOutputFlags) render(out io.Writer, rep *cicheck.Report) error {
	switch o.Format {
	case "json":
		return cicheck.RenderJSON(out, rep)
	case "junit":
		return cicheck.RenderJUnit(out, rep)
	case "text":
		return cicheck.RenderText(out, rep, o.Top)
	}
	return cicheck.RenderMarkdown(out, rep, cicheck.MarkdownOptions{Top: o.Top})
}

// writeReport writes the rendered report to --output, or to stdout. With
// --output, stderr says a pass's headline; a regression's, or no verdict's,
// is in the error verdictError makes of it.
func (o *ciOutputFlags) writeReport(a *app, rep *cicheck.Report, out []byte) error {
	if o.Output == "" || o.Output == "-" || o.Format == "github" {
		if _, err := a.stdout.Write(out); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return nil
	}
	if rep.Verdict != cicheck.Fail && rep.Verdict != cicheck.Insufficient {
		fmt.Fprintln(a.stderr, rep.Headline)
	}
	if err := writeOutput(o.Output, out); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// renderGitHub writes annotations to out and returns the job summary and
// the comment body (nil without --comment-file).
func (o *ciOutputFlags) renderGitHub(rep *cicheck.Report, out io.Writer) (summary, comment []byte, err error) {
	root := o.sourceRoot()
	opt := cicheck.GitHubOptions{
		MarkdownOptions: cicheck.MarkdownOptions{Top: o.Top, Marker: o.CommentMarker},
		SourceRoot:      root,
		ModulePath:      modulePath(root),
	}
	var sum, com bytes.Buffer
	comW := io.Writer(&com)
	if o.StepSummary != "" {
		// The limit is per step: leave room for what the step wrote already.
		if st, err := os.Stat(o.StepSummary); err == nil {
			opt.MaxBytes = max(cicheck.SummaryLimit-int(st.Size()), 1)
		}
	}
	if o.CommentFile == "" {
		comW = nil
	}
	if err := cicheck.RenderGitHub(out, &sum, comW, rep, opt); err != nil {
		return nil, nil, err
	}
	return sum.Bytes(), com.Bytes(), nil
}

// writeGitHub appends the job summary to --step-summary (outside Actions:
// to out, after the annotations) and writes the comment to --comment-file;
// it tries both, and returns what failed.
func (o *ciOutputFlags) writeGitHub(summary, comment []byte, out io.Writer) error {
	var errs []error
	if o.StepSummary != "" {
		if err := appendFile(o.StepSummary, summary); err != nil {
			errs = append(errs, fmt.Errorf("write job summary: %w", err))
		}
	} else {
		fmt.Fprintf(out, "\n%s", summary)
	}
	if o.CommentFile != "" {
		if err := writeOutput(o.CommentFile, comment); err != nil {
			errs = append(errs, fmt.Errorf("write comment: %w", err))
		}
	}
	return errors.Join(errs...)
}

// appendFile appends data to the file path, creating it if need be.
func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, outputFileMode)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	return errors.Join(werr, f.Close())
}

// sourceRoot is the repository's root: --source-root, else the current
// directory, made absolute.
func (o *ciOutputFlags) sourceRoot() string {
	root := o.SourceRoot
	if root == "" {
		root, _ = os.Getwd()
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return root
}

// ownCode reports whether a function defined at src is the repository's
// own code: under root, or under its Go module path in a -trimpath build.
func (o *ciOutputFlags) ownCode() func(cicheck.Source) bool {
	root := o.sourceRoot()
	module := modulePath(root)
	return func(src cicheck.Source) bool {
		_, ok := cicheck.RepoPath(src.File, root, module)
		return src.File != "" && ok
	}
}

// modulePath reads the Go module path of the repository at root, if any.
func modulePath(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	return modfile.ModulePath(b)
}

// ciExit is an error with the exit status `tally ci` documents: 1 for a
// regression over the gate, 2 when the check cannot give a verdict.
type ciExit struct {
	code int
	err  error
}

func (e *ciExit) Error() string { return e.err.Error() }
func (e *ciExit) Unwrap() error { return e.err }
func (e *ciExit) ExitCode() int { return e.code }

// ciErr marks err as "no verdict" (exit 2): bad flags, unreadable input, an
// unreachable server. Only a regression exits 1.
func ciErr(err error) error {
	if err == nil {
		return nil
	}
	return &ciExit{code: 2, err: err}
}

// verdictError turns rep's verdict into the exit status: 1 for a
// regression, 2 for no verdict, 0 for a pass. werr, a report that could not
// be written, is said with it and does not change it: a regression that
// exited 2 ("no verdict") passed a job that allows that.
func verdictError(rep *cicheck.Report, werr error) error {
	code, err := exitOK, error(nil)
	switch rep.Verdict {
	case cicheck.Fail:
		code, err = 1, fmt.Errorf("cost regression: %s", rep.Headline)
	case cicheck.Insufficient:
		code, err = 2, fmt.Errorf("no verdict: %s", rep.Headline)
	}
	if err = errors.Join(werr, err); err == nil {
		return nil
	}
	return &ciExit{code: code, err: err}
}
