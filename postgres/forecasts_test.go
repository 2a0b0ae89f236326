package postgres_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

func TestDailyCosts(t *testing.T) {
	db := pgtest.New(t)
	lines := map[string][]tally.CostLine{}
	add := func(hour, service, effective string) *tally.CostLine {
		l := testLine(t, hour, "i-0aaa", "1", effective)
		l.ServiceName = service
		k := l.BillingPeriodStart.Format(time.RFC3339)
		lines[k] = append(lines[k], l)
		return &lines[k][len(lines[k])-1]
	}
	add("2026-10-31T10:00:00Z", "Amazon EC2", "0.1")
	add("2026-10-31T23:00:00Z", "Amazon EC2", "0.00001605990")
	add("2026-10-31T23:30:00Z", "", "2")
	add("2026-11-01T00:00:00Z", "Amazon EC2", "-0.5") // a credit, next month's period
	// November's support fee, charged for the month at once: a row apart.
	fee := add("2026-11-01T00:00:00Z", "AWS Support (Business)", "600")
	fee.ChargePeriodEnd, fee.ChargeCategory = fee.BillingPeriodEnd, tally.ChargePurchase
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, ls := range lines {
		key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: mustTime(t, k), Source: "aws-cur"}
		if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq(ls)); err != nil {
			t.Fatal(err)
		}
	}
	w := tally.Window{Start: mustTime(t, "2026-10-01T00:00:00Z"), End: mustTime(t, "2026-12-01T00:00:00Z")}
	byAccount, err := db.DailyCosts(ctx, tally.GroupBillingAccount, tally.BasisAmortized, w)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"111111111111 2026-10-31 2.1000160599 USD", "111111111111 2026-11-01 -0.5 USD", "111111111111 2026-11-01 600 USD period"}
	check := func(got []tally.DailyCost, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %+v, want %v", got, want)
		}
		for i, d := range got {
			s := d.Key + " " + d.Day.Format("2006-01-02") + " " + d.Cost.String()
			if d.Period {
				s += " period"
			}
			if s != want[i] {
				t.Errorf("row %d = %s, want %s", i, s, want[i])
			}
		}
	}
	check(byAccount, want)
	byService, err := db.DailyCosts(ctx, tally.GroupService, tally.BasisBilled, w)
	if err != nil {
		t.Fatal(err)
	}
	check(byService, []string{"(none) 2026-10-31 1 USD", "AWS Support (Business) 2026-11-01 1 USD period",
		"Amazon EC2 2026-10-31 2 USD", "Amazon EC2 2026-11-01 1 USD"})
	if _, err := db.DailyCosts(ctx, "region", tally.BasisAmortized, w); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("unknown group: %v, want EInvalid", err)
	}
}

func TestLatestForecasts(t *testing.T) {
	db := pgtest.New(t)
	t0 := mustTime(t, "2026-11-20T00:00:00Z")
	save := func(scope string, created time.Time, model string) {
		f := tally.Forecast{Scope: scope, CreatedAt: created, Granularity: "day", Model: model, HistoryEnd: t0,
			Params: json.RawMessage(`{"currency":"USD"}`), Accuracy: json.RawMessage(`{"mase":0.8}`),
			Points: []tally.ForecastPoint{{T: t0, Mean: 10, Lo80: 8, Hi80: 12, Lo95: 7, Hi95: 13}}}
		if err := db.SaveForecast(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	save("spend/account/1", t0, "ets")
	save("spend/account/1", t0.Add(time.Hour), "mstl")
	save("spend/service/Amazon%20EC2", t0, "theta")
	save("usage/vcpu-hours/aws/us-east-1/m5", t0, "auto")
	all, err := db.LatestForecasts(ctx, "spend/")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Scope != "spend/account/1" || all[0].Model != "mstl" || all[1].Model != "theta" {
		t.Fatalf("latest spend forecasts: %+v", all)
	}
	if all[0].Points[0].Hi95 != 13 || !all[0].HistoryEnd.Equal(t0) {
		t.Errorf("points or history end lost: %+v", all[0])
	}
	acc, err := db.LatestForecasts(ctx, "spend/account/")
	if err != nil || len(acc) != 1 {
		t.Fatalf("account forecasts: %v %+v", err, acc)
	}
	none, err := db.LatestForecasts(ctx, "cpu/")
	if err != nil || len(none) != 0 {
		t.Fatalf("no cpu forecasts: %v %+v", err, none)
	}
}
