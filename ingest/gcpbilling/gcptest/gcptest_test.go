package gcptest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
	"github.com/tallyhq/tally/ingest/gcpbilling/gcptest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The generated export ingests without a rejected row, and its commitment
// is amortized: its fee rows keep only the unused tenth of the fee, and
// moving cost adds none.
func TestWriteIngests(t *testing.T) {
	month := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), gcptest.FileName)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := gcptest.Write(f, 744*30, month)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 744*30 {
		t.Errorf("wrote %d rows, want %d", n, 744*30)
	}
	db := pgtest.New(t)
	res, err := ingest.Run(context.Background(), db, "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: path, Path: path}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != int64(n) || res.Rejected != 0 {
		t.Errorf("ingested %d rows, %d rejected, want %d and none", res.Rows, res.Rejected, n)
	}
	lines, err := db.CostLines(context.Background(), postgres.CostLineFilter{Window: tally.Window{Start: month, End: month.Add(24 * time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	billed, effective, feeBilled, feeEffective := tally.Zero("USD"), tally.Zero("USD"), tally.Zero("USD"), tally.Zero("USD")
	for _, l := range lines {
		billed, _ = billed.Add(l.BilledCost)
		effective, _ = effective.Add(l.EffectiveCost)
		if l.CommitmentDiscountStatus == tally.CommitmentUnused {
			feeBilled, _ = feeBilled.Add(l.BilledCost)
			feeEffective, _ = feeEffective.Add(l.EffectiveCost)
		}
	}
	if billed.Decimal() != effective.Decimal() {
		t.Errorf("the first day bills %s and amortizes %s: amortizing must move cost, not add it", billed.Decimal(), effective.Decimal())
	}
	// 13 nodes an hour, 7 covered, 8 committed: an eighth of the fees,
	// 0.978912 an hour, is unused.
	if feeBilled.Decimal() != "23.493888" || feeEffective.Decimal() != "2.936736" {
		t.Errorf("fee rows bill %s and keep %s unused, want 23.493888 and 2.936736", feeBilled.Decimal(), feeEffective.Decimal())
	}
}
