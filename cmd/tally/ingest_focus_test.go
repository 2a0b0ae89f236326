package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// An AWS Data Export of FOCUS set to create a new file on every refresh
// keeps each refresh of a month under its BILLING_PERIOD folder; the
// month's manifest (metadata/BILLING_PERIOD=…/<export>-Manifest.json)
// lists the current one. Ingest reads that one only, not the month once
// per refresh, and still reads FOCUS files of no export beside it.
func TestIngestFOCUSDataExportReadsTheManifestFiles(t *testing.T) {
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	root := t.TempDir()
	export := filepath.Join(root, "exports", "acme-focus")
	write := func(name string, rows int, account string, seed int64) {
		t.Helper()
		var b bytes.Buffer
		if err := focustest.Write(&b, rows, account, month, seed); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("exports/acme-focus/data/BILLING_PERIOD=2026-10/20261005T0600Z-aaaa/acme-focus-00001.csv", 40, "111111111111", 1)
	write("exports/acme-focus/data/BILLING_PERIOD=2026-10/20261006T0600Z-bbbb/acme-focus-00001.csv", 50, "111111111111", 2)
	write("other/azure-focus.csv", 7, "222222222222", 3)
	manifest := `{"exportName":"acme-focus","billingPeriod":{"start":"2026-10-01T00:00:00.000Z","end":"2026-11-01T00:00:00.000Z"},` +
		`"dataFiles":["s3://bills/exports/acme-focus/data/BILLING_PERIOD=2026-10/20261006T0600Z-bbbb/acme-focus-00001.csv"]}`
	mp := filepath.Join(export, "metadata", "BILLING_PERIOD=2026-10", "acme-focus-Manifest.json")
	if err := os.MkdirAll(filepath.Dir(mp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mp, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}

	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	for _, arg := range []string{root, export} {
		code, out, errOut := runTally("--database-url", url, "ingest", "focus", arg)
		if code != 0 {
			t.Fatalf("ingest focus %s: exit %d\n%s\n%s", arg, code, out, errOut)
		}
		key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: month, Source: "focus"}
		if rows, total := periodTotal(t, db, key); rows != 50 {
			t.Errorf("ingest focus %s: the export's month holds %d rows (%s), want the current refresh's 50\n%s", arg, rows, total, out)
		}
		if arg == root && !strings.Contains(out, "account 222222222222: 7 rows") {
			t.Errorf("ingest focus %s: the file of no export is not read\n%s", arg, out)
		}
	}
}
