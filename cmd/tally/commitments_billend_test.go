package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/pgtest"
)

// TestStatusByMonthSaysWhereTheBillEnds: with month steps, a last month
// the window holds in part ("2024-09 (through 09-27)") whose bill ends
// earlier (09-24) says so, as day and hour steps do, so that the month is
// not read as lower spend.
func TestStatusByMonthSaysWhereTheBillEnds(t *testing.T) {
	bill := billUntil(t, filepath.Join("..", "..", "ingest", "focus", "testdata", "focus-1.0-sample.csv"), "2024-09-25")
	tly := mustTally(t, "--database-url", pgtest.NewURL(t, true), "--log-level", "warn")
	tly("ingest", "focus", bill)
	out := tly("commitments", "status", "--window", "2024-09-01T00:00:00Z,2024-09-28T00:00:00Z", "--step", "month")
	for _, want := range []string{"2024-09 (through 09-27)", "the bill has no eligible usage after 2024-09-24 yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("status by month lacks %q:\n%s", want, out)
		}
	}
	out = tly("commitments", "status", "--window", "2024-09-01T00:00:00Z,2024-09-25T00:00:00Z", "--step", "month")
	if strings.Contains(out, "no eligible usage after") {
		t.Errorf("a window the bill fills says it ends early:\n%s", out)
	}
}

// billUntil writes the rows of the FOCUS file src that start before day
// (YYYY-MM-DD) to a new file, and returns its path.
func billUntil(t *testing.T, src, day string) string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, name := range rows[0] {
		if name == "ChargePeriodStart" {
			col = i
		}
	}
	kept := rows[:1]
	for _, r := range rows[1:] {
		if r[col] < day {
			kept = append(kept, r)
		}
	}
	path := filepath.Join(t.TempDir(), "focus.csv")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	if err := w.WriteAll(kept); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
