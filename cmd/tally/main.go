// Command tally is Tally's backend and CLI: it serves the API and dashboard,
// migrates the schema, ingests bills, attributes costs, and runs the demo.
// It is the only place (with node-agent/main.go) that reads flags and the
// environment and wires the packages together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"
	"golang.org/x/term"

	"github.com/tallyhq/tally"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// cli is the command line: global flags, then one command.
type cli struct {
	globals

	Serve     serveCmd        `cmd:"" help:"Serve the API and dashboard, and run the schedulers."`
	Migrate   migrateCmd      `cmd:"" help:"Apply pending schema migrations (a no-op when current)."`
	Demo      demoCmd         `cmd:"" help:"Run Tally on a generated organization, on the embedded PostgreSQL, and serve the dashboard."`
	Ingest    ingestCmd       `cmd:"" help:"Ingest bills (FOCUS, AWS CUR, GCP billing export); each billing period is replaced atomically."`
	Pricing   pricingCmd      `cmd:"" help:"Sync compute price catalogs (AWS, GCP) into the prices table."`
	Attribute attributeCmd    `cmd:"" help:"Attribute billed cost to containers and print the reconciliation with the bill; exit 1 if a day is off by more than a cent."`
	Costs     costsCmd        `cmd:"" help:"Show allocated costs, aggregated and filtered like the allocation API."`
	Rightsize rightsizeCmd    `cmd:"" help:"Right-size container requests and limits and node types; backtest strategies on usage traces."`
	CI        ciCmd           `cmd:"" name:"ci" help:"Pull-request cost gate: compare profiles or benchmarks of a change with its base, in money a year."`
	Forecast  forecastCmd     `cmd:"" help:"Forecast spend and usage with calibrated intervals; score models (eval)."`
	Commit    commitmentsCmd  `cmd:"" name:"commitments" help:"Savings Plans, Reserved Instances and CUDs: status, risk-bounded recommendations, backtest, inventory sync, purchases."`
	Report    reportCmd       `cmd:"" help:"Weekly cost report email: preview, .eml, send, delivery log."`
	Prune     pruneCmd        `cmd:"" help:"Drop the hourly and raw data older than --keep days (usage, function samples, hourly allocations), and function samples older than --keep-samples days; the bill and the daily rollups are kept."`
	User      userCmd         `cmd:"" help:"Manage the people who sign in to the dashboard."`
	Token     tokenCmd        `cmd:"" help:"Manage API tokens (scripts, Prometheus) and agent tokens."`
	Cluster   clusterCmd      `cmd:"" help:"List the clusters and the billing accounts their nodes are billed to; set one."`
	DemoGen   demoGenerateCmd `cmd:"" name:"demo-generate" help:"Write the demo organization's bills, agent batches and ground truth into a directory."`
	Version   versionCmd      `cmd:"" help:"Print the version."`
}

// globals are the flags every command accepts.
type globals struct {
	DatabaseURL string `name:"database-url" env:"TALLY_DATABASE_URL" placeholder:"URL" help:"PostgreSQL URL (postgres://user:pass@host:5432/db). Empty: run the embedded PostgreSQL."`
	DataDir     string `name:"data-dir" env:"TALLY_DATA_DIR" placeholder:"DIR" help:"Data directory of the embedded PostgreSQL (default: $$XDG_DATA_HOME/tally/pg, or ~/.local/share/tally/pg without XDG_DATA_HOME, but /var/lib/tally/pg as root with a private home directory)."`
	Database    string `name:"database" env:"TALLY_DATABASE" placeholder:"NAME" default:"tally" help:"Database of the embedded PostgreSQL: tally, or tally_demo for the organization 'tally demo' loads (demo always uses tally_demo). Another name must exist: 'tally --database NAME migrate' creates it."`
	LogLevel    string `name:"log-level" env:"TALLY_LOG_LEVEL" enum:"debug,info,warn,error" default:"info" help:"Log level: ${enum}."`
	LogFormat   string `name:"log-format" env:"TALLY_LOG_FORMAT" enum:"auto,text,json" default:"auto" help:"Log format: text on a terminal and JSON otherwise (auto), or forced."`
}

// app is what every command's Run receives.
type app struct {
	globals *globals
	log     *slog.Logger
	stdout  io.Writer
	stderr  io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	logTo := stderr // the logger picks its format by whether this is a terminal; its text format quotes control characters
	stdout, stderr = terminalSafe(stdout), terminalSafe(stderr)
	var c cli
	parser, err := kong.New(&c,
		kong.Name("tally"),
		kong.Description("Tally: where your cloud money went, down to the function, and what to do about it."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitCode(code)) }),
	)
	if err != nil {
		fmt.Fprintf(stderr, "tally: %v\n", err)
		return exitError
	}
	if len(args) == 0 {
		args = []string{"--help"}
	}
	kctx, code, done := parse(parser, args, stderr)
	if done {
		return code
	}
	// A URL read from a secret file often ends in a newline, which would
	// end the database's name.
	c.DatabaseURL = strings.TrimSpace(c.DatabaseURL)
	a := &app{globals: &c.globals, log: newLogger(c.LogLevel, c.LogFormat, logTo), stdout: stdout, stderr: stderr}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	return exitStatus(kctx.Run(a), stderr)
}

// exitCode is what kong's Exit hook panics with, so --help returns from run.
type exitCode int

// parse parses args; done is set when there is nothing to run (--help, or a
// usage error, which is reported with the command's usage).
func parse(parser *kong.Kong, args []string, stderr io.Writer) (kctx *kong.Context, code int, done bool) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exitCode)
			if !ok {
				panic(r)
			}
			kctx, code, done = nil, int(c), true
		}
	}()
	kctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "tally: %s\n", oneLine(err.Error()))
		var pe *kong.ParseError
		if errors.As(err, &pe) && pe.Context != nil {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", strings.TrimSpace("tally "+pe.Context.Command()))
		}
		return nil, exitUsage, true
	}
	return kctx, exitOK, false
}

// exitStatus reports a command's error on one line and picks the exit code:
// the error's own, 2 for invalid input, 1 otherwise.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintf(stderr, "tally: %s\n", oneLine(msg))
		}
		return ec.ExitCode()
	}
	fmt.Fprintf(stderr, "tally: %s\n", oneLine(err.Error()))
	if tally.ErrorCode(err) == tally.EInvalid {
		return exitUsage
	}
	return exitError
}

// oneLine joins the lines of an error's message with "; ". A message may
// hold names from a pull request's profiles, a cluster or a bill, and CI
// runners read commands from the lines a step writes to stderr (GitHub
// Actions' "::"): no name may start a line there.
func oneLine(msg string) string {
	return strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ").Replace(msg)
}

// exitCoder is an error that carries its own exit code (e.g. `tally attribute`
// when reconciliation fails).
type exitCoder interface {
	error
	ExitCode() int
}

// newLogger returns the logger of --log-level and --log-format, writing to w.
func newLogger(level, format string, w io.Writer) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: durationText}
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// durationText writes a duration as the text format does, "1.8s": slog's
// JSON handler writes its nanoseconds, 1800000000, which say no unit.
func durationText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		a.Value = slog.StringValue(a.Value.Duration().String())
	}
	return a
}
