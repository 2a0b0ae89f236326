package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// buildTally compiles the tally binary into a temporary directory.
func buildTally(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tally")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func periodTotal(t *testing.T, db *postgres.DB, key tally.BillingPeriodKey) (int64, string) {
	t.Helper()
	totals, err := db.PeriodTotals(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	sum := tally.Zero("USD")
	for _, pt := range totals {
		rows += pt.Rows
		sum, _ = sum.Add(pt.EffectiveCost)
	}
	return rows, sum.Decimal()
}

// TestKilledIngestKeepsPreviousVersion kills `tally ingest` with SIGKILL
// while it streams a large restatement of a period through COPY, and checks
// that the period still holds the previous version, whole.
func TestKilledIngestKeepsPreviousVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and ingests a large file")
	}
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bin := buildTally(t)
	dir := t.TempDir()
	month := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	write := func(name string, n int, seed int64) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := focustest.Write(f, n, "999999999999", month, seed); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	v1 := write("v1.csv", 5000, 1)
	big := write("v2.csv", 1500000, 2)

	out, err := exec.Command(bin, "--database-url", url, "ingest", "focus", v1).CombinedOutput()
	if err != nil {
		t.Fatalf("ingest v1: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "committed") || !strings.Contains(string(out), "rows 5000") {
		t.Fatalf("summary:\n%s", out)
	}
	key := tally.BillingPeriodKey{BillingAccountID: "999999999999", Start: month, Source: "focus"}
	rows1, sum1 := periodTotal(t, db, key)
	if rows1 != 5000 {
		t.Fatalf("v1 stored %d rows", rows1)
	}

	cmd := exec.Command(bin, "--database-url", url, "ingest", "focus", "--progress=always", big)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Progress is drawn after batches went to COPY: kill once 200,000 rows streamed.
	sc := bufio.NewScanner(stderr)
	sc.Split(scanCR)
	killed := false
	for sc.Scan() {
		if n := rowsIn(sc.Text()); n >= 200000 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			t.Logf("killed at %q", strings.TrimSpace(sc.Text()))
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	err = cmd.Wait()
	if !killed {
		t.Fatalf("ingest finished before it could be killed: %v", err)
	}
	rows2, sum2 := periodTotal(t, db, key)
	if rows2 != rows1 || sum2 != sum1 {
		t.Fatalf("after kill: %d rows, %s effective; want the previous %d rows, %s", rows2, sum2, rows1, sum1)
	}
	runs, err := db.IngestRuns(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if runs[0].Status != "running" || runs[1].Status != "committed" {
		t.Fatalf("runs: %+v", runs)
	}
	periods, _ := db.BillingPeriods(context.Background())
	if len(periods) != 1 || periods[0].RunID != runs[1].ID {
		t.Fatalf("billing period points at %+v, want run %d", periods, runs[1].ID)
	}
}

func scanCR(data []byte, atEOF bool) (int, []byte, error) {
	for i, b := range data {
		if b == '\r' || b == '\n' {
			return i + 1, data[:i], nil
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// rowsIn reads the row count of a progress line ("… 123456 rows …").
func rowsIn(s string) int {
	f := strings.Fields(s)
	for i := 1; i < len(f); i++ {
		if f[i] == "rows" {
			n := 0
			for _, c := range f[i-1] {
				if c < '0' || c > '9' {
					return 0
				}
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	return 0
}

// TestIngestMissingPath: a path that does not exist is a usage error (exit
// 2) that names it, for every source.
func TestIngestMissingPath(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-bill")
	for _, source := range []string{"focus", "aws-cur", "gcp-billing"} {
		code, _, errOut := runTally("--database-url", "postgres://unused.invalid/x", "ingest", source, missing)
		if code != 2 || !strings.Contains(errOut, missing) || !strings.Contains(errOut, "no such file or directory") {
			t.Errorf("ingest %s %s: exit %d, %s", source, missing, code, errOut)
		}
	}
}

// The summary says "nothing committed" only when nothing was.
func TestIngestSummaryStatus(t *testing.T) {
	for _, tc := range []struct {
		committed bool
		err       error
		want      string
	}{
		{true, nil, ": committed\n"},
		{false, errors.New("disk full"), ": failed, nothing committed\n"},
		{true, errors.New("the bill was committed, but recording the ingest run failed: context canceled"), ": committed, but its record"},
	} {
		var buf bytes.Buffer
		printSummary(&buf, &ingest.Result{RunID: 3, Source: "focus", Committed: tc.committed}, tc.err)
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("committed %v, err %v: summary %q, want %q", tc.committed, tc.err, buf.String(), tc.want)
		}
	}
}

// TestIngestSummaryPeriodTotals: the summary gives each period's billed and
// amortized totals with their currency, and a failed run says nothing was
// committed without counting rows and periods as if they were stored.
func TestIngestSummaryPeriodTotals(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	out := tly("ingest", "gcp-billing", "../../ingest/gcpbilling/testdata/export.ndjson")
	if w := "  period 2025-03 account 01A2B3-C4D5E6-F7A8B9: 5 rows, billed 1.41 USD, amortized 1.41 USD\n"; !strings.Contains(out, w) {
		t.Errorf("summary lacks %q:\n%s", w, out)
	}

	good, err := os.ReadFile("../../ingest/gcpbilling/testdata/export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "export.ndjson")
	if err := os.WriteFile(bad, append(good, `{"billing_account_id":"01A2B3-C4D5E6-F7A8B9","cost":"lots"}`+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "ingest", "gcp-billing", bad)
	if code != exitUsage || !strings.Contains(out, "failed, nothing committed") || strings.Contains(out, "rows 5") || strings.Contains(out, "periods 1") {
		t.Errorf("failed ingest: exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}
}

// An ingest that finds no cost row in its whole input fails (exit 2),
// naming the input and committing nothing: a header-only FOCUS or legacy
// CUR file, an empty or blank GCP export, or rows that --skip-bad-rows
// rejected, every one. One empty file beside files with rows is ingested:
// a BigQuery extract to several files may leave one without rows.
func TestIngestNoCostRows(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var cur bytes.Buffer
	zw := gzip.NewWriter(&cur)
	zw.Write([]byte("bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/CurrencyCode,lineItem/UnblendedCost\n"))
	zw.Close()
	var bad bytes.Buffer
	if err := focustest.Write(&bad, 3, "111111111111", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 1); err != nil {
		t.Fatal(err)
	}
	allBad := regexp.MustCompile(`(?m)^("us-east-1a"),[0-9.]+,`).ReplaceAllString(bad.String(), `$1,"x1",`)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"FOCUS header only", []string{"focus", write("focus/header.csv", []byte(focustest.Header+"\n"))},
			"no cost rows in " + filepath.Join(dir, "focus/header.csv")},
		{"legacy CUR header only", []string{"aws-cur", filepath.Join(filepath.Dir(write("cur/rep/20250301-20250401/rep-00001.csv.gz", cur.Bytes())), "..")},
			"no cost rows in " + filepath.Join(dir, "cur/rep/20250301-20250401/rep-00001.csv.gz")},
		{"empty GCP export", []string{"gcp-billing", write("gcp/empty.ndjson", nil)}, "no cost rows in " + filepath.Join(dir, "gcp/empty.ndjson")},
		{"blank GCP export", []string{"gcp-billing", write("gcp/blank.ndjson", []byte("\n  \n\n"))}, "no cost rows in " + filepath.Join(dir, "gcp/blank.ndjson")},
		{"every row rejected", []string{"focus", "--skip-bad-rows", write("focus/bad.csv", []byte(allBad))},
			"no cost rows in " + filepath.Join(dir, "focus/bad.csv") + ": all 3 rows were rejected as bad (the first: " +
				filepath.Join(dir, "focus/bad.csv") + `:2: column BilledCost value "x1": not a decimal number)`},
	} {
		code, out, errOut := runTally(append([]string{"--database-url", url, "--log-level", "warn", "ingest"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "nothing was committed") || !strings.Contains(out, "failed, nothing committed") {
			t.Errorf("%s: exit %d, want %d, stderr naming %q and that nothing was committed\nstdout: %s\nstderr: %s", tc.name, code, exitUsage, tc.want, out, errOut)
		}
	}
	if periods, err := db.BillingPeriods(context.Background()); err != nil || len(periods) != 0 {
		t.Fatalf("periods %v, %v; want none committed", periods, err)
	}

	good, err := os.ReadFile("../../ingest/gcpbilling/testdata/export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	write("shards/000000000000.json", good)
	write("shards/000000000001.json", nil)
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "ingest", "gcp-billing", filepath.Join(dir, "shards"))
	if code != 0 || !strings.Contains(out, "files 2, rows 5,") {
		t.Errorf("an empty shard beside a full one: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// Cloud Storage is not read directly: gs:// (or any URL but s3://) is a
// usage error that says so and how to get the files, for GCP how to
// extract the billing table too. The help of gcp-billing says what it
// reads, and not aws-cur's manifests.
func TestIngestURLsNotRead(t *testing.T) {
	for _, tc := range []struct {
		source, path string
		want         []string
	}{
		{"gcp-billing", "gs://billing/export", []string{"gs://billing/export: gs:// is not read directly",
			"gcloud storage cp -r gs://billing/export ./bill", "tally ingest gcp-billing ./bill",
			"bq extract --destination_format NEWLINE_DELIMITED_JSON --compression GZIP", "'gs://BUCKET/gcp_billing_export_resource_v1_ACCOUNT/*.json.gz'"}},
		{"focus", "gs://billing/focus", []string{"gs://billing/focus: gs:// is not read directly", "gcloud storage cp -r gs://billing/focus ./bill", "tally ingest focus ./bill"}},
		{"aws-cur", "https://example.com/cur.csv", []string{"https://example.com/cur.csv: https:// is not read directly: download the files and ingest the local folder, or give s3://bucket/prefix"}},
	} {
		code, out, errOut := runTally("--database-url", "postgres://unused.invalid/x", "ingest", tc.source, tc.path)
		for _, w := range tc.want {
			if code != exitUsage || !strings.Contains(errOut, w) {
				t.Errorf("ingest %s %s: exit %d, stderr lacks %q\nstdout: %s\nstderr: %s", tc.source, tc.path, code, w, out, errOut)
			}
		}
	}
	code, out, _ := runTally("ingest", "gcp-billing", "--help")
	if code != 0 || strings.Contains(out, "manifest") || !strings.Contains(out, "gs:// is not read") || !strings.Contains(out, "NDJSON") {
		t.Errorf("ingest gcp-billing --help: exit %d; want what it reads, gs:// not read, no manifests:\n%s", code, out)
	}
	for _, source := range []string{"aws-cur", "focus"} {
		if code, out, _ := runTally("ingest", source, "--help"); code != 0 || !strings.Contains(out, "manifests pick the current files") {
			t.Errorf("ingest %s --help: exit %d; want the manifests:\n%s", source, code, out)
		}
	}
}

// TestReplaceSourceNamesTheOthers: --replace-source of the ingest's own
// source is refused naming the sources it may be, not the ingest's own
// among them (it listed "focus, aws-cur or gcp-billing" to focus).
func TestReplaceSourceNamesTheOthers(t *testing.T) {
	for source, want := range map[string]string{"focus": "aws-cur or gcp-billing", "aws-cur": "focus or gcp-billing", "gcp-billing": "focus or aws-cur"} {
		err := checkReplaceSources(source, []string{source})
		if err == nil || !strings.Contains(err.Error(), "want "+want) || tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("%s --replace-source %s: %v, want EInvalid saying %q", source, source, err, "want "+want)
		}
	}
	if err := checkReplaceSources("focus", []string{"aws-cur", "gcp-billing"}); err != nil {
		t.Errorf("focus --replace-source aws-cur,gcp-billing: %v", err)
	}
}
