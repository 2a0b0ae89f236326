package postgres_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestSpendForecastPeriodChargesOfBilledMonths: a spend forecast takes a
// month's period charges (a support fee) from the complete months whose
// period charges are billed. November, whose invoice has not come (the
// bill has no period line in it), is skipped, not taken as a month without
// fees: the fee is October's $600, not the median of $600 and $0. And once
// the bill has November's period charges (account 111's fee), account
// 222's fee, which November lacks, has stopped: it is dropped, not halved.
func TestSpendForecastPeriodChargesOfBilledMonths(t *testing.T) {
	now := mustTime(t, "2026-12-12T08:00:00Z")
	for _, tc := range []struct {
		name string
		fees map[string]map[string]string // account → month → fee
		want map[string]*forecast.PeriodCharges
	}{
		{"November not invoiced yet", map[string]map[string]string{"111": {"2026-10": "600"}},
			map[string]*forecast.PeriodCharges{"111": {PerMonth: 600, FromMonths: []string{"2026-10"}, Month: "2026-12", Pending: 174.19}}},
		{"a fee that stopped", map[string]map[string]string{"111": {"2026-10": "600", "2026-11": "600"}, "222": {"2026-10": "300"}},
			map[string]*forecast.PeriodCharges{"111": {PerMonth: 600, FromMonths: []string{"2026-10", "2026-11"}, Month: "2026-12", Pending: 174.19}, "222": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			for account, fees := range tc.fees {
				ingestDailyWithFees(t, db, account, fees)
			}
			fs, err := forecast.ForecastSpend(ctx, db, forecast.SpendOptions{Scopes: []string{forecast.KindSpendAccount},
				Horizon: 30, Lag: forecast.DefaultLag, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				var p struct {
					PeriodCharges *forecast.PeriodCharges `json:"periodCharges"`
				}
				if err := json.Unmarshal(f.Params, &p); err != nil {
					t.Fatal(err)
				}
				if pc := p.PeriodCharges; pc != nil {
					pc.Pending = float64(int(pc.Pending*100+0.5)) / 100
				}
				account := f.Scope[len("spend/account/"):]
				if want := tc.want[account]; !reflect.DeepEqual(p.PeriodCharges, want) {
					t.Errorf("%s: period charges %+v, want %+v", f.Scope, p.PeriodCharges, want)
				}
			}
		})
	}
}

// ingestDailyWithFees bills account $100 a day from October to 11
// December 2026, and the fees given a month, charged for the month at once.
func ingestDailyWithFees(t *testing.T, db *postgres.DB, account string, fees map[string]string) {
	t.Helper()
	byMonth := map[time.Time][]tally.CostLine{}
	for d := mustTime(t, "2026-10-01T12:00:00Z"); d.Before(mustTime(t, "2026-12-12T00:00:00Z")); d = d.AddDate(0, 0, 1) {
		l := testLine(t, d.Format(time.RFC3339), "i-0aaa", "100", "100")
		l.BillingAccountID = account
		byMonth[l.BillingPeriodStart] = append(byMonth[l.BillingPeriodStart], l)
	}
	for month, fee := range fees {
		l := testLine(t, month+"-01T00:00:00Z", "", fee, fee)
		l.BillingAccountID, l.ServiceName, l.ChargeCategory = account, "AWS Support (Business)", tally.ChargePurchase
		l.ChargePeriodEnd = l.BillingPeriodEnd
		byMonth[l.BillingPeriodStart] = append(byMonth[l.BillingPeriodStart], l)
	}
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	for start, lines := range byMonth {
		key := tally.BillingPeriodKey{BillingAccountID: account, Start: start, Source: "aws-cur"}
		if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq(lines)); err != nil {
			t.Fatal(err)
		}
	}
}
