package postgres_test

import (
	"maps"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestBilledThroughIsPerSourceNotPerAccount: an account billed by two
// exports (the demo's: CUR 2.0 for the payer's own lines, a FOCUS export
// for a member account's) is billed only as far as the one lagging behind
// reaches: the node-hours its export has not reached yet are estimated and
// flagged (DESIGN: "until billing arrives, an estimate … flagged
// estimated"), not costed 0 because the other export got further. They
// stay so, without being recomputed, until the lagging export lands.
func TestBilledThroughIsPerSourceNotPerAccount(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // account 111, source aws-cur: node i-1 billed for day 1 only
	day1 := fixture.Day1
	// A second export of account 111 (a member account's FOCUS export,
	// without the node) is a day fresher.
	key := tally.BillingPeriodKey{BillingAccountID: "111", Start: tally.MonthStart(day1), Source: "focus"}
	var lines []tally.CostLine
	for h := 0; h < 48; h++ {
		s := day1.Add(time.Duration(h) * time.Hour)
		m := tally.MustParseMoney("0.01", "USD")
		lines = append(lines, tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: "111", SubAccountID: "222",
			BillingPeriodStart: tally.MonthStart(s), BillingPeriodEnd: tally.MonthStart(s).AddDate(0, 1, 0),
			ChargePeriodStart: s, ChargePeriodEnd: s.Add(time.Hour), ChargeCategory: tally.ChargeUsage,
			BilledCost: m, EffectiveCost: m, ListCost: m, ContractedCost: m, ServiceName: "Amazon Simple Storage Service", ResourceID: "bucket-1"})
	}
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq(lines)); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db,
		Now: func() time.Time { return day1.Add(50 * time.Hour) }}
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.EstimatedNodeHrs != 24 || sum.UnbilledNodeHours != 0 {
		t.Errorf("day 2 of node i-1 (its export has not reached it): %d node-hours estimated, %d cost 0; want 24 estimated, 0 at cost 0 (warnings %q)",
			sum.EstimatedNodeHrs, sum.UnbilledNodeHours, sum.Warnings)
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Errorf("stale hours after attributing: %v, %v; want none (the estimates stand until the lagging export lands)", stale, err)
	}

	// The node's export lands for day 2: its estimates are replaced.
	cur := tally.BillingPeriodKey{BillingAccountID: "111", Start: tally.MonthStart(day1), Source: "aws-cur"}
	if run, err = db.StartIngestRun(ctx, "aws-cur", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, cur, run, fixture.OneNodeLines(48, "0.09")); err != nil {
		t.Fatal(err)
	}
	if sum, err = job.Attribute(ctx, w, false); err != nil || sum.EstimatedNodeHrs != 0 || sum.UnbilledNodeHours != 0 {
		t.Errorf("after the node's export landed: %+v, %v; want nothing estimated or unbilled", sum, err)
	}
	expectReconciled(t, db, w)
}

// TestBilledThroughForgetsRetiredExports: an export that stopped a month
// or more before the account's freshest (replaced by another) no longer
// holds the account's bill back.
func TestBilledThroughForgetsRetiredExports(t *testing.T) {
	db := pgtest.New(t)
	ingest := func(source, account string, hours ...string) {
		t.Helper()
		var lines []tally.CostLine
		for _, h := range hours {
			l := testLine(t, h, "i-0aaa", "1", "1")
			l.BillingAccountID = account
			if source == "focus" { // a member account's own export: another usage account than the CUR's
				l.SubAccountID = "333333333333"
			}
			lines = append(lines, l)
		}
		run, err := db.StartIngestRun(ctx, source, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReplacePeriods(ctx, source, run, seq(lines), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	ingest("legacy-cur", "111", "2026-08-31T22:00:00Z")                      // retired at the end of August
	ingest("aws-cur", "111", "2026-09-30T23:00:00Z", "2026-10-20T09:00:00Z") // its successor
	ingest("focus", "111", "2026-10-19T09:00:00Z")                           // a day behind it
	ingest("aws-cur", "222", "2026-10-20T09:00:00Z")                         // another account
	got, err := db.BilledThrough(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"111": mustTime(t, "2026-10-19T10:00:00Z"), "222": mustTime(t, "2026-10-20T10:00:00Z")}
	if !maps.Equal(got, want) {
		t.Errorf("BilledThrough = %v, want %v", got, want)
	}
}

// expectReconciled fails the test unless every day of w reconciles.
func expectReconciled(t *testing.T, db *postgres.DB, w tally.Window) {
	t.Helper()
	rows, err := db.Reconciliation(ctx, w, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Errorf("no reconciliation rows for %v", w)
	}
	for _, r := range rows {
		if r.Status() != "ok" {
			t.Errorf("%s %s: billed %s, allocated %s: %s", tally.FormatDay(r.Day), r.Account, r.Bill.Decimal(), r.Total().Decimal(), r.Status())
		}
	}
}
