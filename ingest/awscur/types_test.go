package awscur_test

import (
	"os"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// decimalRow is CUR 2.0 written with DECIMAL costs and nanosecond
// timestamps, as other writers (Athena CTAS, Spark) produce.
type decimalRow struct {
	Payer     string    `parquet:"bill_payer_account_id"`
	Start     time.Time `parquet:"bill_billing_period_start_date,timestamp(nanosecond)"`
	Type      string    `parquet:"line_item_line_item_type"`
	UsageFrom time.Time `parquet:"line_item_usage_start_date,timestamp(microsecond)"`
	UsageTo   time.Time `parquet:"line_item_usage_end_date,timestamp(microsecond)"`
	Currency  string    `parquet:"line_item_currency_code"`
	Unblended int64     `parquet:"line_item_unblended_cost,decimal(10:18)"`
	SPCost    int64     `parquet:"savings_plan_savings_plan_effective_cost,decimal(10:18)"`
	OnDemand  *float64  `parquet:"pricing_public_on_demand_cost,optional"`
}

func TestDecimalAndTimestampUnits(t *testing.T) {
	dir := t.TempDir()
	h := march.Add(5 * time.Hour)
	rows := []decimalRow{
		{"111", march, "SavingsPlanCoveredUsage", h, h.Add(time.Hour), "EUR", 1920000000, 1248000000, nil},
		{"111", march, "Usage", h, h.Add(time.Hour), "EUR", -123456789, 0, nil},
	}
	p := writeFile(t, dir, "d.parquet", func(f *os.File) error { return parquet.Write(f, rows) })
	lines, bad, err := parse(t, p)
	if err != nil || len(bad) > 0 || len(lines) != 2 {
		t.Fatalf("err %v bad %v lines %d", err, bad, len(lines))
	}
	if got := lines[0].EffectiveCost.String(); got != "0.1248 EUR" {
		t.Errorf("SP effective %s", got)
	}
	if got := lines[0].BilledCost.String(); got != "0.192 EUR" {
		t.Errorf("billed %s", got)
	}
	if got := lines[1].EffectiveCost.Decimal(); got != "-0.0123456789" {
		t.Errorf("negative decimal %s", got)
	}
	if !lines[0].ChargePeriodStart.Equal(h) || !lines[0].BillingPeriodStart.Equal(march) || !lines[0].ListCost.IsZero() {
		t.Errorf("times %v %v list %v", lines[0].ChargePeriodStart, lines[0].BillingPeriodStart, lines[0].ListCost)
	}
}
