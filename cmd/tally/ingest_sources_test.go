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
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// writeFOCUS writes n FOCUS rows of billing account account and usage
// account sub for month to root/name, and returns the file's path.
func writeFOCUS(t *testing.T, root, name string, n int, account, sub string, month time.Time) string {
	t.Helper()
	var b bytes.Buffer
	if err := focustest.Write(&b, n, account, month, 1); err != nil {
		t.Fatal(err)
	}
	data := strings.ReplaceAll(b.String(), `"222222222222","prod"`, `"`+sub+`","prod"`)
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// One payer's bill of March through both CUR 2.0 (aws-cur) and its FOCUS
// Data Export (focus): the second source's ingest is refused, exit 2,
// naming the account, the month and the source holding it, and nothing of
// it is stored (attribution adds the sources up: each dollar would count
// twice). --replace-source aws-cur makes the FOCUS copy the one kept,
// removing aws-cur's charges of those usage accounts in the same
// transaction; aws-cur is then the one refused. A FOCUS export of another
// usage account of the same payer (a member account's own export, as the
// demo's) is stored beside the CUR.
func TestIngestRefusesAPeriodAnotherSourceHolds(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	march := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	rows := curtest.Rows(curtest.Month(march))
	root := t.TempDir()
	export, err := curtest.WriteExport(root, "exports", "acme-cur2", march, rows)
	if err != nil {
		t.Fatal(err)
	}
	// The payer's FOCUS export, of both usage accounts.
	writeFOCUS(t, root, "exports/acme-focus/payer.csv", 30, curtest.Payer, curtest.Account, march)
	focus := filepath.Dir(writeFOCUS(t, root, "exports/acme-focus/member.csv", 12, curtest.Payer, "333333333333", march))
	// A member account's own FOCUS export: of another usage account than the CUR's.
	member := writeFOCUS(t, root, "member/focus.csv", 12, curtest.Payer, "333333333333", march)
	cur := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	foc := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "focus"}

	tallyOK := mustTally(t, "--database-url", url)
	tallyOK("ingest", "aws-cur", export)
	curRows, curTotal := periodTotal(t, db, cur)
	if curRows == 0 {
		t.Fatal("aws-cur stored no rows")
	}
	if out := tallyOK("ingest", "focus", member); !strings.Contains(out, "account 111111111111: 12 rows") {
		t.Errorf("a member account's FOCUS export beside the payer's CUR: not stored\n%s", out)
	}

	code, out, errOut := runTally("--database-url", url, "ingest", "focus", focus)
	if code != exitUsage {
		t.Fatalf("ingest focus of a month aws-cur holds: exit %d, want %d\n%s\n%s", code, exitUsage, out, errOut)
	}
	t.Log(errOut)
	for _, w := range []string{"billing period 2025-03 of account 111111111111", "aws-cur", "usage account 222222222222",
		"nothing was committed", "--replace-source aws-cur"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("refused ingest: stderr lacks %q:\n%s", w, errOut)
		}
	}
	if n, _ := periodTotal(t, db, foc); n != 12 {
		t.Errorf("refused ingest: focus holds %d rows, want the member export's 12", n)
	}
	if n, total := periodTotal(t, db, cur); n != curRows || total != curTotal {
		t.Errorf("refused ingest: aws-cur holds %d rows (%s), want %d (%s) as before", n, total, curRows, curTotal)
	}

	out = tallyOK("ingest", "focus", "--replace-source", "aws-cur", focus)
	t.Log(out)
	if n, _ := periodTotal(t, db, foc); n != 42 {
		t.Errorf("--replace-source aws-cur: focus holds %d rows, want 42\n%s", n, out)
	}
	if n, _ := periodTotal(t, db, cur); n != 0 {
		t.Errorf("--replace-source aws-cur: aws-cur still holds %d rows of the month, want none", n)
	}
	if w := "replaced aws-cur's charges of usage account 222222222222 in period 2025-03 account 111111111111"; !strings.Contains(out, w) {
		t.Errorf("--replace-source aws-cur: output lacks %q:\n%s", w, out)
	}

	code, out, errOut = runTally("--database-url", url, "ingest", "aws-cur", export)
	if code != exitUsage || !strings.Contains(errOut, "focus") || !strings.Contains(errOut, "--replace-source focus") {
		t.Errorf("ingest aws-cur after focus took the month over: exit %d, want %d naming focus\n%s\n%s", code, exitUsage, out, errOut)
	}

	if code, out, _ := runTally("ingest", "focus", "--help"); code != 0 || !strings.Contains(out, "--replace-source") {
		t.Errorf("ingest focus --help: exit %d, lacks --replace-source:\n%s", code, out)
	}
}
