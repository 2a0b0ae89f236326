package gcpbilling_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// A GCP label may have no value (BigQuery exports value NULL, as the
// NDJSON and CSV readers read as ""): the line keeps its other labels, and
// the key with an empty value. The Parquet reader dropped every label of
// such a line, so its cost lost its owner (as FOCUS Parquet tags did,
// fixed in 78ed541).
func TestParquetLabelWithoutValue(t *testing.T) {
	type label struct {
		Key   string  `parquet:"key"`
		Value *string `parquet:"value,optional"`
	}
	type row struct {
		BillingAccountID string    `parquet:"billing_account_id"`
		UsageStartTime   time.Time `parquet:"usage_start_time,timestamp(microsecond)"`
		UsageEndTime     time.Time `parquet:"usage_end_time,timestamp(microsecond)"`
		Labels           []label   `parquet:"labels,list"`
		Cost             float64   `parquet:"cost"`
		Currency         string    `parquet:"currency"`
		Invoice          struct {
			Month string `parquet:"month"`
		} `parquet:"invoice"`
	}
	h := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	team := "payments"
	rows := []row{
		{BillingAccountID: "01A2B3-C4D5E6-F7A8B9", UsageStartTime: h, UsageEndTime: h.Add(time.Hour), Cost: 1, Currency: "USD",
			Labels: []label{{"team", &team}, {"legacy", nil}}},
		{BillingAccountID: "01A2B3-C4D5E6-F7A8B9", UsageStartTime: h, UsageEndTime: h.Add(time.Hour), Cost: 2, Currency: "USD"},
	}
	rows[0].Invoice.Month, rows[1].Invoice.Month = "202503", "202503"
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	lines := parseExport(t, "export.parquet", buf.Bytes())
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	tags := lines[0].Tags
	if v, ok := tags["legacy"]; tags["team"] != "payments" || !ok || v != "" || len(tags) != 2 {
		t.Errorf("labels %v; want team=payments and legacy with no value", tags)
	}
	if len(lines[1].Tags) != 0 {
		t.Errorf("a line without labels has tags %v", lines[1].Tags)
	}
}
