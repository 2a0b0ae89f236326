package postgres_test

// Reproductions of the review-store-cli findings. Each test fails on the
// code as reviewed and names what it expects.

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestReviewLateAgentDataRecomputesHour: an hour attributed before its agent
// data arrived (an agent uploading what it buffered through a backend
// outage, which the agent endpoint accepts for 31 days) is never
// attributed again: StaleHours only looks at billing periods, so the hour
// keeps its allocations without the late usage (here: the pod used the
// whole node, yet the hour keeps half of it as idle) until someone runs
// `tally attribute --force`.
func TestReviewLateAgentDataRecomputesHour(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	h := tally.HourOf(day1.Add(47 * time.Hour)) // the last hour: the batch ends the node's known life there
	idleBefore := idleOf(t, db, h)

	// The agent's buffered batch for hour h lands: pod p1 used both cores all hour.
	in := tally.AgentIngest{Cluster: "prod",
		Node: tally.Node{Cluster: "prod", UID: "n1", Name: "n1", InstanceID: "i-1", InstanceType: "m5.large", Region: "us-east-1",
			CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30, ValidFrom: h.Start(), ValidTo: h.End()},
		Intervals: []tally.AgentIngestInterval{{Window: h.Window(), Usage: []tally.ContainerUsage{{Cluster: "prod",
			Interval: h.Window(), PodUID: "p1", Container: "api", NodeName: "n1", CPUCoreSeconds: 7200,
			MemoryWorkingSetAvg: 8 << 30, MemoryWorkingSetMax: 8 << 30}}}}}
	if err := db.StoreAgentData(ctx, in); err != nil {
		t.Fatal(err)
	}
	stale, err := db.StaleHours(ctx, h.Window(), attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 {
		t.Errorf("StaleHours(%v) after its agent data arrived = %v, want [%v]", h, stale, h)
	}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	idleAfter := idleOf(t, db, h)
	if sum.Hours == 0 || idleAfter.Equal(idleBefore) {
		t.Errorf("attribute after late agent data: %d hours recomputed, idle of %v still %v (want it to shrink: the pod used the whole node)",
			sum.Hours, h, idleAfter.Decimal())
	}
	// What --force gives, for comparison.
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("idle of %v: before the late data %s, after a normal run %s, after --force %s",
		h, idleBefore.Decimal(), idleAfter.Decimal(), idleOf(t, db, h).Decimal())
}

func idleOf(t *testing.T, db *postgres.DB, h tally.Hour) tally.Money {
	t.Helper()
	allocs, err := db.Allocations(ctx, "", h.Window())
	if err != nil {
		t.Fatal(err)
	}
	var idle tally.Money
	for _, a := range allocs {
		if a.Container == tally.IdleName {
			if idle, err = idle.Add(a.EffectiveCost); err != nil {
				t.Fatal(err)
			}
		}
	}
	return idle
}

// TestReviewRestatedGCPInvoiceMonthRecomputesItsHours: GCP's invoice.month
// is a Pacific-time month, so the October invoice holds usage up to
// 2026-11-01T07:00Z (gcpbilling sets BillingPeriodStart from it).
// StaleHours only marks the hours of [period start, +1 month) in UTC, so a
// restated October invoice leaves the first UTC hours of November with
// the old cost: they are never recomputed and the day stops reconciling.
func TestReviewRestatedGCPInvoiceMonthRecomputesItsHours(t *testing.T) {
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
	rows, err := db.Reconciliation(ctx, nov1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status() != "ok" {
			t.Errorf("%s %s after the restatement and a scheduled run: billed %s, allocated in total %s: %s",
				tally.FormatDay(r.Day), r.Account, r.Billed.Decimal(), r.Total().Decimal(), r.Status())
		}
	}
}
