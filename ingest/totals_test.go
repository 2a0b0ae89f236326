package ingest_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// TestTotalsTableNamesTheAmortizedColumn: the ingest summary's table heads
// EffectiveCost "amortized", as its period lines above it ("billed 306.11
// USD, amortized 491.03 USD") and the other commands (tally attribute's
// AMORTIZED BILL, --basis amortized) name it; it was "effective", a third
// name for the same figure.
func TestTotalsTableNamesTheAmortizedColumn(t *testing.T) {
	var ts ingest.Totals
	l := tally.CostLine{ChargeCategory: "Usage", BilledCost: tally.MustParseMoney("2", "USD"),
		EffectiveCost: tally.MustParseMoney("1.5", "USD"), ListCost: tally.MustParseMoney("3", "USD")}
	if err := ts.Add(&l); err != nil {
		t.Fatal(err)
	}
	out := ts.String()
	head, _, _ := strings.Cut(out, "\n")
	if got, want := strings.Fields(head), []string{"cur", "category", "rows", "billed", "amortized"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("head %q, want the columns %q\n%s", head, want, out)
	}
	if !strings.Contains(out, "USD  Usage                  1                 2.00                 1.50") {
		t.Errorf("no Usage row of 1 line, billed 2.00, amortized 1.50:\n%s", out)
	}
}
