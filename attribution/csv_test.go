package attribution

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestWriteCSVCurrency: each row names the currency of its amounts, as the
// table and JSON do; a CSV of a EUR bill cannot be read as dollars.
func TestWriteCSVCurrency(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	w := tally.Window{Start: start, End: start.Add(24 * time.Hour)}
	step := func(cur tally.Currency) StepCost {
		return StepCost{Window: w, CPU: tally.FromUnits(3, cur), Total: tally.FromUnits(3, cur)}
	}
	groups := []Group{
		{Name: "shop", Steps: []StepCost{step("EUR")}, Total: step("EUR")},
		{Name: "empty", Steps: []StepCost{{Window: w}}, Total: StepCost{Window: w}},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, Query{Window: w}, groups); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "currency" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no currency column in %v", recs[0])
	}
	if len(recs) != 3 || recs[1][col] != "EUR" || recs[2][col] != "" {
		t.Errorf("currency cells: %v", recs)
	}
}
