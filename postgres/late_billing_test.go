package postgres_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/migrations"
	"github.com/tallyhq/tally/postgres"
)

// billedInMonth returns l billed in the month starting at month.
func billedInMonth(t *testing.T, l tally.CostLine, month string) tally.CostLine {
	l.BillingPeriodStart = mustTime(t, month)
	l.BillingPeriodEnd = l.BillingPeriodStart.AddDate(0, 1, 0)
	return l
}

// storeLateBilled stores, for instance i-0aaa of account 111111111111, lines
// charged on 30 September 2024 in the September period (1 USD), billed late
// in October (2 USD) and corrected in January (4 USD); a fee for 15 October
// billed ahead in September (8 USD); October's own usage (16 USD); and in
// January an empty charge period (start = end) on 5 January.
func storeLateBilled(t *testing.T, db *postgres.DB) {
	t.Helper()
	ahead := billedInMonth(t, testLine(t, "2024-10-15T10:00:00Z", "i-0aaa", "8", "8"), "2024-09-01T00:00:00Z")
	ahead.ChargeCategory = tally.ChargePurchase
	correction := billedInMonth(t, testLine(t, "2024-09-30T23:00:00Z", "i-0aaa", "4", "4"), "2025-01-01T00:00:00Z")
	correction.ChargeClass = "Correction"
	empty := testLine(t, "2025-01-05T00:00:00Z", "i-0aaa", "0", "0")
	empty.ChargePeriodEnd = empty.ChargePeriodStart
	lines := []tally.CostLine{
		testLine(t, "2024-09-30T21:00:00Z", "i-0aaa", "1", "1"),
		billedInMonth(t, testLine(t, "2024-09-30T22:00:00Z", "i-0aaa", "2", "2"), "2024-10-01T00:00:00Z"),
		correction, ahead,
		testLine(t, "2024-10-01T10:00:00Z", "i-0aaa", "16", "16"),
		empty,
	}
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplacePeriods(ctx, "focus", run, seq(lines), nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestLateBilledLinesAreReadOnTheirChargeDay: every reader that selects
// lines by charge period finds those billed in another month, however much
// later (or earlier), on their charge day.
func TestLateBilledLinesAreReadOnTheirChargeDay(t *testing.T) {
	db := pgtest.New(t)
	storeLateBilled(t, db)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Name: "prod", Provider: "aws", BillingAccountID: "111111111111"}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n-1", Name: "node-1", InstanceID: "i-0aaa",
		InstanceType: "m5.large", ValidFrom: mustTime(t, "2024-09-01T00:00:00Z")}}); err != nil {
		t.Fatal(err)
	}
	sept30 := tally.Window{Start: mustTime(t, "2024-09-30T00:00:00Z"), End: mustTime(t, "2024-10-01T00:00:00Z")}
	oct15 := tally.Window{Start: mustTime(t, "2024-10-15T00:00:00Z"), End: mustTime(t, "2024-10-16T00:00:00Z")}
	for _, tc := range []struct {
		w    tally.Window
		want string
	}{{sept30, "7"}, {oct15, "8"}} {
		lines, err := db.CostLinesOverlapping(ctx, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		var sum tally.Money
		for _, l := range lines {
			sum, _ = sum.Add(l.EffectiveCost)
		}
		if sum.Decimal() != tc.want {
			t.Errorf("CostLinesOverlapping(%v): %d lines costing %s, want %s", tc.w, len(lines), sum, tc.want)
		}

		costs, err := db.DailyCosts(ctx, tally.GroupBillingAccount, tally.BasisAmortized, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		if len(costs) != 1 || costs[0].Cost.Decimal() != tc.want {
			t.Errorf("DailyCosts(%v) = %+v, want one day of %s", tc.w, costs, tc.want)
		}

		recon, err := db.Reconciliation(ctx, tc.w, tally.BasisAmortized)
		if err != nil {
			t.Fatal(err)
		}
		if len(recon) != 1 || recon[0].Bill.Decimal() != tc.want {
			t.Errorf("Reconciliation(%v) = %+v, want a bill of %s", tc.w, recon, tc.want)
		}

		cov, err := db.NodeCoverage(ctx, tc.w, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(cov) != 1 || cov[0].Cost.Decimal() != tc.want {
			t.Errorf("NodeCoverage(%v) = %+v, want the node costing %s", tc.w, cov, tc.want)
		}
	}
	// A window no stored line is charged in reads nothing.
	empty := tally.Window{Start: mustTime(t, "2023-01-01T00:00:00Z"), End: mustTime(t, "2023-01-02T00:00:00Z")}
	if lines, err := db.CostLinesOverlapping(ctx, empty); err != nil || len(lines) != 0 {
		t.Errorf("CostLinesOverlapping(%v) = %d lines, %v; want none", empty, len(lines), err)
	}
}

// TestStaleHoursCoverLateBilledLines: ingesting a period makes stale the
// attributed hours its lines are charged in outside its month, and those a
// restatement removed lines from; the rest stay attributed.
func TestStaleHoursCoverLateBilledLines(t *testing.T) {
	db := pgtest.New(t)
	days := tally.Window{Start: mustTime(t, "2024-09-29T00:00:00Z"), End: mustTime(t, "2024-10-01T00:00:00Z")}
	attribute := func() {
		t.Helper()
		mark, err := db.ReadMark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var hours []attribution.HourState
		for _, h := range days.Hours() {
			hours = append(hours, attribution.HourState{Hour: h, Read: mark})
		}
		if err := db.SaveHours(ctx, hours, nil, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ingest := func(lines ...tally.CostLine) {
		t.Helper()
		run, err := db.StartIngestRun(ctx, "focus", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReplacePeriods(ctx, "focus", run, seq(lines), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(when string, want ...string) {
		t.Helper()
		got, err := db.StaleHours(ctx, days, attribution.ShareMax)
		if err != nil {
			t.Fatal(err)
		}
		var wantHours []tally.Hour
		for _, s := range want {
			wantHours = append(wantHours, tally.HourOf(mustTime(t, s)))
		}
		if !slices.Equal(got, wantHours) {
			t.Errorf("stale hours %s: %v, want %v", when, got, wantHours)
		}
	}

	ingest(testLine(t, "2024-09-30T21:00:00Z", "i-0aaa", "1", "1"))
	expect("before attribution", func() (all []string) {
		for _, h := range days.Hours() {
			all = append(all, h.Start().Format(time.RFC3339))
		}
		return all
	}()...)
	attribute()
	expect("after attribution")

	// October's bill lands with usage of 30 September 22:00 and, for
	// another account, a line with an empty charge period at 29 September
	// 05:00 (it lands on that hour only). The hours from the earliest charge
	// of a period to its month are stale: 30 September 23:00 too.
	october := testLine(t, "2024-10-01T10:00:00Z", "i-0aaa", "16", "16")
	other := billedInMonth(t, testLine(t, "2024-09-29T05:00:00Z", "i-0bbb", "3", "3"), "2024-10-01T00:00:00Z")
	other.BillingAccountID, other.ChargePeriodEnd = "333333333333", other.ChargePeriodStart
	ingest(october, billedInMonth(t, testLine(t, "2024-09-30T22:00:00Z", "i-0aaa", "2", "2"), "2024-10-01T00:00:00Z"), other)
	expect("after October's bill", "2024-09-29T05:00:00Z", "2024-09-30T22:00:00Z", "2024-09-30T23:00:00Z")
	attribute()
	expect("after re-attribution")

	// October is restated without the late line: its hour must be
	// recomputed without it.
	ingest(october)
	expect("after October's restatement", "2024-09-30T22:00:00Z", "2024-09-30T23:00:00Z")
	attribute()

	// Re-ingesting September (whose month holds these days) makes them all stale.
	ingest(testLine(t, "2024-09-30T21:00:00Z", "i-0aaa", "1", "1"))
	if got, err := db.StaleHours(ctx, days, attribution.ShareMax); err != nil || len(got) != 48 {
		t.Errorf("stale hours after September's restatement: %d, %v; want 48", len(got), err)
	}
}

// TestChargeSpanMigrationMatchesIngest: the migration that added the charge
// spans fills those of periods stored before it as ingest records them.
func TestChargeSpanMigrationMatchesIngest(t *testing.T) {
	db := pgtest.New(t)
	storeLateBilled(t, db)
	recorded := db.ChargeSpans(t)
	at := func(s string) time.Time { return mustTime(t, s) }
	want := map[string]tally.Window{
		"111111111111 2024-09 focus": {Start: at("2024-09-30T21:00:00Z"), End: at("2024-10-15T11:00:00Z")},
		"111111111111 2024-10 focus": {Start: at("2024-09-30T22:00:00Z"), End: at("2024-10-01T11:00:00Z")},
		"111111111111 2025-01 focus": {Start: at("2024-09-30T23:00:00Z"), End: at("2025-01-05T00:00:00Z").Add(time.Microsecond)},
	}
	if !reflect.DeepEqual(recorded, want) {
		t.Fatalf("charge spans recorded at ingest:\n got %v\nwant %v", recorded, want)
	}
	sql, err := migrations.FS.ReadFile("014_billing_period_charge_span.sql")
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(t, `ALTER TABLE billing_periods DROP COLUMN charge_span_start, DROP COLUMN charge_span_end`)
	db.Exec(t, string(sql))
	if got := db.ChargeSpans(t); !reflect.DeepEqual(got, recorded) {
		t.Errorf("charge spans filled by the migration:\n got %v\nwant %v", got, recorded)
	}
}

// TestRestatedGCPInvoiceMonthRecomputesItsHours: GCP's invoice.month
// is a Pacific-time month, so the October invoice holds usage up to
// 2026-11-01T07:00Z (gcpbilling sets BillingPeriodStart from it). A
// restated October invoice makes the first UTC hours of November it
// charges stale (by its charge span), and the day reconciles again.
func TestRestatedGCPInvoiceMonthRecomputesItsHours(t *testing.T) {
	db := pgtest.New(t)
	oct := mustTime(t, "2026-10-01T00:00:00Z")
	key := tally.BillingPeriodKey{BillingAccountID: "01A2B3-C4D5E6-F7A8B9", Start: oct, Source: "gcp-billing"}
	line := func(cost string) tally.CostLine {
		s := mustTime(t, "2026-11-01T03:00:00Z") // 2026-10-31 20:00 in Pacific time: invoice month 202610
		m := tally.MustParseMoney(cost, "USD")
		return tally.CostLine{Provider: tally.ProviderGCP, BillingAccountID: key.BillingAccountID, SubAccountID: "acme-analytics-prod",
			BillingPeriodStart: oct, BillingPeriodEnd: oct.AddDate(0, 1, 0), ChargePeriodStart: s, ChargePeriodEnd: s.Add(time.Hour),
			ChargeCategory: tally.ChargeUsage, BilledCost: m, EffectiveCost: m, ListCost: m, ContractedCost: m,
			ServiceName: "Cloud Storage", RegionID: "us-central1", SkuID: "SKU1"}
	}
	run, err := db.StartIngestRun(ctx, "gcp-billing", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq([]tally.CostLine{line("1")})); err != nil {
		t.Fatal(err)
	}
	nov1 := tally.Window{Start: mustTime(t, "2026-11-01T00:00:00Z"), End: mustTime(t, "2026-11-02T00:00:00Z")}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, nov1, false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	// The October invoice is restated: the line now costs 2.
	run2, err := db.StartIngestRun(ctx, "gcp-billing", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run2, seq([]tally.CostLine{line("2")})); err != nil {
		t.Fatal(err)
	}
	h := tally.HourOf(mustTime(t, "2026-11-01T03:00:00Z"))
	stale, err := db.StaleHours(ctx, h.Window(), attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 {
		t.Errorf("StaleHours(%v) after its invoice month was restated = %v, want [%v]", h, stale, h)
	}
	if _, err := job.Attribute(ctx, nov1, false); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Reconciliation(ctx, nov1, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status() != "ok" {
			t.Errorf("%s %s after the restatement and a scheduled run: billed %s, allocated in total %s: %s",
				tally.FormatDay(r.Day), r.Account, r.Bill.Decimal(), r.Total().Decimal(), r.Status())
		}
	}
}
