package gcpbilling_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
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
			t.Errorf("fee row %s: status %q, want Unused (its effective cost is the unused commitment)", k, l.CommitmentDiscountStatus)
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
	db, res := ingestRows(t, rows)
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

// GPU commitments are bought per GPU model: an A100 fee covers A100 usage,
// never the T4 usage of the same project and hour.
func TestAmortizeGPUCUDByModel(t *testing.T) {
	const (
		a100Fee = "Commitment v1: Nvidia Tesla A100 GPU running in Americas for 1 Year"
		t4Fee   = "Commitment v1: Nvidia Tesla T4 GPU running in Americas for 1 Year"
		a100    = "Nvidia Tesla A100 GPU running in Americas"
		t4      = "Nvidia Tesla T4 GPU running in Americas"
	)
	rows := []cudRow{
		// The A100 commitment is used in full, the T4 one half.
		{"fee-a100", "p1", a100Fee, "10", "2.00", "1", nil},
		{"fee-t4", "p1", t4Fee, "10", "0.50", "2", nil},
		{"a2-node", "p1", a100, "10", "2.90", "1", cud("-2.90")},
		{"g4-node", "p1", t4, "10", "0.35", "1", cud("-0.35")},
	}
	db, res := ingestRows(t, rows)
	checkLines(t, db, res, []wantLine{
		{"fee-a100@10/" + a100Fee, "2", "0"},
		{"fee-t4@10/" + t4Fee, "0.5", "0.25"},
		{"a2-node@10/" + a100, "0", "2"},
		{"g4-node@10/" + t4, "0", "0.25"},
	}, "2.5")
}

// ingestRows ingests an export of rows.
func ingestRows(t *testing.T, rows []cudRow) (*postgres.DB, *ingest.Result) {
	t.Helper()
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = r.json(t)
	}
	return ingestLines(t, lines, ingest.Options{})
}

func dollarBase(amount string) gcpbilling.Credit {
	return gcpbilling.Credit{Name: "Committed use discount - dollar based", Amount: gcpbilling.Number(amount), ID: "CommittedUsageDiscountDollarBase:1", Type: gcpbilling.CommittedUsageDiscountDollarBase}
}

const (
	flexFee1y = "Commitment - dollar based v1: GCE for 1 year"
	flexFee3y = "Commitment - dollar based v1: GCE for 3 years"
	sqlCore   = "Cloud SQL for PostgreSQL: Zonal - vCPU in Americas"
)

// ingestSpendFixture ingests a Compute flexible (spend-based) CUD's fees,
// the usage it covered (COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE credits, at
// the covered usage's on-demand cost), and a resource-based CUD covering
// part of one of those rows.
func ingestSpendFixture(t *testing.T) (*postgres.DB, *ingest.Result) {
	t.Helper()
	rows := []cudRow{
		// 10:00: a 1-year fee of 0.72 buys 1.00 of on-demand spend an
		// hour (28% off); 0.50 was covered: 0.36 used, split 0.20 : 0.30.
		// node-a's other half is the resource-based CUD's (4 of 10).
		{"flex-10", "billing", flexFee1y, "10", "0.72", "0.72", nil},
		{"fee-cpu-10", "p1", n2Fee, "10", "0.30", "10", nil},
		{"node-a", "p1", n2Core, "10", "0.40", "8", append(cud("-0.20"), dollarBase("-0.20"))},
		{"node-b", "p2", n2Ram, "10", "0.30", "64", []gcpbilling.Credit{dollarBase("-0.30")}},
		// Another product's spend-based CUD: not Compute's.
		{"sql-a", "p1", sqlCore, "10", "0.10", "1", []gcpbilling.Credit{dollarBase("-0.03")}},
		// 11:00: a 3-year fee of 0.54 buys 1.00 (46% off), all covered.
		{"flex-11", "billing", flexFee3y, "11", "0.54", "0.54", nil},
		{"node-c", "p1", n2Core, "11", "1.20", "24", []gcpbilling.Credit{dollarBase("-1.00")}},
		// 12:00: nothing covered.
		{"flex-12", "billing", flexFee1y, "12", "0.72", "0.72", nil},
	}
	var lines []string
	for _, r := range rows {
		s := r.json(t)
		if r.sku == sqlCore {
			s = strings.Replace(s, `"description":"Compute Engine"`, `"description":"Cloud SQL"`, 1)
		}
		lines = append(lines, s)
	}
	return ingestLines(t, lines, ingest.Options{})
}

// A Compute flexible (spend-based) CUD's fee is spread over the usage it
// covered, in proportion to the usage's COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE
// credits (the covered on-demand cost), across the billing account's
// projects; the used part is the covered on-demand cost × (1 − the term's
// discount: 28% for 1 year, 46% for 3), at most the fee, and the rest stays
// on the fee rows as unused commitment.
func TestAmortizeSpendCUD(t *testing.T) {
	db, res := ingestSpendFixture(t)
	checkLines(t, db, res, []wantLine{
		{"flex-10@10/" + flexFee1y, "0.72", "0.36"},
		{"fee-cpu-10@10/" + n2Fee, "0.3", "0.18"},
		{"node-a@10/" + n2Core, "0", "0.264"}, // 0.12 resource + 0.144 spend
		{"node-b@10/" + n2Ram, "0", "0.216"},
		{"sql-a@10/" + sqlCore, "0.07", "0.07"},
		{"flex-11@11/" + flexFee3y, "0.54", "0"},
		{"node-c@11/" + n2Core, "0.2", "0.74"},
		{"flex-12@12/" + flexFee1y, "0.72", "0.72"},
	}, "2.55")
}

// The commitment status of amortized spend-based fees is exact: used is
// what was amortized into usage (0.36 + 0.54 of the flexible fees, 0.12 of
// the resource-based one), not an estimate at a published discount.
func TestAmortizedSpendCUDStatus(t *testing.T) {
	db, _ := ingestSpendFixture(t)
	ctx := context.Background()
	m := cudDayTotals(t, db)
	if m.Used.Decimal() != "1.02" || m.Unused.Decimal() != "1.26" || m.Commitment.Decimal() != "2.28" || m.Estimated {
		t.Errorf("used %s unused %s of %s (estimated %v), want 1.02 and 1.26 of 2.28, not estimated", m.Used, m.Unused, m.Commitment, m.Estimated)
	}
	bcs, err := db.BillingCommitments(ctx, "", cudDay)
	if err != nil {
		t.Fatal(err)
	}
	var flex []commitments.BillingCommitment
	for _, b := range bcs {
		if strings.Contains(b.Name, "dollar based") {
			flex = append(flex, b)
		}
	}
	if len(flex) != 2 {
		t.Fatalf("flexible commitments %+v, want the 1- and 3-year fees", flex)
	}
	for _, b := range flex {
		want := map[string][2]string{flexFee1y: {"0.36", "1.08"}, flexFee3y: {"0.54", "0"}}[b.Name]
		if b.Used.Decimal() != want[0] || b.Unused.Decimal() != want[1] || !b.Fees.IsZero() {
			t.Errorf("%s: used %s unused %s fees %s, want used %s unused %s, no fees not amortized", b.Name, b.Used, b.Unused, b.Fees, want[0], want[1])
		}
	}
	inv := commitments.InventoryFromBilling(bcs, cudDay.End)
	kinds := map[string]int{}
	for _, c := range inv {
		kinds[c.Kind]++
	}
	if kinds[tally.CommitCUDFlexible] != 2 {
		t.Errorf("inventory kinds %v, want 2 flexible CUDs", kinds)
	}
}
