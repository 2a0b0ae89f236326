package attribution_test

// Lines billed in a later month than their charge period (GCP's
// invoice.month for late usage and credits, FOCUS corrections) are
// attributed, reconciled and costed on their charge days.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// gcpRow is a GCP export row of account GCP-ACCT: cost USD of usage in the
// hour starting at hour, invoiced in invoiceMonth (YYYYMM).
func gcpRow(hour string, cost int, invoiceMonth string) string {
	start, _ := time.Parse(time.DateTime, hour)
	return fmt.Sprintf(`{"billing_account_id":"GCP-ACCT","service":{"description":"Cloud Storage"},"sku":{"id":"S1","description":"Standard Storage"},`+
		`"usage_start_time":"%s UTC","usage_end_time":"%s UTC","project":{"id":"p"},"cost":%d,"currency":"USD","invoice":{"month":"%s"},"cost_type":"regular"}`+"\n",
		start.Format(time.DateTime), start.Add(time.Hour).Format(time.DateTime), cost, invoiceMonth)
}

// ingestGCP ingests rows as one GCP export file and returns the run's USD
// EffectiveCost.
func ingestGCP(t *testing.T, db *postgres.DB, rows ...string) tally.Money {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.ndjson")
	if err := os.WriteFile(path, []byte(strings.Join(rows, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Run(ctx, db, "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: path, Path: path}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Totals.Sum("USD").Effective
}

// TestLateInvoicedGCPRowIsAttributedOnItsChargeDay: a GCP export row whose
// usage is on 30 September but which is invoiced in October (invoice.month
// 202410, as late-reported usage and credits for past usage are) is stored
// with billing_period_start 2024-10-01. Attribution runs a day at a time,
// so the September day must read it from the October period: its 10 USD
// is allocated there, the day reconciles with it, and the day's cost is
// the same whatever window DailyCosts is asked for.
func TestLateInvoicedGCPRowIsAttributedOnItsChargeDay(t *testing.T) {
	db := pgtest.New(t)
	ingested := ingestGCP(t, db, gcpRow("2024-09-15 10:00:00", 5, "202409"), gcpRow("2024-09-30 22:00:00", 10, "202410"))
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
	recon, err := db.Reconciliation(ctx, day, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	var billed tally.Money
	for _, r := range recon {
		billed, _ = billed.Add(r.Bill)
	}
	t.Logf("reconciliation of 2024-09-30: %d rows, bill %s", len(recon), billed)
	if !billed.Equal(tally.FromInt(10, "USD")) {
		t.Errorf("reconciliation of 2024-09-30 sees a bill of %s, want the 10 USD charged that day", billed)
	}
	for _, r := range recon {
		if r.Status() != "ok" {
			t.Errorf("reconciliation of 2024-09-30: %+v (%s)", r, r.Status())
		}
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

// TestLateInvoicedGCPRowRevisitsItsChargeDay: September is attributed
// before October's invoice lands with a row for usage on 30 September. The
// hourly job (attributing stale hours only) must revisit that hour, so the
// allocations and the day's reconciliation include the row.
func TestLateInvoicedGCPRowRevisitsItsChargeDay(t *testing.T) {
	db := pgtest.New(t)
	ingested := ingestGCP(t, db, gcpRow("2024-09-15 10:00:00", 5, "202409"), gcpRow("2024-09-30 21:00:00", 7, "202409"))
	w := tally.Window{Start: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if sum, err := job.Attribute(ctx, w, false); err != nil || sum.Hours != 0 {
		t.Fatalf("second run: %+v, %v; want nothing stale", sum, err)
	}
	time.Sleep(5 * time.Millisecond)
	late := ingestGCP(t, db, gcpRow("2024-09-30 22:00:00", 10, "202410"), gcpRow("2024-10-02 08:00:00", 1, "202410"))
	ingested, _ = ingested.Add(late)
	day := tally.Window{Start: time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)}
	stale, err := db.StaleHours(ctx, day, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	// From the row's hour to October: its period's charges span them.
	if want := []tally.Hour{tally.HourOf(day.Start.Add(22 * time.Hour)), tally.HourOf(day.Start.Add(23 * time.Hour))}; !slices.Equal(stale, want) {
		t.Errorf("stale hours of 2024-09-30 after October's invoice: %v, want %v", stale, want)
	}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	// October's days, and the hours of 30 September October's invoice
	// makes stale (only stale hours are computed).
	if want := 31*24 + 2; sum.Hours != want {
		t.Errorf("after October's invoice: %d hours recomputed, want %d", sum.Hours, want)
	}
	eff, _ := allocatedTotals(t, db, "GCP-ACCT", w)
	if !eff.Equal(ingested) {
		t.Errorf("allocated %s of an ingested %s", eff, ingested)
	}
	recon, err := db.Reconciliation(ctx, day, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	if len(recon) != 1 || recon[0].Status() != "ok" || recon[0].Bill.Decimal() != "17" {
		t.Errorf("reconciliation of 2024-09-30: %+v, want 17 USD billed and allocated", recon)
	}
}

// TestFOCUSSampleLateBilledRowIsAttributed: the FOCUS 1.0 sample's Oracle
// row charged 2024-09-30 22:00–23:00 belongs to billing period 2024-10
// (BilledCost 0.24). Attributing September and October allocates all of
// the account's bill, that row included.
func TestFOCUSSampleLateBilledRowIsAttributed(t *testing.T) {
	db := pgtest.New(t)
	sample := "../ingest/focus/testdata/focus-1.0-sample.csv"
	res, err := ingest.Run(ctx, db, "focus", focus.Parser{}, []ingest.File{{Name: sample, Path: sample}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
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
