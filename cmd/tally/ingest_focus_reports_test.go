package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// Two FOCUS exports of one bill side by side (an hourly one and another
// delivered to a second folder, or two AWS Data Exports) are two reports:
// the run fails naming both and the period, committing nothing, as for
// CUR, and --allow-overlapping-reports ingests both. Their files had no
// report, so both were stored and the month summed twice. The days of one
// export split into date folders (OCI's FOCUS reports: …/2025/03/01/) are
// one report.
func TestIngestFOCUSTwoExportsOfOneBill(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	march := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := focustest.Write(&b, 48, "111111111111", march, 1); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	header, rows := lines[0], slices.Clone(lines[1:])
	slices.Reverse(rows) // the same lines, another file
	root := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("bills/focus-hourly/march.csv", b.String())
	write("bills/focus-copy/march.csv", header+strings.Join(rows, ""))
	key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: march, Source: "focus"}

	code, out, errOut := runTally("--database-url", url, "--log-format", "text", "ingest", "focus", filepath.Join(root, "bills"))
	if code != exitUsage {
		t.Fatalf("two FOCUS exports of one bill: exit %d, want %d\n%s\n%s", code, exitUsage, out, errOut)
	}
	hourly, copied := filepath.ToSlash(filepath.Join(root, "bills", "focus-hourly")), filepath.ToSlash(filepath.Join(root, "bills", "focus-copy"))
	for _, w := range []string{"reports " + copied + " and " + hourly + " hold the same 48 lines of billing period 2025-03 of account 111111111111",
		"nothing was committed", "--allow-overlapping-reports ingests both"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("two FOCUS exports: stderr lacks %q:\n%s", w, errOut)
		}
	}
	if n, _ := periodTotal(t, db, key); n != 0 {
		t.Errorf("two FOCUS exports: %d rows stored, want none", n)
	}

	code, out, errOut = runTally("--database-url", url, "--log-format", "text", "ingest", "focus", "--allow-overlapping-reports", filepath.Join(root, "bills"))
	if code != 0 || !strings.Contains(errOut, "level=WARN") {
		t.Fatalf("--allow-overlapping-reports: exit %d, want 0 and a warning\n%s\n%s", code, out, errOut)
	}
	if n, _ := periodTotal(t, db, key); n != 96 {
		t.Errorf("--allow-overlapping-reports: %d rows stored, want both exports' 96", n)
	}

	// One export's days in date folders, billing alike each day: one
	// report, whose days add up (as two, their monthly totals would agree).
	b.Reset()
	if err := focustest.Write(&b, 24, "111111111111", march, 1); err != nil {
		t.Fatal(err)
	}
	const period = `"2025-04-01 00:00:00","2025-03-01 00:00:00"`
	day1 := b.String()
	day2 := strings.ReplaceAll(day1, period, "PERIOD")
	day2 = strings.ReplaceAll(day2, "2025-03-02 ", "2025-03-03 ")
	day2 = strings.ReplaceAll(day2, "2025-03-01 ", "2025-03-02 ")
	day2 = strings.ReplaceAll(day2, "PERIOD", period)
	write("oci/FOCUS Reports/2025/03/01/0001.csv", day1)
	write("oci/FOCUS Reports/2025/03/02/0001.csv", day2)
	code, out, errOut = runTally("--database-url", url, "ingest", "focus", filepath.Join(root, "oci"))
	if code != 0 {
		t.Fatalf("one export in day folders: exit %d\n%s\n%s", code, out, errOut)
	}
	if n, _ := periodTotal(t, db, key); n != 48 {
		t.Errorf("one export in day folders: %d rows stored, want 48\n%s", n, out)
	}
}
