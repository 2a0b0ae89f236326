package gcpbilling_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/postgres"
)

// wantLine is a line's expected billed and amortized cost, by
// "resource@hour/SKU".
type wantLine struct{ key, billed, effective string }

// checkLines checks the lines of cudDay against want and that the day's
// billed and amortized totals are both total (amortizing moves cost, it
// adds none).
func checkLines(t *testing.T, db *postgres.DB, res *ingest.Result, want []wantLine, total string) {
	t.Helper()
	lines, err := db.CostLines(context.Background(), postgres.CostLineFilter{Window: cudDay})
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ billed, effective string }
	byKey := map[string]got{}
	billed, effective := tally.Zero("USD"), tally.Zero("USD")
	for _, l := range lines {
		k := l.ResourceName + "@" + l.ChargePeriodStart.Format("15") + "/" + l.ChargeDescription
		byKey[k] = got{l.BilledCost.Decimal(), l.EffectiveCost.Decimal()}
		billed, _ = billed.Add(l.BilledCost)
		effective, _ = effective.Add(l.EffectiveCost)
		if strings.HasPrefix(l.ChargeDescription, "Commitment") && l.CommitmentDiscountStatus != tally.CommitmentUnused {
			t.Errorf("fee row %s: status %q, want Unused", k, l.CommitmentDiscountStatus)
		}
	}
	for _, w := range want {
		g, ok := byKey[w.key]
		if !ok {
			t.Errorf("%s: no line", w.key)
			continue
		}
		if g.billed != w.billed || g.effective != w.effective {
			t.Errorf("%s: billed %s effective %s, want billed %s effective %s", w.key, g.billed, g.effective, w.billed, w.effective)
		}
	}
	if billed.Decimal() != total || effective.Decimal() != total {
		t.Errorf("day total billed %s effective %s, want %s both", billed.Decimal(), effective.Decimal(), total)
	}
	if s := res.Totals.Sum("USD"); s.Effective.Decimal() != total {
		t.Errorf("run totals: effective %s, want %s", s.Effective.Decimal(), total)
	}
}

// A resource-based CUD shared across the billing account's projects (CUD
// sharing) bills its fee in one project and covers usage in others: a fee
// that covered no usage of its own project is spread over the covered
// usage of the same billing account, region, kind, series and hour in the
// other projects (that no fee of their own project covered). Fees of
// several projects in that case share that usage. A fee that covered
// usage of its own project keeps to it.
func TestAmortizeSharedResourceCUD(t *testing.T) {
	rows := []cudRow{
		// 10:00: the fee is in p1, the usage in p2 and p3: 12 of 20
		// vCPU-hours used, 0.36 split 0.40 : 0.20. No RAM was used.
		{"fee-cpu-10", "p1", n2Fee, "10", "0.60", "20", nil},
		{"fee-ram-10", "p1", ramFee, "10", "0.16", "80", nil},
		{"node-a", "p2", n2Core, "10", "0.40", "8", cud("-0.40")},
		{"node-b", "p3", n2Core, "10", "0.20", "4", cud("-0.20")},
		// 11:00: the fee covered usage of its own project; p2's usage is
		// not its.
		{"fee-cpu-11", "p1", n2Fee, "11", "0.30", "10", nil},
		{"node-c", "p1", n2Core, "11", "0.20", "4", cud("-0.20")},
		{"node-d", "p2", n2Core, "11", "0.20", "4", cud("-0.20")},
		// 12:00: fees in p1 and p4, usage in p2: 6 of 8 used, 0.30 of 0.40,
		// taken from the fees by their cost.
		{"fee-cpu-12a", "p1", n2Fee, "12", "0.20", "4", nil},
		{"fee-cpu-12b", "p4", n2Fee, "12", "0.20", "4", nil},
		{"node-e", "p2", n2Core, "12", "0.30", "6", cud("-0.30")},
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, r.json(t))
	}
	db, res := ingestLines(t, lines, ingest.Options{})
	checkLines(t, db, res, []wantLine{
		{"fee-cpu-10@10/" + n2Fee, "0.6", "0.24"},
		{"fee-ram-10@10/" + ramFee, "0.16", "0.16"},
		{"node-a@10/" + n2Core, "0", "0.24"},
		{"node-b@10/" + n2Core, "0", "0.12"},
		{"fee-cpu-11@11/" + n2Fee, "0.3", "0.18"},
		{"node-c@11/" + n2Core, "0", "0.12"},
		{"node-d@11/" + n2Core, "0", "0"},
		{"fee-cpu-12a@12/" + n2Fee, "0.2", "0.05"},
		{"fee-cpu-12b@12/" + n2Fee, "0.2", "0.05"},
		{"node-e@12/" + n2Core, "0", "0.3"},
	}, "1.46")
}
