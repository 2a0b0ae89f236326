package awscur_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
)

// A line without lineItem/UsageEndDate is rejected as missing it: it was
// called "before line_item_usage_start_date".
func TestMissingUsageEndDate(t *testing.T) {
	csv := "bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/CurrencyCode,lineItem/UnblendedCost\n" +
		"999,2024-09-01T00:00:00Z,Usage,2024-09-02T03:00:00Z,,USD,1.5\n"
	var bad *ingest.LineError
	err := awscur.ParseCSV(context.Background(), "cur.csv", strings.NewReader(csv), func(_ int64, _ *tally.CostLine, b *ingest.LineError) error {
		bad = b
		return nil
	})
	if err != nil || bad == nil || bad.Column != "lineItem/UsageEndDate" || bad.Reason != "required" {
		t.Errorf("%v; bad %v; want cur.csv:2: column lineItem/UsageEndDate value \"\": required", err, bad)
	}
}
