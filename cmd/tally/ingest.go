package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/ingest/gcpbilling"
)

// ingestCmd is `tally ingest focus|aws-cur|gcp-billing PATH…`.
type ingestCmd struct {
	Focus      ingestFocusCmd `cmd:"" name:"focus" help:"Ingest FOCUS 1.0–1.2 files (CSV, CSV.gz, Parquet) from PATH or s3://bucket/prefix; an AWS Data Export's manifests pick the current files."`
	AWSCUR     ingestCURCmd   `cmd:"" name:"aws-cur" help:"Ingest AWS CUR 2.0 (Parquet) or legacy CUR (csv.gz + manifest) from PATH or s3://bucket/prefix; manifests pick the current files."`
	GCPBilling ingestGCPCmd   `cmd:"" name:"gcp-billing" help:"Ingest a GCP BigQuery billing export (NDJSON or CSV, gzipped or not, or Parquet; standard or resource table) from PATH or s3://bucket/prefix. gs:// is not read directly: extract the table to Cloud Storage (bq extract), copy the files down (gcloud storage cp -r) and ingest the folder."`
}

type ingestGCPCmd struct{ ingestSourceCmd }

// ingestCURCmd is `tally ingest aws-cur`: a billing bucket may hold several
// reports side by side.
type ingestCURCmd struct {
	ingestSourceCmd
	AllowOverlappingReports bool `name:"allow-overlapping-reports" help:"Ingest reports that hold the same charges of a billing period, logging a warning that names them, instead of failing. Without it a run fails, committing nothing, when two reports share a line or bill the same per account, charge and day or month (a legacy CUR and a CUR 2.0 export of one month, hourly or daily, with or without resource IDs): use it only for a split of the bill the check cannot tell apart, such as exports filtered by tag."`
}

// ingestFocusCmd is `tally ingest focus`: a bucket may hold several
// exports side by side, as for CUR.
type ingestFocusCmd struct {
	ingestSourceCmd
	AllowOverlappingReports bool `name:"allow-overlapping-reports" help:"Ingest exports that hold the same charges of a billing period, logging a warning that names them, instead of failing. An export is an AWS Data Export's folder (above data/BILLING_PERIOD=…), else a folder of files (date folders such as 2025/03/01 are part of theirs). Without it a run fails, committing nothing, when two exports share a line or bill the same per account, charge and day or month (an hourly and a daily export of one bill): use it only for a split of the bill the check cannot tell apart, such as exports filtered by tag."`
}

func (c *ingestFocusCmd) Run(ctx context.Context, a *app) error {
	return c.run(ctx, a, "focus", ingest.Options{AllowOverlappingReports: c.AllowOverlappingReports})
}
func (c *ingestCURCmd) Run(ctx context.Context, a *app) error {
	return c.run(ctx, a, "aws-cur", ingest.Options{AllowOverlappingReports: c.AllowOverlappingReports})
}
func (c *ingestGCPCmd) Run(ctx context.Context, a *app) error {
	return c.run(ctx, a, "gcp-billing", ingest.Options{})
}

// ingestSourceCmd is one source's ingest; the source is the command's name.
type ingestSourceCmd struct {
	Paths       []string `arg:"" name:"PATH" help:"Files or directories (searched recursively), or s3://bucket/prefix for S3."`
	SkipBadRows bool     `name:"skip-bad-rows" help:"Record malformed rows in ingest_rejects and continue, instead of rejecting the input."`
	Endpoint    string   `env:"TALLY_S3_ENDPOINT" placeholder:"URL" help:"S3-compatible endpoint for s3:// paths (path-style addressing)."`
	Region      string   `env:"AWS_REGION" placeholder:"REGION" help:"AWS region for s3:// paths (default: from the AWS config, else us-east-1)."`
	Progress    string   `enum:"auto,always,never" default:"auto" help:"Progress bar: on a terminal (auto), always or never."`
	// ReplaceSources is --replace-source.
	ReplaceSources []string `name:"replace-source" placeholder:"SOURCE" help:"Replace the charges another source (focus, aws-cur or gcp-billing; repeatable) holds of the billing accounts, months and usage accounts this ingest holds, removing them in the same transaction that stores this one. Without it, an ingest holding charges of a usage account that another source already stores for the same billing account and month (one payer through both aws-cur and its FOCUS export) fails, committing nothing: both would be counted. That source's other months and usage accounts are kept."`
}

// ingestMemoryLimit is the Go heap's soft limit during an ingest (unless
// GOMEMLIMIT is set): the stream holds a few batches at a time, so the
// limit only makes the collector keep garbage from inflating RSS.
const ingestMemoryLimit = 160 << 20

// run ingests c.Paths as source, with opt's source-specific options.
func (c *ingestSourceCmd) run(ctx context.Context, a *app, source string, opt ingest.Options) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(ingestMemoryLimit)
	}
	parser, err := parserFor(source)
	if err != nil {
		return err
	}
	if err := checkReplaceSources(source, c.ReplaceSources); err != nil {
		return err
	}
	files, cleanup, err := locateFiles(ctx, source, c.Paths, awscur.S3Options{Endpoint: c.Endpoint, Region: c.Region})
	if errors.Is(err, fs.ErrNotExist) {
		return tally.Errorf(tally.EInvalid, "%w", err)
	}
	if err != nil {
		return err
	}
	defer cleanup()
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	bar := newProgressBar(a.stderr, c.Progress)
	progress := func(p ingest.Progress) {
		if p.Waiting == nil {
			bar.update(p)
			return
		}
		bar.done() // end the bar's line before the log's
		a.log.Info("waiting for another ingest of the same billing period to commit; this one then replaces it",
			"source", p.Waiting.Source, "account", p.Waiting.BillingAccountID, "period", p.Waiting.Start.Format("2006-01"))
	}
	opt.SkipBadRows, opt.Progress, opt.Logger, opt.ReplaceSources = c.SkipBadRows, progress, a.log, c.ReplaceSources
	res, err := ingest.Run(ctx, db, source, parser, files, opt)
	bar.done()
	if res != nil {
		printSummary(a.stdout, res, err)
	}
	var so *tally.SourceOverlapError
	if errors.As(err, &so) {
		held := so.Sources()
		flags := "--replace-source " + strings.Join(held, " --replace-source ")
		err = tally.Errorf(tally.EInvalid, "%w; ingest each billing account's month from one source only, or, to keep this %s copy instead, "+
			"run again with %s, which removes %s's charges of those usage accounts in those months in the same transaction "+
			"(its other months and usage accounts are kept)", err, source, flags, strings.Join(held, " and "))
	}
	if errors.Is(err, ingest.ErrOverlappingReports) {
		err = tally.Errorf(tally.EInvalid, "%w; if the two are a split that shares no charge, which the check cannot tell apart, "+
			"--allow-overlapping-reports ingests both", err)
	}
	return err
}

// parserFor returns the reader of a bill source.
// billSources are the sources of bills, the ingest commands' names.
var billSources = []string{"focus", "aws-cur", "gcp-billing"}

// checkReplaceSources refuses a --replace-source that is not another
// source than the ingest's own, naming those it may be.
func checkReplaceSources(source string, replace []string) error {
	others := slices.DeleteFunc(slices.Clone(billSources), func(s string) bool { return s == source })
	for _, r := range replace {
		if !slices.Contains(others, r) {
			return tally.Errorf(tally.EInvalid, "--replace-source %q: want %s, another source than this ingest's (%s)",
				r, strings.Join(others, " or "), source)
		}
	}
	return nil
}

func parserFor(source string) (ingest.Parser, error) {
	switch source {
	case "focus":
		return focus.Parser{}, nil
	case "aws-cur":
		return awscur.Parser{}, nil
	case "gcp-billing":
		return gcpbilling.Parser{}, nil
	}
	return nil, tally.Errorf(tally.EInvalid, "unknown bill source %q: want focus, aws-cur or gcp-billing", source)
}

// locateFiles resolves paths to local files: S3 objects are downloaded, CUR
// manifests choose the current files. Each source picks its own data
// files, locally and on S3. Call cleanup when done.
func locateFiles(ctx context.Context, source string, paths []string, opt awscur.S3Options) (files []ingest.File, cleanup func(), err error) {
	for _, p := range paths {
		if err := readable(source, p); err != nil {
			return nil, func() {}, err
		}
	}
	if slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "s3://") }) {
		if err := requireAWSCredentials(ctx, "ingest "+source, ""); err != nil {
			return nil, func() {}, err
		}
	}
	if source == "aws-cur" {
		return awscur.Locate(ctx, paths, opt)
	}
	exts := []string{".csv", ".parquet"}
	if source == "gcp-billing" {
		exts = append(exts, ".json", ".ndjson", ".jsonl")
	}
	byExtension := func(names []string, _ func(string) ([]byte, error)) ([]string, error) {
		var out []string
		for _, n := range names {
			if ingest.IsDataFile(n, exts...) {
				out = append(out, n)
			}
		}
		sort.Strings(out)
		return out, nil
	}
	finder := awscur.Finder{
		Select: byExtension,
		Local:  func(p string) ([]ingest.File, error) { return ingest.ListFiles(p, exts...) },
		What:   "input files (" + strings.Join(exts, ", ") + ", compressed or not)",
	}
	if source == "focus" {
		// AWS Data Exports deliver FOCUS as they do CUR 2.0: the month's
		// manifest names the current refresh's files.
		isData := func(n string) bool { return ingest.IsDataFile(n, exts...) }
		finder.Select = func(names []string, read func(string) ([]byte, error)) ([]string, error) {
			return awscur.SelectExports(names, isData, read)
		}
		finder.Local = func(p string) ([]ingest.File, error) { return awscur.LocalFilesWith(p, finder.Select) }
	}
	files, cleanup, err = awscur.LocateWith(ctx, paths, opt, finder)
	if source == "focus" {
		awscur.NameExports(files)
	}
	if err == nil && source == "gcp-billing" {
		if err = gcpbilling.CheckTables(files); err != nil {
			cleanup()
			return nil, cleanup, err
		}
	}
	return files, cleanup, err
}

// urlScheme matches the scheme of a URL (gs://, https://).
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// readable refuses (EInvalid) a path source reads no bill from: a URL
// other than s3://, saying how to get its files, which for gcp-billing
// means extracting the billing table from BigQuery first. The folder the
// extract names after the table lets the run tell the standard table from
// the detailed one (see gcpbilling.CheckTables).
func readable(source, path string) error {
	scheme := urlScheme.FindString(path)
	if scheme == "" || scheme == "s3://" {
		return nil
	}
	if scheme != "gs://" {
		return tally.Errorf(tally.EInvalid, "%s: %s is not read directly: download the files and ingest the local folder, or give s3://bucket/prefix", path, scheme)
	}
	msg := fmt.Sprintf("%s: gs:// is not read directly: copy the files down and ingest the local folder (gcloud storage cp -r %s ./bill; tally ingest %s ./bill)",
		path, path, source)
	if source == "gcp-billing" {
		msg += "; to get the files, extract the billing table to Cloud Storage first (bq extract --destination_format NEWLINE_DELIMITED_JSON --compression GZIP " +
			"PROJECT:DATASET.gcp_billing_export_resource_v1_ACCOUNT 'gs://BUCKET/gcp_billing_export_resource_v1_ACCOUNT/*.json.gz')"
	}
	return tally.Errorf(tally.EInvalid, "%s", msg)
}

func printSummary(w io.Writer, res *ingest.Result, err error) {
	status := "committed"
	switch {
	case err != nil && res.Committed:
		status = "committed, but its record in ingest_runs may be incomplete"
	case err != nil:
		status = "failed, nothing committed"
	}
	fmt.Fprintf(w, "ingest run %d (%s): %s\n", res.RunID, res.Source, status)
	if !res.Committed {
		// The rows read before the failure were not stored: counting them
		// here read as if they were.
		return
	}
	fmt.Fprintf(w, "  files %d, rows %d, rejected %d, periods %d, time %s, %.0f rows/s%s\n",
		len(res.Files), res.Rows, res.Rejected, len(res.Periods), res.Elapsed.Round(time.Millisecond), res.RowsPerSecond(), peakRSS())
	for _, p := range res.Periods {
		fmt.Fprintf(w, "  period %s account %s: %d rows, billed %s %s, amortized %s %s\n", p.Key.Start.Format("2006-01"), p.Key.BillingAccountID, p.Rows,
			p.Billed.Format(2), p.Currency, p.Effective.Format(2), p.Currency)
	}
	for _, r := range res.Replaced {
		accounts := "usage account " + r.SubAccounts[0]
		if len(r.SubAccounts) > 1 {
			accounts = fmt.Sprintf("%d usage accounts (%s)", len(r.SubAccounts), strings.Join(r.SubAccounts, ", "))
		}
		fmt.Fprintf(w, "  replaced %s's charges of %s in period %s account %s: %d of its %d rows removed (run %d)\n",
			r.Held.Source, accounts, r.Held.Start.Format("2006-01"), r.Held.BillingAccountID, r.Removed, r.Rows, r.RunID)
	}
	fmt.Fprint(w, res.Totals.String())
	for i, r := range res.Rejects {
		if i == 10 {
			fmt.Fprintf(w, "  … %d more rejects in ingest_rejects (run %d)\n", res.Rejected-10, res.RunID)
			break
		}
		fmt.Fprintf(w, "  rejected %s:%d: column %s value %q: %s\n", r.File, r.Line, r.Column, r.Value, r.Reason)
	}
}

// peakRSS reports this process's peak resident memory (VmHWM) on Linux.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return fmt.Sprintf(", peak RSS %d MB", kb/1024)
			}
		}
	}
	return ""
}

// progressBar draws rows/s, bytes and ETA on a terminal.
type progressBar struct {
	w      io.Writer
	on     bool
	drawn  bool
	lastLn int
}

func newProgressBar(w io.Writer, mode string) *progressBar {
	on := mode == "always"
	if mode == "auto" {
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			on = true
		}
	}
	return &progressBar{w: w, on: on}
}

func (b *progressBar) update(p ingest.Progress) {
	if !b.on {
		return
	}
	secs := p.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(p.Rows) / secs
	}
	frac := 0.0
	if p.TotalBytes > 0 {
		frac = float64(p.Bytes) / float64(p.TotalBytes)
	}
	eta := "?"
	if frac > 0.01 && frac < 1 {
		eta = time.Duration(secs / frac * (1 - frac) * float64(time.Second)).Round(time.Second).String()
	} else if frac >= 1 {
		eta = "0s"
	}
	const width = 24
	fill := int(frac * width)
	if fill > width {
		fill = width
	}
	line := fmt.Sprintf("[%s%s] %5.1f%%  %s / %s  %d rows  %.0f rows/s  ETA %s",
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, byteSize(p.Bytes), byteSize(p.TotalBytes), p.Rows, rate, eta)
	pad := ""
	if n := b.lastLn - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.lastLn, b.drawn = len(line), true
}

// done ends the bar's line, if one is drawn.
func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn, b.lastLn = false, 0
	}
}

func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
