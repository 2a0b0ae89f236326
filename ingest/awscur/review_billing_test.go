package awscur_test

// Reproductions from the billing review (branch review-billing). They fail on
// the code reviewed; each names the defect it shows.

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
)

// TestReviewTwoReportsOfOneMonthAreBothIngested: AWS's migration guidance is
// to run a CUR 2.0 export next to the legacy CUR for a while, so a billing
// bucket often holds both reports of the same payer month. Pointed at the
// bucket (or a local copy of it), Select takes the current files of every
// manifest it finds, and both reports of March are ingested in one run: the
// month is stored twice over, with no warning. (Two exports filtered to
// different usage accounts are complementary and must both be read; the
// same line item — identity_line_item_id and identity_time_interval, which
// both reports carry — appearing twice in a period is what tells overlap
// apart, and nothing checks it.)
func TestReviewTwoReportsOfOneMonthAreBothIngested(t *testing.T) {
	root := t.TempDir()
	rows := curtest.Rows(curtest.Month(march))
	writeLegacy(t, root, "cur/acme/20250301-20250401/asm-1/acme-00001.csv.gz", rows)
	writeParquet(t, root, "exports/acme2/data/BILLING_PERIOD=2025-03/acme2-00001.snappy.parquet", rows)
	for name, body := range map[string]string{
		"cur/acme/20250301-20250401/acme-Manifest.json":                     `{"assemblyId":"asm-1","reportKeys":["cur/acme/20250301-20250401/asm-1/acme-00001.csv.gz"]}`,
		"exports/acme2/metadata/BILLING_PERIOD=2025-03/acme2-Manifest.json": `{"dataFiles":["s3://billing/exports/acme2/data/BILLING_PERIOD=2025-03/acme2-00001.snappy.parquet"]}`,
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, cleanup, err := awscur.Locate(context.Background(), []string{root}, awscur.S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	var billed tally.Money
	periods := map[string]int{}
	for _, f := range files {
		lines, bad, err := parse(t, f.Path)
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", f.Path, err, bad)
		}
		for _, l := range lines {
			billed, _ = billed.Add(l.BilledCost)
			periods[l.BillingAccountID+" "+l.BillingPeriodStart.Format("2006-01")]++
		}
	}
	t.Logf("%d files selected; lines per account and period %v; billed %s", len(files), periods, billed)
	if billed.Decimal() != "1557.4364" {
		t.Errorf("one payer month selected from two reports: billed %s, want the month's 1557.4364 once (or an error)", billed)
	}
}
