package focus_test

// Reproductions from the billing review (branch review-billing). They fail on
// the code reviewed; each names the defect it shows.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestReviewSameBillFromTwoSourcesCountsTwice: the README says "Each
// (billing account, month) found in the input is replaced in one
// transaction … re-ingesting a restated month leaves no duplicates", but the
// replaced unit is (account, month, source). The same AWS payer month
// ingested as CUR and then as the FOCUS export of the same bill (a team
// moving from CUR to FOCUS, or ingesting both) is stored twice, with no
// warning, and every sum over cost_lines (reconciliation, attribution,
// costs) counts it twice.
func TestReviewSameBillFromTwoSourcesCountsTwice(t *testing.T) {
	db := pgtest.New(t)
	ctx := t.Context()
	march := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	cur := filepath.Join(dir, "cur.parquet")
	f, err := os.Create(cur)
	if err != nil {
		t.Fatal(err)
	}
	if err := curtest.WriteParquet(f, curtest.Rows(curtest.Month(march))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := ingest.Run(ctx, db, "aws-cur", awscur.Parser{}, []ingest.File{{Name: cur, Path: cur}}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	// The same month's bill as FOCUS: one line carrying the month's
	// amortized total (16.6076), charged in the hour the CUR lines are.
	fcsv := filepath.Join(dir, "focus.csv")
	body := "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName\n" +
		"16.6076,16.6076,16.6076,16.6076," + curtest.Payer + ",USD,2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,Usage,2025-03-02T12:00:00Z,2025-03-02T13:00:00Z,Amazon Elastic Compute Cloud,AWS\n"
	if err := os.WriteFile(fcsv, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, db, "focus", focus.Parser{}, []ingest.File{{Name: fcsv, Path: fcsv}}, ingest.Options{}); err != nil {
		t.Fatal(err)
	}
	day := tally.Window{Start: march.AddDate(0, 0, 1), End: march.AddDate(0, 0, 2)}
	recon, err := db.Reconciliation(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	var billed tally.Money
	for _, r := range recon {
		billed, _ = billed.Add(r.Billed)
	}
	periods, _ := db.BillingPeriods(ctx)
	t.Logf("billing periods stored: %+v", periods)
	t.Logf("reconciliation bill for 2025-03-02, account %s: %s (the invoice's amortized total is 16.6076)", curtest.Payer, billed)
	if billed.Decimal() != "16.6076" {
		t.Errorf("the bill of one month counts %s, want 16.6076: the CUR and FOCUS copies are both summed", billed)
	}
}

// TestReviewSameFileTwiceInOneRunCountsTwice: a run given the same file
// twice (overlapping arguments such as `tally ingest focus bills/
// bills/2024-09.csv`, or a local copy next to its S3 original) adds its
// lines twice to the one period it replaces: the run records both files with
// the same SHA-256, yet nothing de-duplicates them, and the stored month is
// double the invoice.
func TestReviewSameFileTwiceInOneRunCountsTwice(t *testing.T) {
	db := pgtest.New(t)
	ctx := t.Context()
	copyPath := filepath.Join(t.TempDir(), "focus-1.0-sample.csv")
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Run(ctx, db, "focus", focus.Parser{},
		[]ingest.File{{Name: sample, Path: sample}, {Name: copyPath, Path: copyPath}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("files %s and %s: same SHA-256 %v; rows stored %d", res.Files[0].Path, res.Files[1].Path,
		res.Files[0].SHA256 == res.Files[1].SHA256, res.Rows)
	if res.Rows != 1000 {
		t.Errorf("one bill given twice stored %d rows, want its 1000 (billed total %s)", res.Rows, res.Totals.Sum("USD").Billed)
	}
}
