package focus_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestIngestSampleIsIdempotent(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	files := []ingest.File{{Name: sample, Path: sample}}
	var first *ingest.Result
	for i := 0; i < 2; i++ {
		res, err := ingest.Run(ctx, db, "focus", focus.Parser{}, files, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 1000 || len(res.Periods) != 4 {
			t.Fatalf("run %d: %d rows, periods %+v", i, res.Rows, res.Periods)
		}
		if first == nil {
			first = res
		}
	}
	var total int64
	for _, p := range first.Periods {
		totals, err := db.PeriodTotals(ctx, p.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range totals {
			total += pt.Rows
		}
	}
	if total != 1000 {
		t.Fatalf("stored %d lines after two ingests, want 1000", total)
	}
	runs, err := db.IngestRuns(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Status != "committed" || runs[0].Rows != 1000 || len(runs[0].Periods) != 4 {
		t.Fatalf("runs %+v", runs)
	}
	f := runs[0].Files[0]
	if len(f.SHA256) != 64 || f.Rows != 1000 || f.Bytes == 0 {
		t.Fatalf("file record %+v", f)
	}
	var totals map[string]map[string]struct {
		Rows   int64  `json:"rows"`
		Billed string `json:"billed"`
	}
	if err := json.Unmarshal(runs[0].Totals, &totals); err != nil {
		t.Fatal(err)
	}
	if totals["USD"]["Usage"].Rows == 0 || totals["USD"]["Credit"].Billed == "" {
		t.Fatalf("totals %s", runs[0].Totals)
	}
}

func TestBadRowRejectsFileOrIsSkipped(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	lines[5] = strings.Replace(lines[5], `"USD"`, `"US Dollars"`, 1)
	path := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	files := []ingest.File{{Name: "bad.csv", Path: path}}

	_, err = ingest.Run(ctx, db, "focus", focus.Parser{}, files, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), `bad.csv:6: column BillingCurrency value "US Dollars"`) || tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("err = %v", err)
	}
	if periods, _ := db.BillingPeriods(ctx); len(periods) != 0 {
		t.Fatalf("a rejected file committed %v", periods)
	}
	res, err := ingest.Run(ctx, db, "focus", focus.Parser{}, files, ingest.Options{SkipBadRows: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 999 || res.Rejected != 1 {
		t.Fatalf("rows %d rejected %d", res.Rows, res.Rejected)
	}
	rejects, err := db.IngestRejects(ctx, res.RunID)
	if err != nil || len(rejects) != 1 || rejects[0].Line != 6 || rejects[0].Column != "BillingCurrency" || rejects[0].Value != "US Dollars" {
		t.Fatalf("rejects %+v %v", rejects, err)
	}
	runs, _ := db.IngestRuns(ctx, 5)
	if runs[1].Status != "failed" || !strings.Contains(runs[1].Error, "bad.csv:6") || runs[0].RejectedRows != 1 {
		t.Fatalf("runs %+v", runs)
	}
}

func TestMixedCurrenciesInOnePeriodAreAnError(t *testing.T) {
	db := pgtest.New(t)
	raw, _ := os.ReadFile(sample)
	lines := strings.Split(string(raw), "\n")
	lines[10] = strings.Replace(lines[10], `"USD"`, `"EUR"`, 1)
	path := filepath.Join(t.TempDir(), "mixed.csv")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	_, err := ingest.Run(context.Background(), db, "focus", focus.Parser{}, []ingest.File{{Name: "mixed.csv", Path: path}}, ingest.Options{SkipBadRows: true})
	if err == nil || !strings.Contains(err.Error(), "mixed.csv:11") || !strings.Contains(err.Error(), "mixed currencies") {
		t.Fatalf("err = %v", err)
	}
	var _ = postgres.CostLineFilter{}
}
