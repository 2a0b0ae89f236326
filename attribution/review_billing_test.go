package attribution_test

// Reproductions from the billing review (branch review-billing). They fail on
// the code reviewed; each names the defect it shows.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/ingest/gcpbilling"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// allocatedTotals sums the stored allocations of account over w.
func allocatedTotals(t *testing.T, db *postgres.DB, account string, w tally.Window) (effective, billed tally.Money) {
	t.Helper()
	allocs, err := db.Allocations(ctx, account, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allocs {
		effective, _ = effective.Add(a.EffectiveCost)
		billed, _ = billed.Add(a.BilledCost)
	}
	return effective, billed
}

// TestReviewLateInvoicedGCPRowIsNeverAttributed: a GCP export row whose
// usage is on 30 September but which is invoiced in October (invoice.month
// 202410, as late-reported usage and credits for past usage are) is stored
// with billing_period_start 2024-10-01. Attribution runs a day at a time and
// CostLinesOverlapping requires billing_period_start < the window's end, so
// the September day never sees the line, and the October days do not
// overlap its charge period: its $10 is never allocated, although the
// invoice (and the ingest totals) hold it.
func TestReviewLateInvoicedGCPRowIsNeverAttributed(t *testing.T) {
	db := pgtest.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "export.ndjson")
	rows := `{"billing_account_id":"GCP-ACCT","service":{"description":"Cloud Storage"},"sku":{"id":"S1","description":"Standard Storage"},"usage_start_time":"2024-09-15 10:00:00 UTC","usage_end_time":"2024-09-15 11:00:00 UTC","project":{"id":"p"},"cost":5,"currency":"USD","invoice":{"month":"202409"},"cost_type":"regular"}
{"billing_account_id":"GCP-ACCT","service":{"description":"Cloud Storage"},"sku":{"id":"S1","description":"Standard Storage"},"usage_start_time":"2024-09-30 22:00:00 UTC","usage_end_time":"2024-09-30 23:00:00 UTC","project":{"id":"p"},"cost":10,"currency":"USD","invoice":{"month":"202410"},"cost_type":"regular"}
`
	if err := os.WriteFile(path, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Run(ctx, db, "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: path, Path: path}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ingested := res.Totals.Sum("USD").Effective
	w := tally.Window{Start: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	eff, _ := allocatedTotals(t, db, "GCP-ACCT", w)
	t.Logf("ingested EffectiveCost %s, allocated %s over %v", ingested, eff, w)
	if !eff.Equal(ingested) {
		t.Errorf("allocated %s of an ingested (invoiced) %s: the row invoiced in October for September usage is lost", eff, ingested)
	}
	// The reconciliation of that day does not see the line either, so it
	// reports the day as balanced.
	day := tally.Window{Start: time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)}
	recon, err := db.Reconciliation(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	var billed tally.Money
	for _, r := range recon {
		billed, _ = billed.Add(r.Billed)
	}
	t.Logf("reconciliation of 2024-09-30: %d rows, bill %s", len(recon), billed)
	if !billed.Equal(tally.FromInt(10, "USD")) {
		t.Errorf("reconciliation of 2024-09-30 sees a bill of %s, want the 10 USD charged that day", billed)
	}
	// DailyCosts (forecasts, cost series) has the same bound: the cost of
	// 2024-09-30 depends on the window it is asked in.
	for _, w := range []tally.Window{day, {Start: day.Start, End: day.End.AddDate(0, 0, 1)}} {
		costs, err := db.DailyCosts(ctx, tally.GroupBillingAccount, tally.BasisAmortized, w)
		if err != nil {
			t.Fatal(err)
		}
		var c tally.Money
		for _, d := range costs {
			if d.Day.Equal(day.Start) {
				c, _ = c.Add(d.Cost)
			}
		}
		t.Logf("DailyCosts over %v: 2024-09-30 costs %s", w, c)
		if !c.Equal(tally.FromInt(10, "USD")) {
			t.Errorf("DailyCosts over %v: 2024-09-30 costs %s, want 10 USD", w, c)
		}
	}
}

// TestReviewFOCUSSampleLateBilledRowIsNeverAttributed is the same defect on
// the real FOCUS 1.0 sample: its Oracle row charged 2024-09-30 22:00–23:00
// belongs to billing period 2024-10 (BilledCost 0.24). Attributing all of
// September and October allocates none of it.
func TestReviewFOCUSSampleLateBilledRowIsNeverAttributed(t *testing.T) {
	db := pgtest.New(t)
	sample := "../ingest/focus/testdata/focus-1.0-sample.csv"
	res, err := ingest.Run(ctx, db, "focus", focus.Parser{}, []ingest.File{{Name: sample, Path: sample}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = res
	const oracle = "20209880"
	var want tally.Money
	for _, p := range res.Periods {
		if p.Key.BillingAccountID != oracle {
			continue
		}
		totals, err := db.PeriodTotals(ctx, p.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range totals {
			want, _ = want.Add(pt.BilledCost)
		}
	}
	w := tally.Window{Start: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	_, billed := allocatedTotals(t, db, oracle, w)
	t.Logf("Oracle account: ingested BilledCost %s, allocated BilledCost %s", want, billed)
	if !billed.Equal(want) {
		t.Errorf("allocated BilledCost %s of the ingested %s for account %s", billed, want, oracle)
	}
}
