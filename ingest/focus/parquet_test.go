package focus_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// focusRow is a FOCUS 1.2 row as a Parquet export writes it: typed costs
// and timestamps, Tags as a map, a provider x_ column.
type focusRow struct {
	BilledCost          float64           `parquet:"BilledCost"`
	EffectiveCost       float64           `parquet:"EffectiveCost"`
	ListCost            float64           `parquet:"ListCost"`
	ContractedCost      float64           `parquet:"ContractedCost"`
	BillingAccountID    string            `parquet:"BillingAccountId"`
	BillingCurrency     string            `parquet:"BillingCurrency"`
	BillingPeriodStart  time.Time         `parquet:"BillingPeriodStart,timestamp(millisecond)"`
	BillingPeriodEnd    time.Time         `parquet:"BillingPeriodEnd,timestamp(millisecond)"`
	ChargeCategory      string            `parquet:"ChargeCategory"`
	ChargePeriodStart   time.Time         `parquet:"ChargePeriodStart,timestamp(microsecond)"`
	ChargePeriodEnd     time.Time         `parquet:"ChargePeriodEnd,timestamp(microsecond)"`
	ServiceName         string            `parquet:"ServiceName"`
	ServiceProviderName string            `parquet:"ServiceProviderName"`
	ResourceID          *string           `parquet:"ResourceId,optional"`
	PricingQuantity     float64           `parquet:"PricingQuantity"`
	CommitmentStatus    *string           `parquet:"CommitmentDiscountStatus,optional"`
	Tags                map[string]string `parquet:"Tags,optional"`
	XUsageType          string            `parquet:"x_UsageType"`
}

func TestParquetFOCUS12(t *testing.T) {
	used := "Used"
	id := "i-0abc"
	m := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	rows := []focusRow{
		{0.192, 0.1248, 0.192, 0.192, "111", "USD", m, m.AddDate(0, 1, 0), "Usage", m.Add(time.Hour), m.Add(2 * time.Hour),
			"Amazon EC2", "AWS", &id, 1, &used, map[string]string{"team": "payments"}, "BoxUsage:c5.xlarge"},
		{-5, -5, 0, 0, "111", "USD", m, m.AddDate(0, 1, 0), "Credit", m, m.AddDate(0, 1, 0), "Amazon EC2", "AWS", nil, 0, nil, nil, ""},
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "focus.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := parseFile(t, p)
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	l := lines[0]
	if l.EffectiveCost.Decimal() != "0.1248" || l.BilledCost.Decimal() != "0.192" || l.Provider != "aws" || l.ResourceID != "i-0abc" ||
		l.CommitmentDiscountStatus != "Used" || l.Tags["team"] != "payments" || l.Extras["x_UsageType"] != "BoxUsage:c5.xlarge" ||
		!l.ChargePeriodStart.Equal(m.Add(time.Hour)) || l.PricingQuantity != 1 {
		t.Errorf("line %+v", l)
	}
	if lines[1].BilledCost.Decimal() != "-5" || lines[1].Tags != nil || lines[1].ResourceID != "" {
		t.Errorf("credit line %+v", lines[1])
	}
}
