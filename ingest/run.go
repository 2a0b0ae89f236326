package ingest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tallyhq/tally"
)

// Emit receives each row a Parser reads: a line, or a row-level error. It
// returns an error to stop parsing (the run then fails).
//
// at is the row's 1-based line (CSV, NDJSON) or row (Parquet) number.
type Emit func(at int64, line *tally.CostLine, bad *LineError) error

// Renamed returns emit for a file that names its columns otherwise than
// FOCUS: the errors a run finds in the lines themselves (a billing period
// in two currencies, a required field left empty) name CostLine's fields
// by their FOCUS columns, and Renamed names them as the file does. column
// returns the file's column of a FOCUS one, or "" to leave it.
func (emit Emit) Renamed(column func(focus string) string) Emit {
	return func(at int64, line *tally.CostLine, bad *LineError) error {
		err := emit(at, line, bad)
		var le *LineError
		if bad == nil && errors.As(err, &le) {
			if c := column(le.Column); c != "" {
				le.Column = c
			}
		}
		return err
	}
}

// Parser reads one input file of one format. It calls emit for every row
// in file order; it may reuse *line between calls. It returns file-level
// errors (an unreadable header, missing columns) itself.
type Parser interface {
	Parse(ctx context.Context, in *Input, emit Emit) error
}

// Store is what a run needs from storage (postgres.DB, through a small
// adapter in cmd/tally).
type Store interface {
	StartIngestRun(ctx context.Context, source string, files []tally.IngestFile) (int64, error)
	// ReplacePeriods makes lines the content of every (account, month)
	// period of source they belong to, in one transaction. Before it waits
	// for another ingest of a period to commit, it calls waiting (when not
	// nil) with that period.
	//
	// It refuses (EInvalid, wrapping a *tally.SourceOverlapError) periods
	// whose usage accounts another source's period of the same account and
	// month bills too, unless that source is in replace: then it removes
	// that source's lines of those usage accounts in the same transaction,
	// and returns what it removed.
	ReplacePeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error],
		waiting func(tally.BillingPeriodKey), replace []string) ([]tally.SourceOverlap, error)
	RecordIngestRejects(ctx context.Context, runID int64, rejects []tally.IngestReject) error
	FinishIngestRun(ctx context.Context, run tally.IngestRun) error
}

// Options tune a run.
type Options struct {
	// SkipBadRows records malformed rows in ingest_rejects and goes on,
	// instead of rejecting the whole input.
	SkipBadRows bool
	// MaxStoredRejects caps how many rejects are stored (all are counted);
	// 0 means 10,000.
	MaxStoredRejects int
	// Progress, if set, is called about every ProgressEvery from the
	// reading goroutine, once at the end of the input, and then each time
	// the write waits for another ingest of a period (Progress.Waiting).
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Logger receives what a run notes on its way (a file skipped as a
	// copy of another). Default: discard.
	Logger *slog.Logger
	// AllowOverlappingReports ingests reports that hold the same charges of
	// a billing period (see Run) instead of failing: each pair found is
	// logged as a warning, naming the reports and the period.
	AllowOverlappingReports bool
	// ReplaceSources are other sources whose charges of the same billing
	// account, month and usage accounts this run replaces (see
	// Store.ReplacePeriods); without them, a run holding charges another
	// source holds is refused.
	ReplaceSources []string
}

// Progress is a snapshot of a running ingest.
type Progress struct {
	File       string
	Rows       int64
	Rejected   int64
	Bytes      int64 // input bytes read so far
	TotalBytes int64
	Elapsed    time.Duration
	// Waiting, when not nil, is a period the run waits for another
	// ingest of to commit, before it replaces that ingest's lines.
	Waiting *tally.BillingPeriodKey
}

// PeriodSummary is one billing period a run replaced.
type PeriodSummary struct {
	Key      tally.BillingPeriodKey
	Currency tally.Currency
	Rows     int64
	// Billed and Effective (amortized) total the period's lines, exactly.
	Billed, Effective tally.Money
}

// Result is what a run did.
type Result struct {
	RunID    int64
	Source   string
	Files    []tally.IngestFile
	Rows     int64
	Rejected int64
	Rejects  []tally.IngestReject // the first MaxStoredRejects
	Periods  []PeriodSummary
	Totals   Totals
	Elapsed  time.Duration
	// Committed is true once the store committed the periods: an error
	// after that (recording the run) does not undo the ingest.
	Committed bool
	// Replaced are the other sources' charges the run replaced
	// (Options.ReplaceSources).
	Replaced []tally.SourceOverlap
}

// RowsPerSecond is Rows / Elapsed.
func (r *Result) RowsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Rows) / r.Elapsed.Seconds()
}

const batchSize = 1024

// Run ingests files of one source with parser into store: every billing
// period found is replaced atomically, in one transaction, and the run is
// recorded in ingest_runs with its files' checksums, row counts and totals
// per currency and ChargeCategory. Reading and writing run concurrently
// with a bounded number of batches in flight, so memory does not grow with
// the input.
//
// A parser that is an AmortizingParser has its files read twice: first for
// its Amortizer, which then sets the amortized cost of each line of the
// second reading.
//
// A file with the same content (SHA-256) as an earlier one is read once:
// the copy is listed with no rows, and opt.Logger notes it. When files
// name two reports (File.Report) that hold the same charges of a billing
// period, nothing is committed and the error (EInvalid, wrapping
// ErrOverlappingReports) names them and the period, unless
// opt.AllowOverlappingReports, which logs it as a warning instead. Reports
// hold the same charges when a line of one is also in the other, or, for
// reports of different time granularity (hourly, daily, monthly), when
// they bill the same per usage account, charge (resource, commitment, the
// source's extra columns) and day or month, within rounding: over the
// usage accounts both reports hold, at least two of these totals, and at
// least one in a hundred of the smaller report's. Where one report bills a
// charge without resource IDs and the other with them (CUR exported
// without and with INCLUDE_RESOURCES), the other's totals are summed over
// resources for this.
func Run(ctx context.Context, store Store, source string, parser Parser, files []File, opt Options) (*Result, error) {
	start := time.Now()
	if opt.MaxStoredRejects <= 0 {
		opt.MaxStoredRejects = 10000
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = 200 * time.Millisecond
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	res := &Result{Source: source}
	var total int64
	for _, f := range files {
		info := tally.IngestFile{Path: f.Name}
		if in, err := OpenInput(f.Name, f.Path, nil); err == nil {
			info.Bytes = in.Size
			total += in.Size
			in.Close()
		} else {
			return nil, err
		}
		res.Files = append(res.Files, info)
	}
	copyOf, err := copies(files, res.Files)
	if err != nil {
		return nil, err
	}
	for i, j := range copyOf {
		if j >= 0 {
			total -= res.Files[i].Bytes
			opt.Logger.Info("ingest: file skipped, it has the same content as an earlier one of the run",
				"file", files[i].Name, "same_as", files[j].Name, "sha256", res.Files[i].SHA256)
		}
	}
	runID, err := store.StartIngestRun(ctx, source, res.Files)
	if err != nil {
		return nil, err
	}
	res.RunID = runID

	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []tally.CostLine, 4)
	pool := sync.Pool{New: func() any { return make([]tally.CostLine, 0, batchSize) }}
	var readErr error
	var seen atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		r := reader{res: res, opt: opt, batches: batches, pool: &pool, seen: &seen, total: total, start: start,
			periods: map[tally.BillingPeriodKey]int{}, copyOf: copyOf, overlaps: newOverlaps(files, copyOf)}
		readErr = r.readAll(pctx, parser, files)
		if readErr != nil {
			cancel()
		}
	}()
	lines := func(yield func(*tally.CostLine, error) bool) {
		for b := range batches {
			for i := range b {
				if !yield(&b[i], nil) {
					return
				}
			}
			pool.Put(b[:0]) //nolint:staticcheck // a slice header is small
		}
		if readErr != nil {
			yield(nil, readErr)
		}
	}
	// The store waits for a period only once it has read every line, so
	// the reader is done and res is settled when waiting is called.
	waiting := func(k tally.BillingPeriodKey) {
		if opt.Progress != nil {
			opt.Progress(Progress{Rows: res.Rows, Rejected: res.Rejected, Bytes: seen.Load(), TotalBytes: total,
				Elapsed: time.Since(start), Waiting: &k})
		}
	}
	replaced, writeErr := store.ReplacePeriods(pctx, source, runID, lines, waiting, opt.ReplaceSources)
	res.Replaced = replaced
	cancel()
	for range batches { // let the reader finish
	}
	<-done
	res.Elapsed = time.Since(start)
	// A failed write cancels pctx, so the reader then fails with the
	// cancellation: that is the write's consequence, not the cause.
	err = readErr
	if err == nil || writeErr != nil && errors.Is(readErr, context.Canceled) && ctx.Err() == nil {
		err = writeErr
	}
	run := tally.IngestRun{ID: runID, Source: source, Files: res.Files, Rows: res.Rows, RejectedRows: res.Rejected,
		Totals: res.Totals.JSON()}
	for _, p := range res.Periods {
		run.Periods = append(run.Periods, p.Key)
	}
	if err != nil {
		run.Status, run.Error = "failed", err.Error()
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer fcancel()
		if ferr := store.FinishIngestRun(fctx, run); ferr != nil {
			err = errors.Join(err, ferr)
		}
		var le *LineError
		if errors.As(err, &le) {
			return res, tally.Errorf(tally.EInvalid, "%s: nothing was committed", le.Error())
		}
		return res, err
	}
	// The periods are committed: an interruption now must not leave the
	// run 'running', so it is recorded even when ctx was cancelled.
	res.Committed = true
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	if err := store.RecordIngestRejects(rctx, runID, res.Rejects); err != nil {
		return res, fmt.Errorf("the bill was committed, but recording its rejected rows failed: %w", err)
	}
	run.Status = "committed"
	if err := store.FinishIngestRun(rctx, run); err != nil {
		return res, fmt.Errorf("the bill was committed, but recording the ingest run failed: %w", err)
	}
	return res, nil
}

// reader runs the parser over every file and batches valid lines.
type reader struct {
	res     *Result
	opt     Options
	batches chan<- []tally.CostLine
	pool    *sync.Pool
	seen    *atomic.Int64
	total   int64
	start   time.Time
	periods map[tally.BillingPeriodKey]int // index in res.Periods
	copyOf  []int                          // by file: the earlier file it is a copy of, or -1
	file    string
	next    time.Time
	// overlaps, when files name two reports, finds a line in both.
	overlaps *overlaps
}

func (r *reader) progress(final bool) {
	if r.opt.Progress == nil {
		return
	}
	now := time.Now()
	if !final && now.Before(r.next) {
		return
	}
	r.next = now.Add(r.opt.ProgressEvery)
	r.opt.Progress(Progress{File: r.file, Rows: r.res.Rows, Rejected: r.res.Rejected, Bytes: r.seen.Load(),
		TotalBytes: r.total, Elapsed: now.Sub(r.start)})
}

func (r *reader) readAll(ctx context.Context, parser Parser, files []File) error {
	batch := r.pool.Get().([]tally.CostLine)
	var lastKey tally.BillingPeriodKey
	lastIdx := -1
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case r.batches <- batch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		batch = r.pool.Get().([]tally.CostLine)
		return nil
	}
	var amortizer Amortizer
	if ap, ok := parser.(AmortizingParser); ok {
		amortizer = ap.NewAmortizer()
		if err := r.observeAll(ctx, parser, amortizer, files); err != nil {
			return err
		}
	}
	for i, f := range files {
		if r.copyOf[i] >= 0 {
			continue
		}
		r.file = f.Name
		in, err := OpenInput(f.Name, f.Path, r.seen)
		if err != nil {
			return err
		}
		var fileRows int64
		emit := func(lineNo int64, l *tally.CostLine, bad *LineError) error {
			if bad == nil {
				bad = validate(f.Name, lineNo, l)
			}
			if bad != nil {
				if !r.opt.SkipBadRows || errors.Is(bad, ErrMixedCurrency) {
					return bad
				}
				r.res.Rejected++
				if len(r.res.Rejects) < r.opt.MaxStoredRejects {
					r.res.Rejects = append(r.res.Rejects, bad.Reject())
				}
				return nil
			}
			if amortizer != nil {
				if err := amortizer.Amortize(l); err != nil {
					return fmt.Errorf("%s:%d: amortize: %w", f.Name, lineNo, err)
				}
			}
			key := tally.BillingPeriodKey{BillingAccountID: l.BillingAccountID, Start: tally.MonthStart(l.BillingPeriodStart), Source: r.res.Source}
			if lastIdx < 0 || key != lastKey {
				idx, ok := r.periods[key]
				if !ok {
					idx = len(r.res.Periods)
					r.periods[key] = idx
					r.res.Periods = append(r.res.Periods, PeriodSummary{Key: key, Currency: l.Currency(),
						Billed: tally.Zero(l.Currency()), Effective: tally.Zero(l.Currency())})
				}
				lastKey, lastIdx = key, idx
			}
			p := &r.res.Periods[lastIdx]
			if p.Currency != l.Currency() {
				return &LineError{File: f.Name, Line: lineNo, Column: "BillingCurrency", Value: string(l.Currency()),
					Reason: fmt.Sprintf("billing period %s of account %s already has lines in %s: %v",
						key.Start.Format("2006-01"), key.BillingAccountID, p.Currency, ErrMixedCurrency), Err: ErrMixedCurrency}
			}
			if err := r.res.Totals.Add(l); err != nil {
				return err
			}
			var err error
			if p.Billed, err = p.Billed.Add(l.BilledCost); err != nil {
				return fmt.Errorf("%s:%d: billed cost: %w", f.Name, lineNo, err)
			}
			if p.Effective, err = p.Effective.Add(l.EffectiveCost); err != nil {
				return fmt.Errorf("%s:%d: effective cost: %w", f.Name, lineNo, err)
			}
			if r.overlaps != nil {
				r.overlaps.add(lastIdx, key.Start, f.Report, l)
			}
			p.Rows++
			r.res.Rows++
			fileRows++
			batch = append(batch, *l)
			if len(batch) == batchSize {
				if err := send(); err != nil {
					return err
				}
				r.progress(false)
			}
			return nil
		}
		err = parser.Parse(ctx, in, emit)
		if err != nil {
			in.Close()
			return err
		}
		sum, err := in.Finish()
		if err != nil {
			return err
		}
		r.res.Files[i].SHA256, r.res.Files[i].Rows = sum, fileRows
	}
	// A file without rows is no error of its own: a BigQuery extract to
	// several files may leave one of them empty, a daily FOCUS export a
	// day without charges with its header only. An input without a row
	// in any of its files is: it would replace nothing and say committed.
	if r.res.Rows == 0 {
		return r.noRows(files)
	}
	if r.overlaps != nil {
		for _, o := range r.overlaps.check(r.res.Periods) {
			if !r.opt.AllowOverlappingReports {
				return o.err
			}
			r.opt.Logger.Warn("ingest: two reports hold the same charges of a billing period; both are ingested, as asked",
				"account", o.period.BillingAccountID, "period", o.period.Start.Format("2006-01"), "reports", o.reports, "found", o.what)
		}
		r.overlaps = nil // its memory is no longer needed while the store commits
	}
	if err := send(); err != nil {
		return err
	}
	r.progress(true)
	return nil
}

// noRows is the error (EInvalid, wrapping ErrNoRows) of a run that read
// no row to store from files: it names them and, when rows were rejected,
// how many and the first one.
func (r *reader) noRows(files []File) error {
	names := make([]string, 0, 3)
	for _, f := range files[:min(len(files), 3)] {
		names = append(names, f.Name)
	}
	in := strings.Join(names, ", ")
	if len(files) > len(names) {
		in = fmt.Sprintf("the %d files %s, …", len(files), in)
	}
	if r.res.Rejected == 0 {
		return tally.Errorf(tally.EInvalid, "%w in %s: only headers, blank lines or empty files: nothing was committed", ErrNoRows, in)
	}
	first := r.res.Rejects[0]
	bad := &LineError{File: first.File, Line: first.Line, Column: first.Column, Value: first.Value, Reason: first.Reason}
	return tally.Errorf(tally.EInvalid, "%w in %s: all %d rows were rejected as bad (the first: %v): nothing was committed",
		ErrNoRows, in, r.res.Rejected, bad)
}

// copies finds the files that are copies of an earlier one: the same
// SHA-256, which infos (by file) get. Only files of equal size are hashed.
func copies(files []File, infos []tally.IngestFile) ([]int, error) {
	copyOf := make([]int, len(files))
	bySize := map[int64][]int{}
	for i := range files {
		copyOf[i] = -1
		bySize[infos[i].Bytes] = append(bySize[infos[i].Bytes], i)
	}
	for _, same := range bySize {
		if len(same) < 2 {
			continue
		}
		first := map[string]int{}
		for _, i := range same {
			in, err := OpenInput(files[i].Name, files[i].Path, nil)
			if err != nil {
				return nil, err
			}
			sum, err := in.Finish()
			if err != nil {
				return nil, err
			}
			if j, ok := first[sum]; ok {
				copyOf[i], infos[i].SHA256 = j, sum
			} else {
				first[sum] = i
			}
		}
	}
	return copyOf, nil
}

// validate checks what every normalized line needs, whatever its source.
func validate(file string, line int64, l *tally.CostLine) *LineError {
	bad := func(col, val, reason string) *LineError {
		return &LineError{File: file, Line: line, Column: col, Value: val, Reason: reason}
	}
	switch {
	case l.BillingAccountID == "":
		return bad("BillingAccountId", "", "required")
	case l.BillingPeriodStart.IsZero():
		return bad("BillingPeriodStart", "", "required")
	case l.ChargePeriodStart.IsZero():
		return bad("ChargePeriodStart", "", "required")
	case l.Currency() == "":
		return bad("BillingCurrency", "", "required")
	}
	for _, m := range []tally.Money{l.EffectiveCost, l.ListCost, l.ContractedCost} {
		if !m.IsZero() && m.Currency() != l.Currency() {
			return bad("BillingCurrency", string(m.Currency()), "costs of one line in different currencies")
		}
	}
	return nil
}
