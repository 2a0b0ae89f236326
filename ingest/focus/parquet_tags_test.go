package focus_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// FOCUS allows a tag without a value (Tags {"team":"payments","legacy":null}
// in CSV, a null map value in Parquet): the line keeps its other tags, and
// the key-only tag with an empty value, as the CSV reader does. The
// Parquet reader dropped every tag of such a line, so its cost lost its
// owner.
func TestParquetFOCUSTagWithoutValue(t *testing.T) {
	type row struct {
		BilledCost          float64            `parquet:"BilledCost"`
		EffectiveCost       float64            `parquet:"EffectiveCost"`
		BillingAccountID    string             `parquet:"BillingAccountId"`
		BillingCurrency     string             `parquet:"BillingCurrency"`
		BillingPeriodStart  time.Time          `parquet:"BillingPeriodStart,timestamp(millisecond)"`
		BillingPeriodEnd    time.Time          `parquet:"BillingPeriodEnd,timestamp(millisecond)"`
		ChargeCategory      string             `parquet:"ChargeCategory"`
		ChargePeriodStart   time.Time          `parquet:"ChargePeriodStart,timestamp(microsecond)"`
		ChargePeriodEnd     time.Time          `parquet:"ChargePeriodEnd,timestamp(microsecond)"`
		ServiceName         string             `parquet:"ServiceName"`
		ServiceProviderName string             `parquet:"ServiceProviderName"`
		Tags                map[string]*string `parquet:"Tags,optional"`
	}
	m := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	team := "payments"
	rows := []row{{1, 1, "111", "USD", m, m.AddDate(0, 1, 0), "Usage", m, m.Add(time.Hour), "Amazon EC2", "AWS",
		map[string]*string{"team": &team, "legacy": nil}}}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "focus.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := parseFile(t, p)
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	tags := lines[0].Tags
	if v, ok := tags["legacy"]; tags["team"] != "payments" || !ok || v != "" || len(tags) != 2 {
		t.Errorf("tags %v; want team=payments and legacy with no value", tags)
	}
}
