package awscur_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/internal/pgtest"
)

// curCSV is a CUR CSV of two hourly Usage lines, with legacy CUR's headers
// or CUR 2.0's.
func curCSV(legacy bool) string {
	head := "bill_payer_account_id,bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_currency_code,line_item_unblended_cost"
	if legacy {
		head = "bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/CurrencyCode,lineItem/UnblendedCost"
	}
	return head + "\n" +
		"111122223333,2025-03-01T00:00:00Z,Usage,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,USD,0.192\n" +
		"111122223333,2025-03-01T00:00:00Z,Usage,2025-03-01T01:00:00Z,2025-03-01T02:00:00Z,USD,0.192\n"
}

// Errors name a CUR file's columns as it spells them: lineItem/UnblendedCost
// in a legacy CUR, line_item_unblended_cost in a CUR 2.0 CSV, the columns a
// file lacks as a file of its kind names them, and the currency column,
// not FOCUS's BillingCurrency, when a billing period mixes currencies.
func TestErrorsNameTheFilesColumns(t *testing.T) {
	db := pgtest.New(t)
	for _, tc := range []struct {
		name   string
		legacy bool
		edit   func(csv string) string
		want   string
	}{
		{"bad cost", true, func(s string) string { return strings.Replace(s, "USD,0.192\n", "USD,x1\n", 1) },
			`:2: column lineItem/UnblendedCost value "x1": not a decimal number`},
		{"bad cost", false, func(s string) string { return strings.Replace(s, "USD,0.192\n", "USD,x1\n", 1) },
			`:2: column line_item_unblended_cost value "x1": not a decimal number`},
		{"missing column", true, func(s string) string { return strings.Replace(s, ",lineItem/UnblendedCost", "", 1) },
			`: missing required column(s) [lineItem/UnblendedCost]`},
		{"missing columns", false, func(s string) string { return strings.Replace(s, ",line_item_unblended_cost", "", 1) },
			`: missing required column(s) [line_item_unblended_cost]`},
		{"end before start", true, func(s string) string {
			return strings.Replace(s, "2025-03-01T01:00:00Z,USD", "2025-02-01T00:00:00Z,USD", 1)
		},
			`:2: column lineItem/UsageEndDate value "2025-02-01T00:00:00Z": before lineItem/UsageStartDate`},
		{"cost beyond the bound", true, func(s string) string { return strings.Replace(s, "USD,0.192\n", "USD,1e26\n", 1) },
			`:2: column lineItem/UnblendedCost value "1e26": beyond ±1000000000000, the most one bill line may cost`},
		{"cost beyond the bound", false, func(s string) string { return strings.Replace(s, "USD,0.192\n", "USD,-1000000000001\n", 1) },
			`:2: column line_item_unblended_cost value "-1000000000001": beyond ±1000000000000, the most one bill line may cost`},
		{"usage after the billing period", true, func(s string) string {
			return strings.Replace(s, "Usage,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z", "Usage,2025-04-01T00:00:00Z,2025-04-01T01:00:00Z", 1)
		},
			`:2: column lineItem/UsageStartDate value "2025-04-01T00:00:00Z": after the billing period 2025-03-01T00:00:00Z – 2025-04-01T00:00:00Z ` +
				`(bill/BillingPeriodStartDate – bill/BillingPeriodEndDate): a bill holds its period's usage and late charges of earlier periods, not later usage`},
		{"usage after the billing period", false, func(s string) string {
			return strings.Replace(s, "Usage,2025-03-01T01:00:00Z,2025-03-01T02:00:00Z", "Usage,2025-05-01T01:00:00Z,2025-05-01T02:00:00Z", 1)
		},
			`:3: column line_item_usage_start_date value "2025-05-01T01:00:00Z": after the billing period 2025-03-01T00:00:00Z – 2025-04-01T00:00:00Z ` +
				`(bill_billing_period_start_date – bill_billing_period_end_date): a bill holds`},
		{"unamortizable", true, func(s string) string { return strings.Replace(s, ",Usage,", ",SavingsPlanCoveredUsage,", 1) },
			`:2: column savingsPlan/SavingsPlanEffectiveCost value "": a SavingsPlanCoveredUsage line needs this column to be amortized, and the file lacks it`},
		{"mixed currencies", true, func(s string) string { return strings.Replace(s, "T02:00:00Z,USD", "T02:00:00Z,EUR", 1) },
			`:3: column lineItem/CurrencyCode value "EUR": billing period 2025-03 of account 111122223333 already has lines in USD: mixed currencies in one billing period`},
		{"mixed currencies", false, func(s string) string { return strings.Replace(s, "T02:00:00Z,USD", "T02:00:00Z,EUR", 1) },
			`:3: column line_item_currency_code value "EUR": billing period 2025-03`},
	} {
		kind := "CUR 2.0"
		if tc.legacy {
			kind = "legacy CUR"
		}
		p := writeFile(t, t.TempDir(), "cur.csv", func(f *os.File) error { _, err := f.WriteString(tc.edit(curCSV(tc.legacy))); return err })
		_, err := ingest.Run(t.Context(), db, "aws-cur", awscur.Parser{}, []ingest.File{{Name: p, Path: p}}, ingest.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), p+tc.want) {
			t.Errorf("%s, %s: %v\nwant %s%s", kind, tc.name, err, p, tc.want)
		}
	}
}
