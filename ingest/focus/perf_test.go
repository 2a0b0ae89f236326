package focus_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/internal/pgtest"
)

func TestPerfProbe(t *testing.T) {
	if os.Getenv("TALLY_PERF_PROBE") == "" {
		t.Skip("set TALLY_PERF_PROBE=1")
	}
	db := pgtest.New(t)
	p := filepath.Join(t.TempDir(), "big.csv")
	f, _ := os.Create(p)
	focustest.Write(f, 200000, "1", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), 1)
	f.Close()
	res, err := ingest.Run(context.Background(), db, "focus", focus.Parser{}, []ingest.File{{Name: p, Path: p}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows in %s: %.0f rows/s", res.Rows, res.Elapsed, res.RowsPerSecond())
}
