package gcptest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// With a flexible CUD of the consumption model, the export ingests without
// a rejected row, every day's amortized cost is its billed cost (nothing
// is amortized for it), and the commitment status reads its used and unused
// commitment from its fee rows: 0.419547 of 0.461501 an hour used, nothing
// the first day.
func TestWriteFlexibleCUD(t *testing.T) {
	month := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), gcptest.FileName)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := gcptest.WriteWith(f, 744*31, month, gcptest.Options{FlexibleCUD: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 744*31 {
		t.Errorf("wrote %d rows, want %d", n, 744*31)
	}
	db := pgtest.New(t)
	ctx := context.Background()
	res, err := ingest.Run(ctx, db, "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: path, Path: path}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != int64(n) || res.Rejected != 0 {
		t.Errorf("ingested %d rows, %d rejected, want %d and none", res.Rows, res.Rejected, n)
	}
	w := tally.Window{Start: month, End: month.AddDate(0, 1, 0)}
	lines, err := db.CostLines(ctx, postgres.CostLineFilter{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	type sums struct{ billed, effective tally.Money }
	days := map[time.Time]*sums{}
	fees := 0
	for _, l := range lines {
		d := l.ChargePeriodStart.Truncate(24 * time.Hour)
		if days[d] == nil {
			days[d] = &sums{tally.Zero("USD"), tally.Zero("USD")}
		}
		days[d].billed, _ = days[d].billed.Add(l.BilledCost)
		days[d].effective, _ = days[d].effective.Add(l.EffectiveCost)
		if l.SkuID == gcptest.FlexFeeSKU {
			fees++
			if l.CommitmentDiscountStatus != tally.CommitmentUnused || l.ChargeCategory != tally.ChargePurchase {
				t.Fatalf("flexible CUD fee at %s: %s, status %q; want an Unused purchase", l.ChargePeriodStart, l.ChargeCategory, l.CommitmentDiscountStatus)
			}
		}
	}
	if len(days) != 31 || fees != 744 {
		t.Errorf("%d days, %d flexible fee rows; want 31 and 744", len(days), fees)
	}
	for d, s := range days {
		if !s.billed.Equal(s.effective) {
			t.Errorf("%s bills %s and amortizes %s: amortizing must move cost, not add it", d.Format(time.DateOnly), s.billed.Decimal(), s.effective.Decimal())
		}
	}
	bcs, err := db.BillingCommitments(ctx, "", w)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range bcs {
		if strings.Contains(b.Name, "Flexible CUD fee") {
			found = true
			// 744 × 0.461501 committed; 720 × 0.419547 used.
			if b.Used.Decimal() != "302.07384" || b.Unused.Decimal() != "41.282904" || !b.Fees.IsZero() {
				t.Errorf("flexible CUD: used %s unused %s fees %s, want used 302.07384 unused 41.282904", b.Used, b.Unused, b.Fees)
			}
		}
	}
	if !found {
		t.Errorf("no flexible CUD among %+v", bcs)
	}
}
