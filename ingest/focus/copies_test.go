package focus_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/internal/pgtest"
)

// A run given the same bill twice (overlapping arguments such as `tally
// ingest focus bills/ bills/2024-09.csv`, or a local copy next to its S3
// original) reads it once: the copy is listed with its checksum and no
// rows, the logger says why, and the stored months are the bill's, not
// double it.
func TestRunReadsACopiedFileOnce(t *testing.T) {
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
	var logs bytes.Buffer
	res, err := ingest.Run(ctx, db, "focus", focus.Parser{},
		[]ingest.File{{Name: sample, Path: sample}, {Name: copyPath, Path: copyPath}, {Name: sample, Path: sample}},
		ingest.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("logged:\n%s", logs.String())
	if res.Rows != 1000 || res.Totals.Sum("USD").Billed.Decimal() != "20.52022672899" {
		t.Errorf("one bill given thrice stored %d rows, billed %s; want its 1000, 20.52022672899", res.Rows, res.Totals.Sum("USD").Billed.Decimal())
	}
	var stored int64
	for _, p := range res.Periods {
		totals, err := db.PeriodTotals(ctx, p.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, pt := range totals {
			stored += pt.Rows
		}
	}
	if stored != 1000 {
		t.Errorf("stored %d rows, want 1000", stored)
	}
	if len(res.Files) != 3 || res.Files[0].Rows != 1000 || res.Files[1].Rows != 0 || res.Files[2].Rows != 0 ||
		res.Files[1].SHA256 != res.Files[0].SHA256 || res.Files[2].SHA256 != res.Files[0].SHA256 {
		t.Errorf("files %+v; want the three, the copies with the first's checksum and no rows", res.Files)
	}
	for _, name := range []string{copyPath, sample} {
		if !strings.Contains(logs.String(), "level=INFO msg=\"ingest: file skipped, it has the same content as an earlier one of the run\" file="+name+" same_as="+sample) {
			t.Errorf("no info message says %s was skipped as a copy of %s", name, sample)
		}
	}
	runs, err := db.IngestRuns(ctx, 1)
	if err != nil || len(runs) != 1 || runs[0].Rows != 1000 || len(runs[0].Files) != 3 {
		t.Errorf("ingest run recorded %+v (%v), want 1000 rows from 3 files", runs, err)
	}
}

// Files of the same size but different content are both read.
func TestRunReadsSameSizedFilesBoth(t *testing.T) {
	db := pgtest.New(t)
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	// The same bill in another billing account: a file of the same size.
	other := strings.ReplaceAll(string(raw), `"1234567890123"`, `"1234567890999"`)
	if len(other) != len(raw) || other == string(raw) {
		t.Fatalf("the edit changed the size or nothing")
	}
	p := filepath.Join(t.TempDir(), "other.csv")
	if err := os.WriteFile(p, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Run(t.Context(), db, "focus", focus.Parser{}, []ingest.File{{Name: sample, Path: sample}, {Name: p, Path: p}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2000 || res.Files[1].Rows != 1000 || res.Files[0].SHA256 == res.Files[1].SHA256 {
		t.Errorf("read %d rows, files %+v; want both files' 2000", res.Rows, res.Files)
	}
}
