package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/postgres"
)

type attributeCmd struct {
	From   string `placeholder:"DATE" help:"First day to attribute (YYYY-MM-DD or RFC 3339). Default: 90 days ago. The reconciliation covers whole days: from midnight of the day it falls in."`
	To     string `placeholder:"DATE" help:"End of the window, exclusive (YYYY-MM-DD or RFC 3339). Default: now."`
	Force  bool   `help:"Recompute every hour, not only hours never attributed, attributed with another --share, or whose bill or agent data changed since."`
	Share  string `placeholder:"max|request|usage" help:"What a container's share of a node is proportional to: max(request, usage), request, or usage. The basis is stored: tally serve's scheduler and later runs use it too, and hours attributed with another basis are recomputed (in this window now, in its last 40 days by tally serve). Default: the stored basis (max until one is stored)."`
	Basis  string `enum:"amortized,billed,list" default:"amortized" help:"Cost basis of the reconciliation, of the bill and the allocations alike: amortized (EffectiveCost: upfront and recurring commitment fees spread over their term), billed (BilledCost: what the invoice charges, fees as billed) or list (ListCost: public on-demand prices)."`
	Format string `enum:"table,json" default:"table" help:"Output format of the reconciliation: ${enum}."`
}

// reconcileFailed is returned when a day's allocations differ from its bill
// by more than a cent; it makes tally exit 1.
type reconcileFailed struct{ days int }

func (e reconcileFailed) Error() string {
	return fmt.Sprintf("reconciliation failed: %d day(s) differ from the bill by more than $%s", e.days, attribution.Tolerance)
}

func (e reconcileFailed) ExitCode() int { return exitError }

func (c *attributeCmd) Run(ctx context.Context, a *app) error {
	now := time.Now().UTC()
	w, err := dayWindow(c.From, c.To, now.AddDate(0, 0, -90), now)
	if err != nil {
		return err
	}
	var want attribution.ShareBasis
	if c.Share != "" {
		if want, err = attribution.ParseShareBasis(c.Share); err != nil {
			return tally.Errorf(tally.EInvalid, "--share: %v", err)
		}
	}
	db, closeDB, err := a.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	share, err := db.ShareBasis(ctx)
	if err != nil {
		return err
	}
	if want != "" && want != share {
		// One basis for every stored hour: serve's scheduler would
		// otherwise recompute these hours with its own, and back again.
		if err := db.SaveShareBasis(ctx, want, "tally attribute"); err != nil {
			return err
		}
		a.log.Info("share basis stored: tally serve uses it too, and hours attributed with the previous one are recomputed",
			"share", want, "previous", share)
		share = want
	}
	job := a.attributionJob(db, share)
	job.Progress = logDays(a.log, w, now, progressEvery, job.Progress)
	start := time.Now()
	var sum attribution.Summary
	err = a.attributeLocked(ctx, db, func(ctx context.Context) (err error) {
		sum, err = job.Attribute(ctx, w, c.Force)
		return err
	})
	if err != nil {
		return err
	}
	a.log.Info("attributed", "hours", sum.Hours, "allocations", sum.Allocations, "estimatedNodeHours", sum.EstimatedNodeHrs,
		"took", time.Since(start).Round(time.Millisecond))
	for _, w := range sum.Warnings {
		a.log.Warn(w)
	}
	rows, err := db.Reconciliation(ctx, w, tally.CostBasis(c.Basis))
	if err != nil {
		return err
	}
	switch {
	case c.Format == "json":
		err = writeReconJSON(a.stdout, rows)
	case len(rows) == 0:
		_, err = fmt.Fprintln(a.stdout, nothingReconciled(w))
	default:
		err = writeReconTable(a.stdout, rows)
	}
	if err != nil {
		return err
	}
	if bad := countMismatches(rows); bad > 0 {
		return reconcileFailed{days: bad}
	}
	return nil
}

// attributionLock is the advisory lock attribution runs under, on every
// replica and in every command: a run saves an hour by moving the daily
// rollups by the difference from what is stored, so two runs saving the
// same hour at once would both add it.
const attributionLock = "tally-attribution"

// attributeLocked runs fn under attributionLock, waiting while another run
// holds it: serve's scheduler, or another tally command.
func (a *app) attributeLocked(ctx context.Context, db *postgres.DB, fn func(context.Context) error) error {
	ran, err := db.TryLock(ctx, attributionLock, fn)
	if ran || err != nil {
		return err
	}
	a.log.Info("waiting for another attribution run to finish (tally serve's scheduler, or another tally command)")
	return db.Lock(ctx, attributionLock, fn)
}

// attributionJob wires the attribution job to the database and the logger.
func (a *app) attributionJob(db *postgres.DB, share attribution.ShareBasis) *attribution.Job {
	return &attribution.Job{
		Engine: attribution.NewEngine(attribution.Policy{Share: share}),
		Store:  db,
		Progress: func(day time.Time, s attribution.Summary) {
			a.log.Debug("attributed day", "day", tally.FormatDay(day), "hours", s.Hours, "allocations", s.Allocations)
		},
	}
}

// progressEvery is how often a long attribution run says how far it got.
const progressEvery = 5 * time.Second

// logDays returns a Job.Progress for a run over w that logs how many of its
// days are done, at most every interval (the run's summary says the last),
// and calls next.
func logDays(log *slog.Logger, w tally.Window, now time.Time, every time.Duration, next func(time.Time, attribution.Summary)) func(time.Time, attribution.Summary) {
	const day = 24 * time.Hour
	first, end := w.Start.UTC().Truncate(day), w.End
	if ended := now.UTC().Truncate(time.Hour); ended.Before(end) {
		end = ended // the job attributes hours that have ended
	}
	total := int((end.Sub(first) + day - 1) / day)
	last, done, hours := time.Now(), 0, 0
	return func(d time.Time, sum attribution.Summary) {
		done, hours = done+1, hours+sum.Hours
		if done < total && time.Since(last) >= every {
			last = time.Now()
			log.Info("attributing", "days", done, "of", total, "hours", hours)
		}
		if next != nil {
			next(d, sum)
		}
	}
}

// attributeScheduled is one run of scheduleAttribution over w. It logs
// the run's warnings, as tally attribute prints them: unpriced and unbilled
// node-hours cost 0, and the log is where serve says why.
func (a *app) attributeScheduled(ctx context.Context, db *postgres.DB, w tally.Window) error {
	share, err := db.ShareBasis(ctx)
	if err != nil {
		return err
	}
	sum, err := a.attributionJob(db, share).Attribute(ctx, w, false)
	if sum.Hours > 0 {
		a.log.Info("attributed", "hours", sum.Hours, "allocations", sum.Allocations, "estimatedNodeHours", sum.EstimatedNodeHrs)
	}
	for _, w := range sum.Warnings {
		a.log.Warn(w)
	}
	return err
}

// scheduleAttribution attributes new and stale hours of the last 40 days a
// few minutes after every hour, on one replica at a time, with the stored
// share basis (tally attribute --share stores it).
func (a *app) scheduleAttribution(ctx context.Context, db *postgres.DB) {
	for {
		now := time.Now().UTC()
		w := tally.Window{Start: now.AddDate(0, 0, -40).Truncate(24 * time.Hour), End: now.Truncate(time.Hour)}
		ran, err := db.TryLock(ctx, attributionLock, func(ctx context.Context) error { return a.attributeScheduled(ctx, db, w) })
		switch {
		case err != nil:
			a.jobFailed(ctx, "scheduled attribution", err)
		case !ran:
			a.log.Debug("scheduled attribution runs on another replica")
		}
		next := now.Truncate(time.Hour).Add(time.Hour + 5*time.Minute)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
	}
}

// nothingReconciled says why the reconciliation of w has no rows: w holds
// no whole UTC day, or its days have neither bill nor allocations.
func nothingReconciled(w tally.Window) string {
	const day = 24 * time.Hour
	first, end := w.Start.Truncate(day), w.End.Truncate(day)
	if !end.After(first) {
		return fmt.Sprintf("no whole day to reconcile: the reconciliation covers whole UTC days, from midnight of the day --from falls in "+
			"to the last midnight before --to (%s); --to %s reconciles %s", w.End.Format(time.RFC3339), tally.FormatDay(first.Add(day)), tally.FormatDay(first))
	}
	days := "the day " + tally.FormatDay(first)
	if last := end.Add(-day); last.After(first) {
		days = "the days " + tally.FormatDay(first) + " to " + tally.FormatDay(last)
	}
	return "nothing to reconcile on " + days + ": no bill lines and no allocations; ingest the bill (tally ingest) and attribute again"
}

func countMismatches(rows []attribution.ReconRow) int {
	n := 0
	for i := range rows {
		if rows[i].Status() == "mismatch" {
			n++
		}
	}
	return n
}

// billHeaders heads the bill's column of the reconciliation table on each
// cost basis: billed cost is the invoice's.
var billHeaders = map[tally.CostBasis]string{
	tally.BasisAmortized: "AMORTIZED BILL", tally.BasisBilled: "INVOICE (BILLED)", tally.BasisList: "LIST BILL",
}

// writeReconTable writes rows, all on one cost basis, as a table.
func writeReconTable(w io.Writer, rows []attribution.ReconRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "DAY\tACCOUNT\tCUR\t%s\tALLOCATED\tIDLE\tSHARED\tUNALLOCATED\tDIFFERENCE\tSTATUS\t\n", billHeaders[rows[0].Basis])
	for i := range rows {
		r := &rows[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", tally.FormatDay(r.Day), r.Account, r.Currency,
			r.Bill.Format(2), r.Allocated.Format(2), r.Idle.Format(2), r.Shared.Format(2), r.Unallocated.Format(2),
			r.Difference().Format(6), r.Status())
	}
	return tw.Flush()
}

type reconJSON struct {
	attribution.ReconRow
	Difference tally.Money `json:"difference"`
	Status     string      `json:"status"`
}

func writeReconJSON(w io.Writer, rows []attribution.ReconRow) error {
	out := make([]reconJSON, len(rows))
	for i := range rows {
		out[i] = reconJSON{ReconRow: rows[i], Difference: rows[i].Difference(), Status: rows[i].Status()}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// dayWindow parses --from/--to (dates or RFC 3339), with defaults.
func dayWindow(from, to string, defFrom, defTo time.Time) (tally.Window, error) {
	parse := func(name, v string, def time.Time) (time.Time, error) {
		if v == "" {
			return def, nil
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, tally.Errorf(tally.EInvalid, "--%s %q: want YYYY-MM-DD or RFC 3339", name, v)
		}
		return t.UTC(), nil
	}
	start, err := parse("from", from, defFrom.Truncate(24*time.Hour))
	if err != nil {
		return tally.Window{}, err
	}
	end, err := parse("to", to, defTo)
	if err != nil {
		return tally.Window{}, err
	}
	w, err := tally.NewWindow(start.Truncate(time.Hour), end.Truncate(time.Hour))
	if err != nil {
		return w, tally.Errorf(tally.EInvalid, "--from %s to --to %s holds no hour to attribute", cmp.Or(from, "(90 days ago)"), cmp.Or(to, "(now)"))
	}
	return w, nil
}
