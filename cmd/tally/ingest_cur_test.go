package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// Pointed at a bucket holding an hourly legacy CUR and a daily CUR 2.0
// export of one month, `tally ingest aws-cur` fails naming both, the period
// and --allow-overlapping-reports, which then ingests both with a warning.
// The flag is aws-cur's and focus's (whose exports may lie side by side too).
func TestIngestAWSCURAllowOverlappingReports(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	march := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	hourly := curtest.Hours(curtest.Rows(curtest.Month(march)), 24)
	daily := curtest.Rollup(hourly, curtest.Daily)
	root := t.TempDir()
	legacy, err := curtest.WriteLegacyReport(root, "cur", "acme", march, hourly)
	if err != nil {
		t.Fatal(err)
	}
	export, err := curtest.WriteExport(root, "exports", "acme2", march, daily)
	if err != nil {
		t.Fatal(err)
	}
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}

	code, out, errOut := runTally("--database-url", url, "--log-format", "text", "ingest", "aws-cur", root)
	if code != exitUsage {
		t.Fatalf("without the flag: exit %d, want %d\n%s\n%s", code, exitUsage, out, errOut)
	}
	for _, w := range []string{"reports " + legacy + " and " + export + " bill the same charges of billing period 2025-03 of account 111111111111",
		"nothing was committed", "--allow-overlapping-reports ingests both"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("without the flag: stderr lacks %q:\n%s", w, errOut)
		}
	}
	if rows, _ := periodTotal(t, db, key); rows != 0 {
		t.Errorf("without the flag: %d rows stored, want none", rows)
	}

	code, out, errOut = runTally("--database-url", url, "--log-format", "text", "ingest", "aws-cur", "--allow-overlapping-reports", root)
	if code != 0 {
		t.Fatalf("with the flag: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Log(errOut)
	for _, w := range []string{"level=WARN", "two reports hold the same charges of a billing period", "period=2025-03",
		"reports=\"[" + legacy + " " + export + "]\""} {
		if !strings.Contains(errOut, w) {
			t.Errorf("with the flag: log lacks %q:\n%s", w, errOut)
		}
	}
	if rows, _ := periodTotal(t, db, key); rows != int64(len(hourly)+len(daily)) {
		t.Errorf("with the flag: %d rows stored, want both reports' %d", rows, len(hourly)+len(daily))
	}

	if code, out, _ := runTally("ingest", "aws-cur", "--help"); code != 0 || !strings.Contains(out, "--allow-overlapping-reports") {
		t.Errorf("ingest aws-cur --help: exit %d, lacks the flag:\n%s", code, out)
	}
	if code, _, errOut := runTally("ingest", "gcp-billing", "--allow-overlapping-reports", filepath.Join(root, "x.csv")); code != exitUsage ||
		!strings.Contains(errOut, "--allow-overlapping-reports") {
		t.Errorf("ingest gcp-billing --allow-overlapping-reports: exit %d, %s; want a usage error", code, errOut)
	}
}
