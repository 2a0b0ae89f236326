package gcpbilling_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
	"github.com/tallyhq/tally/postgres"
)

// cmRow is an export row of a spend-based CUD of the consumption model:
// usage at the CUD's discounted price naming its consumption model, and
// fee rows at $1 a unit with a FEE_UTILIZATION_OFFSET credit.
type cmRow struct {
	name, skuID, sku, hour string
	cost, list, qty        string
	model                  string // consumption_model.description ("" for none)
	credits                []gcpbilling.Credit
}

func (r cmRow) json(t *testing.T) string {
	t.Helper()
	m := exportRow(t, "p1", r.skuID, r.sku, r.name, r.hour, r.cost, r.qty, r.credits)
	m["cost_at_list"] = json.Number(r.list)
	if r.model != "" {
		m["consumption_model"] = map[string]string{"id": "CM-" + strings.ReplaceAll(r.model, " ", ""), "description": r.model}
	}
	if strings.HasPrefix(r.name, "flex") {
		m["subscription"] = map[string]string{"instance_id": "769c55ea-c50f-4258-bcf5-04b6688fa5fa"}
	}
	return marshalRow(t, m)
}

func feeOffset(amount string) []gcpbilling.Credit {
	return []gcpbilling.Credit{{Name: "Fee utilization offset", Amount: gcpbilling.Number(amount), ID: "FeeUtilizationOffset:1", Type: gcpbilling.FeeUtilizationOffset}}
}

const (
	// The fee SKUs' names are not documented; neither starts with
	// "Commitment", which the fee rows must not need to.
	cmFee1y   = "Compute Flexible CUD fee, 1 year"
	cmFee3y   = "Compute Flexible CUD fee, 3 years"
	cmFee1yID = "A1B2-C3D4-E5F6" // a fee SKU known only by its offset credits
	cmFee3yID = "B22F-51BE-D599" // a documented Compute flexible fee SKU
	flex1y    = "Compute Flexible CUD - 1 Year"
	flex3y    = "Compute Flexible CUD - 3 Year"
)

// ingestConsumptionFixture ingests the usage of ingestSpendFixture's
// Compute flexible CUD (less its resource-based CUD and Cloud SQL row) as
// the consumption model bills it: the covered usage at 28% (1 year) or 46%
// (3 years) off its list cost, the fees in discounted dollars (0.72 and
// 0.54 an hour: the same commitments), what the usage used of them offset.
func ingestConsumptionFixture(t *testing.T) (*postgres.DB, *ingest.Result) {
	t.Helper()
	rows := []cmRow{
		// 10:00: 0.36 of the 0.72 commitment used by 0.50 of on-demand usage.
		{"flex-10", cmFee1yID, cmFee1y, "10", "0.72", "0.72", "0.72", "", feeOffset("-0.36")},
		{"node-a", "CF4E-A0C7-E3BF", n2Core, "10", "0.144", "0.20", "4", flex1y, nil},
		{"node-b", "F449-33EC-A5EF", n2Ram, "10", "0.216", "0.30", "64", flex1y, nil},
		// 11:00: the 3-year commitment used in full by 1.00 of node-c's
		// 1.20 on-demand cost; the rest is billed at list price.
		{"flex-11", cmFee3yID, cmFee3y, "11", "0.54", "0.54", "0.54", "", feeOffset("-0.54")},
		{"node-c", "CF4E-A0C7-E3BF", n2Core, "11", "0.54", "1.00", "20", flex3y, nil},
		{"node-c-od", "CF4E-A0C7-E3BF", n2Core, "11", "0.20", "0.20", "4", "Default", nil},
		// 12:00: nothing used, so no credit: the whole fee is unused.
		{"flex-12", cmFee1yID, cmFee1y, "12", "0.72", "0.72", "0.72", "", nil},
	}
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = r.json(t)
	}
	return ingestLines(t, lines, ingest.Options{})
}

// ingestLegacySpendFixture ingests the same usage and commitments billed
// by the legacy credit model: usage at list price less
// COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE credits, fees of the dollar-based
// SKUs, amortized.
func ingestLegacySpendFixture(t *testing.T) (*postgres.DB, *ingest.Result) {
	t.Helper()
	rows := []cudRow{
		{"flex-10", "billing", flexFee1y, "10", "0.72", "0.72", nil},
		{"node-a", "p1", n2Core, "10", "0.20", "4", []gcpbilling.Credit{dollarBase("-0.20")}},
		{"node-b", "p1", n2Ram, "10", "0.30", "64", []gcpbilling.Credit{dollarBase("-0.30")}},
		{"flex-11", "billing", flexFee3y, "11", "0.54", "0.54", nil},
		{"node-c", "p1", n2Core, "11", "1.00", "20", []gcpbilling.Credit{dollarBase("-1.00")}},
		{"node-c-od", "p1", n2Core, "11", "0.20", "4", nil},
		{"flex-12", "billing", flexFee1y, "12", "0.72", "0.72", nil},
	}
	return ingestRows(t, rows)
}

// A spend-based CUD of the consumption model (GCP's only model for them
// since 2026-01-21) is not amortized: each row's amortized cost is its net
// cost, the day's total the billed one. Its fee rows (whatever their SKU's
// name) are commitment purchases with the status Unused, their net cost (the
// fee less its FEE_UTILIZATION_OFFSET credit) being the unused commitment —
// also in an hour nothing used, when the row has no credit and is known by
// its SKU. The usage a CUD's consumption model priced is covered (Used),
// the usage of the default model is not.
func TestConsumptionCUD(t *testing.T) {
	db, res := ingestConsumptionFixture(t)
	ctx := context.Background()
	lines, err := db.CostLines(ctx, postgres.CostLineFilter{Window: cudDay})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		billed   string
		category tally.ChargeCategory
		status   tally.CommitmentStatus
		id       string
	}
	const sub = "769c55ea-c50f-4258-bcf5-04b6688fa5fa"
	wants := map[string]want{
		"flex-10":   {"0.36", tally.ChargePurchase, tally.CommitmentUnused, sub},
		"node-a":    {"0.144", tally.ChargeUsage, tally.CommitmentUsed, "CM-ComputeFlexibleCUD-1Year"},
		"node-b":    {"0.216", tally.ChargeUsage, tally.CommitmentUsed, "CM-ComputeFlexibleCUD-1Year"},
		"flex-11":   {"0", tally.ChargePurchase, tally.CommitmentUnused, sub},
		"node-c":    {"0.54", tally.ChargeUsage, tally.CommitmentUsed, "CM-ComputeFlexibleCUD-3Year"},
		"node-c-od": {"0.2", tally.ChargeUsage, "", ""},
		"flex-12":   {"0.72", tally.ChargePurchase, tally.CommitmentUnused, sub},
	}
	if len(lines) != len(wants) {
		t.Fatalf("%d lines, want %d", len(lines), len(wants))
	}
	billed := tally.Zero("USD")
	for _, l := range lines {
		w := wants[l.ResourceName]
		if l.BilledCost.Decimal() != w.billed || l.EffectiveCost.Decimal() != w.billed {
			t.Errorf("%s: billed %s effective %s, want both %s", l.ResourceName, l.BilledCost, l.EffectiveCost, w.billed)
		}
		if l.ChargeCategory != w.category || l.CommitmentDiscountStatus != w.status || l.CommitmentDiscountID != w.id {
			t.Errorf("%s: %s, status %q, commitment %q; want %s, %q, %q", l.ResourceName, l.ChargeCategory,
				l.CommitmentDiscountStatus, l.CommitmentDiscountID, w.category, w.status, w.id)
		}
		if w.status != "" && (l.CommitmentDiscountCategory != "Spend" || l.Extras[gcpbilling.CUDModelKey] != gcpbilling.CUDModelConsumption) {
			t.Errorf("%s: commitment category %q, extras %v; want Spend and %s=%s", l.ResourceName,
				l.CommitmentDiscountCategory, l.Extras, gcpbilling.CUDModelKey, gcpbilling.CUDModelConsumption)
		}
		billed, _ = billed.Add(l.BilledCost)
	}
	if billed.Decimal() != "2.18" {
		t.Errorf("the day bills %s, want 2.18", billed)
	}
	if s := res.Totals.Sum("USD"); s.Effective.Decimal() != "2.18" {
		t.Errorf("run totals: effective %s, want 2.18 (nothing amortized, nothing lost)", s.Effective.Decimal())
	}
}

// The consumption model's commitment status: utilization is what the
// offset credits took off the fees over the fees (0.90 of 1.98), unused the
// rest (1.08), coverage the covered usage's list cost over the eligible
// usage's (1.50 of 1.70), amortized cost the discounted usage plus the
// unused fees (2.18). The same usage and commitments billed by the legacy
// credit model (amortized) give the same figures, and neither is estimated.
func TestConsumptionCUDStatusMatchesLegacy(t *testing.T) {
	db, _ := ingestConsumptionFixture(t)
	m := cudDayTotals(t, db)
	legacyDB, _ := ingestLegacySpendFixture(t)
	legacy := cudDayTotals(t, legacyDB)
	for _, c := range []struct {
		name       string
		got, want  tally.Money
		wantLegacy tally.Money
	}{
		{"used", m.Used, money(t, "0.9"), legacy.Used},
		{"unused", m.Unused, money(t, "1.08"), legacy.Unused},
		{"commitment", m.Commitment, money(t, "1.98"), legacy.Commitment},
		{"eligible on-demand", m.EligibleOD, money(t, "1.7"), legacy.EligibleOD},
		{"covered on-demand", m.CoveredOD, money(t, "1.5"), legacy.CoveredOD},
		{"amortized", m.Amortized, money(t, "2.18"), legacy.Amortized},
	} {
		if !c.got.Equal(c.want) || !c.wantLegacy.Equal(c.want) {
			t.Errorf("%s: consumption model %s, legacy model %s, want %s", c.name, c.got.Decimal(), c.wantLegacy.Decimal(), c.want.Decimal())
		}
	}
	for _, r := range []struct {
		name        string
		got, legacy *float64
		w           float64
	}{
		{"utilization", m.Utilization, legacy.Utilization, 0.9 / 1.98},
		{"coverage", m.Coverage, legacy.Coverage, 1.5 / 1.7},
		{"ESR", m.ESR, legacy.ESR, 1 - 2.18/1.7},
	} {
		if r.got == nil || r.legacy == nil || math.Abs(*r.got-r.w) > 1e-9 || math.Abs(*r.legacy-r.w) > 1e-9 {
			t.Errorf("%s: consumption model %v, legacy %v, want %.6f", r.name, deref(r.got), deref(r.legacy), r.w)
		}
	}
	if m.Estimated || legacy.Estimated {
		t.Errorf("estimated: consumption model %v, legacy %v; want neither", m.Estimated, legacy.Estimated)
	}

	// What the bill says of the commitments: the fee SKUs' used and unused
	// commitment, flexible CUDs in the inventory.
	bcs, err := db.BillingCommitments(context.Background(), "", cudDay)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]string{}
	for _, b := range bcs {
		if strings.HasPrefix(b.ID, "gcp-fee:") {
			got[b.Name] = [2]string{b.Used.Decimal(), b.Unused.Decimal()}
			if !b.Fees.IsZero() || b.Category != "Spend" {
				t.Errorf("%s: fees %s, category %q; want no fees not amortized, Spend", b.Name, b.Fees, b.Category)
			}
		}
	}
	if want := map[string][2]string{cmFee1y: {"0.36", "1.08"}, cmFee3y: {"0.54", "0"}}; len(got) != 2 || got[cmFee1y] != want[cmFee1y] || got[cmFee3y] != want[cmFee3y] {
		t.Errorf("fee commitments (used, unused) %v, want %v", got, want)
	}
	kinds := map[string]int{}
	for _, c := range commitments.InventoryFromBilling(bcs, cudDay.End) {
		kinds[c.Kind]++
	}
	if kinds[tally.CommitCUDFlexible] != 2 || len(kinds) != 1 {
		t.Errorf("inventory kinds %v, want 2 flexible CUDs", kinds)
	}
}

func money(t *testing.T, s string) tally.Money {
	t.Helper()
	m, err := tally.ParseMoney(s, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// The reader alone (no Amortizer: the CSV and Parquet readers, and the
// JSON reader's first pass) knows a consumption-model fee row by its
// FEE_UTILIZATION_OFFSET credit or a documented fee SKU, and covered usage
// by its consumption model, in each format the export comes in.
func TestConsumptionModelFormats(t *testing.T) {
	h := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	check := func(t *testing.T, lines []tally.CostLine) {
		t.Helper()
		want := []struct {
			status tally.CommitmentStatus
			cat    tally.ChargeCategory
		}{{tally.CommitmentUsed, tally.ChargeUsage}, {"", tally.ChargeUsage}, {tally.CommitmentUnused, tally.ChargePurchase}, {tally.CommitmentUnused, tally.ChargePurchase}}
		if len(lines) != len(want) {
			t.Fatalf("%d lines, want %d", len(lines), len(want))
		}
		for i, l := range lines {
			if l.CommitmentDiscountStatus != want[i].status || l.ChargeCategory != want[i].cat {
				t.Errorf("row %d: %s, status %q; want %s, %q", i+1, l.ChargeCategory, l.CommitmentDiscountStatus, want[i].cat, want[i].status)
			}
		}
		if l := lines[0]; l.ListCost.Decimal() != "0.2" || l.BilledCost.Decimal() != "0.144" || l.Extras["x_ConsumptionModelDescription"] != flex1y {
			t.Errorf("covered usage: list %s billed %s extras %v; want 0.2, 0.144 and its consumption model", l.ListCost, l.BilledCost, l.Extras)
		}
		if l := lines[2]; l.BilledCost.Decimal() != "0.36" || l.CommitmentDiscountID != "sub-1" {
			t.Errorf("fee: billed %s commitment %q; want 0.36 unused of sub-1", l.BilledCost, l.CommitmentDiscountID)
		}
	}
	t.Run("csv", func(t *testing.T) {
		csv := "billing_account_id,usage_start_time,usage_end_time,sku.id,sku.description,cost,cost_at_list,currency,credits,consumption_model.id,consumption_model.description,subscription.instance_id\n" +
			"A,2025-03-04 10:00:00 UTC,2025-03-04 11:00:00 UTC,CF4E-A0C7-E3BF," + n2Core + ",0.144,0.20,USD,[],CM-1," + flex1y + ",\n" +
			"A,2025-03-04 10:00:00 UTC,2025-03-04 11:00:00 UTC,CF4E-A0C7-E3BF," + n2Core + ",0.20,0.20,USD,[],Default,Default,\n" +
			"A,2025-03-04 10:00:00 UTC,2025-03-04 11:00:00 UTC,A1B2-C3D4-E5F6,\"" + cmFee1y + "\",0.72,0.72,USD,\"[{\"\"amount\"\":-0.36,\"\"type\"\":\"\"FEE_UTILIZATION_OFFSET\"\"}]\",,,sub-1\n" +
			"A,2025-03-04 10:00:00 UTC,2025-03-04 11:00:00 UTC,5515-81A8-03A2,\"" + cmFee3y + "\",0.54,0.54,USD,[],,,sub-2\n"
		check(t, parseExport(t, "export.csv", []byte(csv)))
	})
	t.Run("parquet", func(t *testing.T) {
		type credit struct {
			Amount float64 `parquet:"amount"`
			Type   string  `parquet:"type"`
		}
		type named struct {
			ID          string `parquet:"id"`
			Description string `parquet:"description"`
		}
		type row struct {
			BillingAccountID string    `parquet:"billing_account_id"`
			Sku              named     `parquet:"sku"`
			UsageStartTime   time.Time `parquet:"usage_start_time,timestamp(microsecond)"`
			UsageEndTime     time.Time `parquet:"usage_end_time,timestamp(microsecond)"`
			Cost             float64   `parquet:"cost"`
			CostAtList       float64   `parquet:"cost_at_list"`
			Currency         string    `parquet:"currency"`
			Credits          []credit  `parquet:"credits,list"`
			ConsumptionModel named     `parquet:"consumption_model"`
			Subscription     struct {
				InstanceID string `parquet:"instance_id"`
			} `parquet:"subscription"`
		}
		r := func(skuID, sku string, cost, list float64, model named, sub string, credits ...credit) row {
			x := row{BillingAccountID: "A", Sku: named{skuID, sku}, UsageStartTime: h, UsageEndTime: h.Add(time.Hour),
				Cost: cost, CostAtList: list, Currency: "USD", Credits: credits, ConsumptionModel: model}
			x.Subscription.InstanceID = sub
			return x
		}
		rows := []row{
			r("CF4E-A0C7-E3BF", n2Core, 0.144, 0.20, named{"CM-1", flex1y}, ""),
			r("CF4E-A0C7-E3BF", n2Core, 0.20, 0.20, named{"Default", "Default"}, ""),
			r("A1B2-C3D4-E5F6", cmFee1y, 0.72, 0.72, named{}, "sub-1", credit{-0.36, gcpbilling.FeeUtilizationOffset}),
			r("5515-81A8-03A2", cmFee3y, 0.54, 0.54, named{}, "sub-2"),
		}
		var buf bytes.Buffer
		if err := parquet.Write(&buf, rows); err != nil {
			t.Fatal(err)
		}
		check(t, parseExport(t, "export.parquet", buf.Bytes()))
	})
	t.Run("json", func(t *testing.T) {
		lines, bad := parse(t, "testdata/consumption.ndjson")
		if len(bad) > 0 {
			t.Fatalf("bad rows %v", bad)
		}
		check(t, lines)
	})
}
