package focus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
)

// A billing period is a calendar month: bounds written with a UTC offset
// (an export in China Standard Time, or in Pacific Time as a BigQuery
// view may write them) are the month they name, not the instant in UTC —
// September from 2024-09-01T00:00:00+08:00 is not August 31, 16:00 UTC,
// which filed the month under August. Charge periods stay instants.
func TestBillingPeriodWithUTCOffset(t *testing.T) {
	const header = "BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ServiceName,ProviderName\n"
	sept := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ start, end, charge string }{
		{"2024-09-01T00:00:00+08:00", "2024-10-01T00:00:00+08:00", "2024-09-01T00:00:00+08:00"},
		{"2024-09-01T00:00:00-07:00", "2024-10-01T00:00:00-07:00", "2024-09-01T00:00:00-07:00"},
		{"2024-09-01 00:00:00+02:00", "2024-10-01 00:00:00+02:00", "2024-09-01 00:00:00+02:00"},
		{"2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "2024-09-01T00:00:00Z"},
	} {
		csv := header + "111,USD," + tc.start + "," + tc.end + ",Usage," + tc.charge + "," + tc.charge + ",1.5,1.5,EC2,AWS\n"
		var got []tally.CostLine
		err := focus.ParseCSV(context.Background(), "offset.csv", strings.NewReader(csv), func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil {
				return bad
			}
			got = append(got, *l)
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v, %d lines", tc.start, err, len(got))
		}
		l := got[0]
		charge, _ := time.Parse("2006-01-02T15:04:05Z07:00", strings.Replace(tc.charge, " ", "T", 1))
		if !l.BillingPeriodStart.Equal(sept) || !l.BillingPeriodEnd.Equal(sept.AddDate(0, 1, 0)) || !l.ChargePeriodStart.Equal(charge) {
			t.Errorf("%s – %s: billing period %s – %s, charge period start %s; want 2024-09-01 – 2024-10-01 (UTC), charge %s",
				tc.start, tc.end, l.BillingPeriodStart, l.BillingPeriodEnd, l.ChargePeriodStart, charge.UTC())
		}
	}
}

// TestChargePeriodEndErrors: a bad ChargePeriodEnd is named with the
// file's text. Without one (NULL, as the sample writes empty cells) the
// line was called "before ChargePeriodStart", with the value
// "0001-01-01T00:00:00Z"; one before the start was quoted as parsed, in
// RFC 3339 ("2024-09-01T00:00:00Z"). Neither is in the file.
func TestChargePeriodEndErrors(t *testing.T) {
	const header = "BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ServiceName,ProviderName\n"
	for _, tc := range []struct{ line, want string }{
		{"111,USD,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,Credit,2024-09-02T00:00:00Z,NULL,-0.5,-0.5,EC2,AWS",
			`p.csv:2: column ChargePeriodEnd value "NULL": required`},
		{"111,USD,2024-09-01 00:00:00,2024-10-01 00:00:00,Usage,2024-09-02 00:00:00,2024-09-01 00:00:00,0.5,0.5,EC2,AWS",
			`p.csv:2: column ChargePeriodEnd value "2024-09-01 00:00:00": before ChargePeriodStart "2024-09-02 00:00:00"`},
	} {
		var bad *ingest.LineError
		err := focus.ParseCSV(context.Background(), "p.csv", strings.NewReader(header+tc.line+"\n"), func(_ int64, _ *tally.CostLine, b *ingest.LineError) error {
			bad = b
			return nil
		})
		if err != nil || bad == nil || bad.Error() != tc.want {
			t.Errorf("%v; bad %v; want %s", err, bad, tc.want)
		}
	}
}
