package attribution_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	ctx  = context.Background()
	day1 = fixture.Day1
)

func seedOneNode(t *testing.T, db *postgres.DB) {
	t.Helper()
	fixture.OneNode(t, db, 48)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
}

func TestJobEstimatesThenReconcilesLateBilling(t *testing.T) {
	db := pgtest.New(t)
	key, run := fixture.OneNode(t, db, 24)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	clock := day1.Add(50 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db,
		Now: func() time.Time { return clock }}
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	sum, err := job.Attribute(ctx, w, false)
	must(err)
	if sum.Hours != 48 || sum.EstimatedNodeHrs != 24 {
		t.Fatalf("first run: %+v, want 48 hours with 24 estimated", sum)
	}
	recon, err := db.Reconciliation(ctx, w, tally.BasisAmortized)
	must(err)
	if len(recon) != 2 || recon[0].Status() != "ok" || recon[1].Status() != "estimated" {
		t.Fatalf("reconciliation = %+v", recon)
	}
	if recon[0].Bill.Decimal() != "4.56" || recon[0].Total().Decimal() != "4.56" || recon[0].Shared.Decimal() != "2.4" {
		t.Fatalf("day 1 = billed %v total %v shared %v", recon[0].Bill, recon[0].Total(), recon[0].Shared)
	}
	if recon[1].Total().Decimal() != "2.304" { // 24 × 0.096 estimated
		t.Fatalf("day 2 estimate = %v", recon[1].Total())
	}

	// Nothing changed: nothing is stale, nothing recomputed.
	if sum, err = job.Attribute(ctx, w, false); err != nil || sum.Hours != 0 {
		t.Fatalf("second run: %+v, %v; want no hours recomputed", sum, err)
	}

	// The bill for day 2 lands (the period is restated with both days), later.
	clock = clock.Add(time.Hour)
	time.Sleep(5 * time.Millisecond)
	_, err = db.ReplaceBillingPeriod(ctx, key, run, fixture.OneNodeLines(48, "0.09"))
	must(err)
	stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
	must(err)
	if len(stale) != 48 {
		t.Fatalf("stale hours after restatement = %d, want 48", len(stale))
	}
	if sum, err = job.Attribute(ctx, w, false); err != nil || sum.Hours != 48 || sum.EstimatedNodeHrs != 0 {
		t.Fatalf("after billing landed: %+v, %v", sum, err)
	}
	recon, err = db.Reconciliation(ctx, w, tally.BasisAmortized)
	must(err)
	for _, r := range recon {
		if r.Status() != "ok" || r.Estimated || r.Bill.Decimal() != "4.56" {
			t.Fatalf("after billing landed: %+v (status %s)", r, r.Status())
		}
	}
	allocs, err := db.Allocations(ctx, "111", w)
	must(err)
	var shop tally.Money
	for _, a := range allocs {
		if a.Namespace == "shop" {
			shop, _ = shop.Add(a.EffectiveCost)
		}
	}
	// Per hour, with default unit prices, api (1 of 2 cores, 4 of 8 GiB) gets half the node.
	if shop.Round(9).Decimal() != "2.16" { // ties in Split go to the first claimant: +1e-12 a pool-hour

		t.Fatalf("shop namespace = %v, want 48 × 0.09 / 2", shop)
	}
}

func TestAttributeWindowWithinADay(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	sum, err := job.Attribute(ctx, tally.Window{Start: day1.Add(12 * time.Hour), End: day1.Add(13 * time.Hour)}, true)
	if err != nil || sum.Hours != 1 {
		t.Fatalf("one hour: %+v, %v; want exactly that hour", sum, err)
	}
}

func TestQueryStoredAllocations(t *testing.T) {
	db := pgtest.New(t)
	seedOneNode(t, db)
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	for _, tt := range []struct {
		q    attribution.Query
		want map[string]string
	}{
		{attribution.Query{Window: w, Aggregate: dims(t, "namespace"), Idle: attribution.IdleSeparate, Shared: attribution.SharedSeparate},
			map[string]string{"shop": "2.16", tally.IdleName: "2.16", tally.SharedName: "4.8"}},
		{attribution.Query{Window: w, Step: 24 * time.Hour, Aggregate: dims(t, "controller"), Idle: attribution.IdleShare, Shared: attribution.SharedWeighted},
			map[string]string{"shop/api": "9.12"}},
		{attribution.Query{Window: w, Step: 6 * time.Hour, Aggregate: dims(t, "pod"), Idle: attribution.IdleHide, Shared: attribution.SharedSeparate,
			Filters: []attribution.Filter{{Dim: attribution.Dimension{Field: "namespace"}, Values: []string{"shop"}}}},
			map[string]string{"shop/api-1": "2.16", tally.SharedName: "4.8"}},
	} {
		rows, err := db.AllocationRows(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		groups, err := attribution.Aggregate(rows, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, g := range groups {
			got[g.Name] = g.Total.Total.Round(9).Decimal()
			if len(g.Steps) != len(tt.q.Steps()) {
				t.Errorf("%s: %d steps, want %d", g.Name, len(g.Steps), len(tt.q.Steps()))
			}
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%v: %s = %s, want %s (all %v)", tt.q.String(), k, got[k], v, got)
			}
		}
	}
}

func dims(t *testing.T, names ...string) []attribution.Dimension {
	var out []attribution.Dimension
	for _, n := range names {
		d, err := attribution.ParseDimension(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestRollupsAgree: the namespace view read from the owner-level rollup
// equals the same view summed from the workload-level rollup, after a first
// attribution and after recomputing every hour (which moves both rollups by
// the difference).
func TestRollupsAgree(t *testing.T) {
	db := pgtest.New(t)
	seedOneNode(t, db)
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	for round := range 2 {
		if round == 1 {
			if _, err := job.Attribute(ctx, w, true); err != nil {
				t.Fatal(err)
			}
		}
		type cell struct{ day, cluster, ns, class, kind string }
		sums := func(q attribution.Query) map[cell]tally.Money {
			rows, err := db.AllocationRows(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out := map[cell]tally.Money{}
			for _, r := range rows {
				k := cell{r.Start.Format(time.DateOnly), r.Cluster, r.Namespace, r.Class, r.CostKind}
				if out[k], err = out[k].Add(r.Cost); err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		owner := sums(attribution.Query{Window: w, Step: 24 * time.Hour, Aggregate: []attribution.Dimension{{Field: "namespace"}}})
		workload := sums(attribution.Query{Window: w, Step: 24 * time.Hour,
			Aggregate: []attribution.Dimension{{Field: "namespace"}, {Field: "controller"}}})
		if len(owner) == 0 || len(owner) != len(workload) {
			t.Fatalf("round %d: %d owner-level cells, %d workload-level", round, len(owner), len(workload))
		}
		for k, v := range workload {
			if !owner[k].Equal(v) {
				t.Errorf("round %d %+v: owner rollup %s, workload rollup %s", round, k, owner[k], v)
			}
		}
	}
}

// TestAttributeEmptyPeriodLineAtMidnight: a line with an empty charge period
// (a GCP row without usage_end_time) lands whole on the hour it starts, so
// one at midnight belongs to the day starting there, and that day
// reconciles with it.
func TestAttributeEmptyPeriodLineAtMidnight(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	midnight := day1.Add(24 * time.Hour)
	key := tally.BillingPeriodKey{BillingAccountID: "111", Start: tally.MonthStart(day1), Source: "adjustments"}
	run, err := db.StartIngestRun(ctx, key.Source, nil)
	if err != nil {
		t.Fatal(err)
	}
	five := tally.MustParseMoney("5", "USD")
	fee := tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: key.BillingAccountID, ChargeCategory: tally.ChargeAdjustment,
		BillingPeriodStart: key.Start, BillingPeriodEnd: key.Start.AddDate(0, 1, 0),
		ChargePeriodStart: midnight, ChargePeriodEnd: midnight, BilledCost: five, EffectiveCost: five, ListCost: five}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, func(yield func(*tally.CostLine, error) bool) { yield(&fee, nil) }); err != nil {
		t.Fatal(err)
	}
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	recon, err := db.Reconciliation(ctx, w, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	if len(recon) != 2 {
		t.Fatalf("reconciliation: %d rows, want 2", len(recon))
	}
	for i, want := range []string{"4.56", "9.56"} {
		r := recon[i]
		if r.Status() != "ok" || r.Bill.Decimal() != want || r.Total().Decimal() != want {
			t.Errorf("%s: billed %s allocated %s (%s), want %s both", tally.FormatDay(r.Day), r.Bill, r.Total(), r.Status(), want)
		}
	}
}

// TestAttributePartOfADayKeepsItsStackCosts: stack costs are daily sums, so
// attributing part of a day leaves the day's stack costs as attributing the
// whole day does, and the summary counts only the hours asked for.
func TestAttributePartOfADayKeepsItsStackCosts(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	day := tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}
	stackCost := func() string {
		t.Helper()
		ss, err := db.StackSpend(ctx, attribution.StackFilter{Window: day, Namespace: "shop", Workload: "api"})
		if err != nil {
			t.Fatal(err)
		}
		var m tally.Money
		for _, s := range ss {
			if m, err = m.Add(s.Cost); err != nil {
				t.Fatal(err)
			}
		}
		return m.Decimal()
	}
	if _, err := job.Attribute(ctx, day, true); err != nil {
		t.Fatal(err)
	}
	whole := stackCost()
	if whole == "0" {
		t.Fatal("no stack costs after attributing the whole day")
	}
	for _, w := range []tally.Window{
		{Start: day1.Add(12 * time.Hour), End: day1.Add(24 * time.Hour)}, // tally attribute --from …T12:00:00Z
		{Start: day1, End: day1.Add(6 * time.Hour)},
		{Start: day1.Add(23 * time.Hour), End: day1.Add(25 * time.Hour)},
	} {
		sum, err := job.Attribute(ctx, w, true)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(w.Hours()); sum.Hours != want {
			t.Errorf("attribute %v: %d hours, want %d", w, sum.Hours, want)
		}
		if got := stackCost(); got != whole {
			t.Errorf("after attributing %v: day 1 stack cost %s, want %s as after the whole day", w, got, whole)
		}
	}
}

// billLandsAtFirstClock is a store where a bill is ingested just before the
// job first marks a read: after the job started, before it reads a day.
type billLandsAtFirstClock struct {
	*postgres.DB
	ingest func() error
}

func (s *billLandsAtFirstClock) ReadMark(ctx context.Context) (attribution.ReadMark, error) {
	if s.ingest != nil {
		err := s.ingest()
		if s.ingest = nil; err != nil {
			return attribution.ReadMark{}, err
		}
	}
	return s.DB.ReadMark(ctx)
}

// TestAttributeSeesBillLandingDuringRun: a bill ingested while the job runs,
// before it reads a day, is how far that day is billed: the node-hours it
// covers are not estimated (here the node has no line in it, so they cost 0
// and the day reconciles), and the next run has nothing to recompute.
func TestAttributeSeesBillLandingDuringRun(t *testing.T) {
	db := pgtest.New(t)
	key, run := fixture.OneNode(t, db, 24)
	day2 := func(yield func(*tally.CostLine, error) bool) {
		for l, err := range fixture.OneNodeLines(48, "0.09") {
			if l.ResourceID == "i-1" && !l.ChargePeriodStart.Before(day1.Add(24*time.Hour)) {
				continue // day 2 bills the control plane only: say the instance id changed
			}
			if !yield(l, err) {
				return
			}
		}
	}
	store := &billLandsAtFirstClock{DB: db, ingest: func() error {
		_, err := db.ReplaceBillingPeriod(ctx, key, run, day2)
		return err
	}}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: store, Workers: 1,
		Now: func() time.Time { return day1.Add(50 * time.Hour) }}
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Hours != 48 || sum.EstimatedNodeHrs != 0 || sum.UnbilledNodeHours != 24 {
		t.Errorf("first run: %+v, want 48 hours, none estimated, day 2's 24 node-hours unbilled", sum)
	}
	recon, err := db.Reconciliation(ctx, w, tally.BasisAmortized)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recon {
		if r.Status() != "ok" || r.Estimated {
			t.Errorf("%s: billed %s allocated %s estimated %v (%s), want ok", tally.FormatDay(r.Day), r.Bill, r.Total(), r.Estimated, r.Status())
		}
	}
	if sum, err := job.Attribute(ctx, w, false); err != nil || sum.Hours != 0 {
		t.Errorf("second run: %+v, %v; want nothing to recompute", sum, err)
	}
}

// billedThroughAsOf is a store that reports how far bills reached at some
// earlier time: a job's stale view of it.
type billedThroughAsOf struct {
	*postgres.DB
	through map[string]time.Time
}

func (s billedThroughAsOf) BilledThrough(context.Context) (map[string]time.Time, error) {
	return s.through, nil
}

// TestStaleHoursRevisitEstimatesNowBilled: an hour that estimated node-hours
// of an account whose bill now reaches past it is stale, even when it was
// computed after that bill's ingest; recomputing it settles it.
func TestStaleHoursRevisitEstimatesNowBilled(t *testing.T) {
	db := pgtest.New(t)
	key, run := fixture.OneNode(t, db, 24)
	before, err := db.BilledThrough(ctx)
	if err != nil {
		t.Fatal(err)
	}
	day2 := func(yield func(*tally.CostLine, error) bool) {
		for l, err := range fixture.OneNodeLines(48, "0.09") {
			if l.ResourceID == "i-1" && !l.ChargePeriodStart.Before(day1.Add(24*time.Hour)) {
				continue // day 2 bills the control plane only
			}
			if !yield(l, err) {
				return
			}
		}
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, day2); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return day1.Add(50 * time.Hour) }
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	stale := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: billedThroughAsOf{db, before}, Now: now}
	if sum, err := stale.Attribute(ctx, w, false); err != nil || sum.EstimatedNodeHrs != 24 {
		t.Fatalf("attributing with the earlier view: %+v, %v; want day 2's 24 node-hours estimated", sum, err)
	}
	hours, err := db.StaleHours(ctx, w, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(hours) != 24 || hours[0] != tally.HourOf(day1.Add(24*time.Hour)) {
		t.Fatalf("stale hours: %v, want day 2's 24", hours)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: now}
	if sum, err := job.Attribute(ctx, w, false); err != nil || sum.Hours != 24 || sum.EstimatedNodeHrs != 0 {
		t.Fatalf("recomputing: %+v, %v; want day 2's 24 hours, none estimated", sum, err)
	}
	if hours, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(hours) != 0 {
		t.Fatalf("stale hours after recomputing: %v, %v; want none", hours, err)
	}
}

// TestJobEstimatesInTheBillsCurrency: the job knows the currency each
// account is billed in from its bills, also for days its bill does not
// reach yet: a catalog in another currency does not price that account's
// unbilled node-hours, and the run says so.
func TestJobEstimatesInTheBillsCurrency(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // billed in USD
	if err := db.UpsertPrices(ctx, []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large",
		PurchaseOption: tally.PurchaseOnDemand, HourlyPrice: tally.MustParseMoney("0.089", "EUR"), VCPUs: 2, MemoryBytes: 8 << 30,
		EffectiveFrom: day1, Source: "test"}}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db,
		Now: func() time.Time { return day1.Add(50 * time.Hour) }}
	sum, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.EstimatedNodeHrs != 0 || sum.UnpricedNodeHours != 24 {
		t.Errorf("summary %+v: want day 2's 24 node-hours not estimated (the catalog is in EUR, the bill in USD)", sum)
	}
	if w := strings.Join(sum.Warnings, "\n"); !strings.Contains(w, "are in EUR, but account 111 is billed in USD") {
		t.Errorf("warnings %q do not say the catalog's currency is not the bill's", w)
	}
}

// usageReads is a store that records the windows whose usage is read.
type usageReads struct {
	*postgres.DB
	windows []tally.Window
}

func (s *usageReads) HourlyUsage(ctx context.Context, w tally.Window) ([]attribution.HourUsage, error) {
	s.windows = append(s.windows, w)
	return s.DB.HourlyUsage(ctx, w)
}

// TestAttributeOneHourComputesOneHour: each hour saves its own stack costs,
// so attributing one hour of an attributed day reads and computes that hour
// only, not its day (which took a 1,000-node fleet from 1.2 s to 3.5 s).
func TestAttributeOneHourComputesOneHour(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	store := &usageReads{DB: db}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: store, Workers: 1}
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}, true); err != nil {
		t.Fatal(err)
	}
	store.windows = nil
	hour := tally.HourOf(day1.Add(12 * time.Hour)).Window()
	sum, err := job.Attribute(ctx, hour, true)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Hours != 1 || len(store.windows) != 1 || store.windows[0] != hour {
		t.Errorf("attributing %v: %d hours computed, usage read of %v; want that hour only", hour, sum.Hours, store.windows)
	}
}

// staleAt is a store whose stale hours are the given ones.
type staleAt struct {
	usageReads
	hours []tally.Hour
}

func (s *staleAt) StaleHours(context.Context, tally.Window, attribution.ShareBasis) ([]tally.Hour, error) {
	return s.hours, nil
}

// TestAttributeStaleHoursApartComputesThoseHours: two stale hours of a day
// far apart are computed each on its own, not with the hours between them
// (hours 2 and 20 computed 19 hours and saved 2).
func TestAttributeStaleHoursApartComputesThoseHours(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day := tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Workers: 1}
	if _, err := job.Attribute(ctx, day, true); err != nil {
		t.Fatal(err)
	}
	before, err := db.Allocations(ctx, "", day)
	if err != nil {
		t.Fatal(err)
	}
	h2, h20 := tally.HourOf(day1.Add(2*time.Hour)), tally.HourOf(day1.Add(20*time.Hour))
	store := &staleAt{usageReads: usageReads{DB: db}, hours: []tally.Hour{h2, h20}}
	job.Store = store
	sum, err := job.Attribute(ctx, day, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []tally.Window{h2.Window(), h20.Window()}; sum.Hours != 2 || !slices.Equal(store.windows, want) {
		t.Errorf("stale hours 2 and 20: %d hours computed, usage read of %v; want %v", sum.Hours, store.windows, want)
	}
	after, err := db.Allocations(ctx, "", day)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("allocations changed: %d rows before, %d after", len(before), len(after))
	}
}

// TestJobProgressCountsEveryDay: Progress is called for every day of the
// window, those with no stale hour too (with a zero summary), so a caller
// saying "day 3 of 5" reaches 5. It was called only for the days that had
// stale hours: a run over attributed days said nothing, and one with a
// stale day among many stopped at 1.
func TestJobProgressCountsEveryDay(t *testing.T) {
	db := pgtest.New(t)
	seedOneNode(t, db) // the first two days attributed
	var days []string
	hours := 0
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Workers: 1,
		Now: func() time.Time { return day1.AddDate(0, 0, 4) },
		Progress: func(day time.Time, sum attribution.Summary) {
			days = append(days, tally.FormatDay(day))
			hours += sum.Hours
		}}
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.AddDate(0, 0, 4)}, false); err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"}
	if !slices.Equal(days, want) || hours != 48 {
		t.Errorf("progress called for %q (%d hours), want every day %q and the 48 hours of the two not attributed", days, hours, want)
	}
}
