package focus_test

// Reproductions from the billing review (branch review-billing). They fail on
// the code reviewed; each names the defect it shows.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/internal/pgtest"
)

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
