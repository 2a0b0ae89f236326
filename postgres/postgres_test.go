package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var ctx = context.Background()

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigrateFromEmptyTwice(t *testing.T) {
	db, err := postgres.Open(ctx, pgtest.NewURL(t, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ready(ctx); tally.ErrorCode(err) != tally.ENotReady {
		t.Fatalf("Ready before migrating: %v, want ENotReady", err)
	}
	from, to, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if from != 0 || to == 0 {
		t.Fatalf("first migrate %d → %d", from, to)
	}
	from2, to2, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if from2 != to || to2 != to {
		t.Fatalf("second migrate %d → %d, want a no-op at %d", from2, to2, to)
	}
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("Ready after migrating: %v", err)
	}
}

func TestOpenErrorsAreOneLine(t *testing.T) {
	tests := []struct{ url, want string }{
		{"postgres://tally:secret@db.invalid:5432/tally?connect_timeout=5", "db.invalid:5432"},
		{"postgres://tally:secret@127.0.0.1:1/tally?connect_timeout=5", "127.0.0.1:1: dial: connect: connection refused"},
		{"postgres://tally:secret@host:notaport/tally", "database URL"},
	}
	for _, tt := range tests {
		_, err := postgres.Open(ctx, tt.url)
		if err == nil {
			t.Fatalf("Open(%s): no error", tt.url)
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || strings.Contains(msg, "secret") || strings.Contains(msg, "\n") {
			t.Errorf("Open(%s) = %q; want one line containing %q and no password", tt.url, msg, tt.want)
		}
	}
}

func seq(lines []tally.CostLine) iter.Seq2[*tally.CostLine, error] {
	return func(yield func(*tally.CostLine, error) bool) {
		for i := range lines {
			if !yield(&lines[i], nil) {
				return
			}
		}
	}
}

func testLine(t *testing.T, hour string, resource string, billed, effective string) tally.CostLine {
	start := mustTime(t, hour)
	return tally.CostLine{
		Provider: tally.ProviderAWS, BillingAccountID: "111111111111", BillingAccountName: "Payer",
		SubAccountID: "222222222222", BillingPeriodStart: tally.MonthStart(start), BillingPeriodEnd: tally.MonthStart(start).AddDate(0, 1, 0),
		ChargePeriodStart: start, ChargePeriodEnd: start.Add(time.Hour), ChargeCategory: tally.ChargeUsage,
		BilledCost: tally.MustParseMoney(billed, "USD"), EffectiveCost: tally.MustParseMoney(effective, "USD"),
		ListCost: tally.MustParseMoney(billed, "USD"), ContractedCost: tally.MustParseMoney(billed, "USD"),
		PricingQuantity: 1, PricingUnit: "Hours", ServiceName: "Amazon Elastic Compute Cloud", RegionID: "us-east-1",
		ResourceID: resource, SkuID: "SKU1", CommitmentDiscountStatus: tally.CommitmentUsed,
		Tags: map[string]string{"team": "<script>alert(1)</script>"}, Extras: map[string]string{"x_UsageType": "BoxUsage:m5.large"},
	}
}

func TestBillingRoundTripAndIdempotentReplace(t *testing.T) {
	db := pgtest.New(t)
	key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: mustTime(t, "2026-10-01T00:00:00Z"), Source: "aws-cur"}
	lines := []tally.CostLine{
		testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "0.096", "0.0612"),
		testLine(t, "2026-10-03T11:00:00Z", "i-0aaa", "0.00001605990", "0.00001605990"),
	}
	run, err := db.StartIngestRun(ctx, "aws-cur", []tally.IngestFile{{Path: "a.parquet", SHA256: "ab", Bytes: 10, Rows: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second replace must not duplicate
		n, err := db.ReplaceBillingPeriod(ctx, key, run, seq(lines))
		if err != nil || n != 2 {
			t.Fatalf("replace #%d: %d rows, %v", i, n, err)
		}
	}
	if err := db.FinishIngestRun(ctx, tally.IngestRun{ID: run, Status: "committed", Rows: 2, Totals: json.RawMessage(`{"USD":{}}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.CostLines(ctx, postgres.CostLineFilter{Window: tally.Window{Start: key.Start, End: key.Start.AddDate(0, 1, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, lines) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, lines)
	}
	totals, err := db.PeriodTotals(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 1 || totals[0].Rows != 2 || totals[0].BilledCost.Decimal() != "0.0960160599" || totals[0].EffectiveCost.Decimal() != "0.0612160599" {
		t.Fatalf("totals = %+v", totals)
	}
	runs, err := db.IngestRuns(ctx, 10)
	if err != nil || len(runs) != 1 || runs[0].Status != "committed" || runs[0].Files[0].Path != "a.parquet" {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	periods, err := db.BillingPeriods(ctx)
	if err != nil || len(periods) != 1 || periods[0].Key != key || periods[0].Rows != 2 {
		t.Fatalf("periods = %+v, %v", periods, err)
	}
	accounts, err := db.BillingAccounts(ctx)
	if err != nil || len(accounts) != 1 || accounts[0] != (tally.BillingAccount{ID: "111111111111", Provider: "aws", Name: "Payer"}) {
		t.Fatalf("accounts = %+v, %v", accounts, err)
	}
}

func TestReplaceBillingPeriodFailureKeepsPrevious(t *testing.T) {
	db := pgtest.New(t)
	key := tally.BillingPeriodKey{BillingAccountID: "111111111111", Start: mustTime(t, "2026-10-01T00:00:00Z"), Source: "focus"}
	good := []tally.CostLine{testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "1", "1")}
	if _, err := db.ReplaceBillingPeriod(ctx, key, 0, seq(good)); err == nil {
		t.Fatal("run 0 does not exist: want a foreign key error")
	}
	run, _ := db.StartIngestRun(ctx, "focus", nil)
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq(good)); err != nil {
		t.Fatal(err)
	}
	failing := func(yield func(*tally.CostLine, error) bool) {
		l := testLine(t, "2026-10-04T10:00:00Z", "i-0bbb", "5", "5")
		if !yield(&l, nil) {
			return
		}
		yield(nil, tally.Errorf(tally.EInvalid, "file.csv:3: BilledCost %q: not a number", "x"))
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, failing); err == nil || !strings.Contains(err.Error(), "file.csv:3") {
		t.Fatalf("failing replace: err = %v", err)
	}
	got, err := db.CostLines(ctx, postgres.CostLineFilter{Window: tally.Window{Start: key.Start, End: key.Start.AddDate(0, 1, 0)}})
	if err != nil || len(got) != 1 || got[0].ResourceID != "i-0aaa" {
		t.Fatalf("after a failed replace: %+v, %v; want the previous line only", got, err)
	}
	wrong := []tally.CostLine{testLine(t, "2026-11-03T10:00:00Z", "i-0ccc", "1", "1")}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, seq(wrong)); err == nil {
		t.Fatal("a line from another month: want an error")
	}
}

// TestOverlappingReplacesOfOnePeriodKeepOneVersion: two replaces of the
// same (account, month, source) that overlap (an hourly job still running
// when an operator re-ingests a restated month) must not both stay. Under
// READ COMMITTED neither sees the other's uncommitted COPY, so without a lock
// each deletes only the older lines and the month is counted twice. The
// second to take the period's lock waits, says so, then replaces the first.
//
// The overlap is made deterministic by holding the account's
// billing_accounts row, which each replace upserts after its DELETE, until
// both replaces are waiting: one for that row, the other for the period.
func TestOverlappingReplacesOfOnePeriodKeepOneVersion(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const acct = "111111111111"
	key := tally.BillingPeriodKey{BillingAccountID: acct, Start: mustTime(t, "2026-10-01T00:00:00Z"), Source: "aws-cur"}
	// The month was ingested once already (its partition and account exist).
	first, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplacePeriods(ctx, "aws-cur", first, seq([]tally.CostLine{testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", "9", "9")}), nil, nil); err != nil {
		t.Fatal(err)
	}
	locker, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // rolled back below unless the test fails first
	if _, err := tx.Exec(ctx, `SELECT 1 FROM billing_accounts WHERE billing_account_id = $1 FOR UPDATE`, acct); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var waited []tally.BillingPeriodKey
	waiting := func(k tally.BillingPeriodKey) {
		mu.Lock()
		defer mu.Unlock()
		waited = append(waited, k)
	}
	errs := make(chan error, 2)
	costs := map[int64]string{}
	for _, cost := range []string{"10", "12"} {
		run, err := db.StartIngestRun(ctx, "aws-cur", nil)
		if err != nil {
			t.Fatal(err)
		}
		costs[run] = cost
		line := testLine(t, "2026-10-03T10:00:00Z", "i-0aaa", cost, cost)
		go func() {
			_, err := db.ReplacePeriods(ctx, "aws-cur", run, seq([]tally.CostLine{line}), waiting, nil)
			errs <- err
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waits int
		if err := locker.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waits); err != nil {
			t.Fatal(err)
		}
		if waits == 2 {
			break
		}
		if time.Now().After(deadline) {
			var activity string
			_ = locker.QueryRow(ctx, `SELECT string_agg(concat_ws(' ', state, wait_event_type, wait_event, left(ltrim(query), 50)), ' | ')
				FROM pg_stat_activity WHERE datname = current_database()`).Scan(&activity)
			t.Fatalf("%d replace(s) waiting, want 2; activity: %s", waits, activity)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	totals, err := db.PeriodTotals(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	periods, err := db.BillingPeriods(ctx)
	if err != nil || len(periods) != 1 {
		t.Fatalf("billing periods = %+v, %v", periods, err)
	}
	last := periods[0].RunID
	if len(totals) != 1 || totals[0].Rows != 1 || totals[0].BilledCost.Decimal() != costs[last] {
		t.Errorf("the period holds %+v, want the one line of run %d (%s USD), the run billing_periods records", totals, last, costs[last])
	}
	var lineRun int64
	if err := locker.QueryRow(ctx, `SELECT run_id FROM cost_lines WHERE billing_account_id = $1`, acct).Scan(&lineRun); err != nil || lineRun != last {
		t.Errorf("the line is of run %d (%v), billing_periods says run %d", lineRun, err, last)
	}
	if len(waited) != 1 || waited[0] != key {
		t.Errorf("waiting was called with %+v, want once with %+v", waited, key)
	}
}

func TestClusterRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	c := tally.Cluster{ID: "prod", Name: "Production", Provider: "aws", Region: "us-east-1", BillingAccountID: "111111111111"}
	if err := db.UpsertCluster(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Clusters(ctx); err != nil || !reflect.DeepEqual(got, []tally.Cluster{c}) {
		t.Fatalf("clusters = %+v, %v", got, err)
	}
	from := mustTime(t, "2026-10-03T10:20:00Z")
	nodes := []tally.Node{{
		Cluster: "prod", UID: "n-1", Name: "ip-10-0-0-1", ProviderID: "aws:///us-east-1a/i-0aaa",
		InstanceID: tally.InstanceIDFromProviderID("aws:///us-east-1a/i-0aaa"), InstanceType: "m5.large",
		Region: "us-east-1", Zone: "us-east-1a", Lifecycle: tally.LifecycleSpot, CPUCores: 2, MemoryBytes: 8 << 30,
		AllocatableCPU: 1.93, AllocatableMemory: 7 << 30, Labels: map[string]string{"pool": "general"},
		ValidFrom: from, ValidTo: from.Add(90 * time.Minute),
	}}
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	w := tally.Window{Start: from.Add(-time.Hour), End: from.Add(time.Hour)}
	if got, err := db.Nodes(ctx, "prod", w); err != nil || !reflect.DeepEqual(got, nodes) {
		t.Fatalf("nodes:\n got %+v\nwant %+v (%v)", got, nodes, err)
	}
	if got, _ := db.Nodes(ctx, "prod", tally.Window{Start: from.Add(2 * time.Hour), End: from.Add(3 * time.Hour)}); len(got) != 0 {
		t.Fatalf("node outside its lifetime returned: %+v", got)
	}
	pods := []tally.Pod{{
		Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-7d9f-abc", UID: "p-1"}, NodeName: "ip-10-0-0-1",
		OwnerKind: tally.KindDeployment, OwnerName: "api", Labels: map[string]string{"app": "api"},
		Annotations: map[string]string{}, ValidFrom: from,
		Containers: []tally.Container{
			{Name: "api", Image: "shop/api:1.2", CPURequest: 0.5, CPULimit: 1, MemoryRequest: 512 << 20, MemoryLimit: 1 << 30},
			{Name: "envoy", Image: "envoy:1.30", CPURequest: 0.1, MemoryRequest: 64 << 20},
		},
	}}
	if err := db.UpsertPods(ctx, pods); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Pods(ctx, "prod", w); err != nil || !reflect.DeepEqual(got, pods) {
		t.Fatalf("pods:\n got %+v\nwant %+v (%v)", got, pods, err)
	}
	if pods[0].Workload().String() != "shop/Deployment/api" {
		t.Fatalf("workload = %s", pods[0].Workload())
	}
}

func TestUsageAndSamplesRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	start := mustTime(t, "2026-10-03T10:00:00Z")
	usage := []tally.ContainerUsage{
		{Cluster: "prod", Interval: tally.Window{Start: start, End: start.Add(10 * time.Second)}, PodUID: "p-1", Container: "api",
			NodeName: "n", CPUCoreSeconds: 4.5, MemoryWorkingSetAvg: 100 << 20, MemoryWorkingSetMax: 120 << 20, MemoryRSSMax: 90 << 20, OOMKills: 1},
		{Cluster: "prod", Interval: tally.Window{Start: start.Add(24 * time.Hour), End: start.Add(24*time.Hour + 10*time.Second)}, PodUID: "", Container: "kernel",
			NodeName: "n", CPUCoreSeconds: 0.25},
	}
	for i := 0; i < 2; i++ { // an agent retry must not duplicate
		if err := db.UpsertUsage(ctx, usage); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Usage(ctx, "prod", tally.Window{Start: start, End: start.Add(48 * time.Hour)})
	if err != nil || !reflect.DeepEqual(got, usage) {
		t.Fatalf("usage:\n got %+v\nwant %+v (%v)", got, usage, err)
	}
	stacks := []tally.Stack{{Cluster: "prod", ID: -42, Frames: []tally.Function{{Name: "main.hot", Module: "/app"}, {Name: tally.UnknownFunction, Module: "/lib/x.so", Offset: 0x10}}}}
	if err := db.UpsertStacks(ctx, append(stacks, stacks...)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Stacks(ctx, "prod", []int64{-42}); err != nil || !reflect.DeepEqual(got, stacks) {
		t.Fatalf("stacks = %+v, %v", got, err)
	}
	h := tally.HourOf(start)
	s := tally.FunctionSample{Cluster: "prod", Hour: h, PodUID: "p-1", Container: "api", StackID: -42, Samples: 19, CPUNanos: 1e9}
	if err := db.AddFunctionSamples(ctx, []tally.FunctionSample{s, s}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFunctionSamples(ctx, []tally.FunctionSample{s}); err != nil {
		t.Fatal(err)
	}
	samples, err := db.FunctionSamples(ctx, "prod", h.Window())
	want := s
	want.Samples, want.CPUNanos = 57, 3e9
	if err != nil || !reflect.DeepEqual(samples, []tally.FunctionSample{want}) {
		t.Fatalf("samples = %+v, %v; want the three batches added up", samples, err)
	}
}

func TestPricesAllocationsPlansRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	day := mustTime(t, "2026-10-01T00:00:00Z")
	prices := []tally.InstancePrice{
		{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand, OperatingSystem: "linux",
			HourlyPrice: tally.MustParseMoney("0.096", "USD"), VCPUs: 2, MemoryBytes: 8 << 30, EffectiveFrom: day, Source: "snapshot:2026-10-01"},
	}
	newer := prices[0]
	newer.HourlyPrice, newer.EffectiveFrom = tally.MustParseMoney("0.09", "USD"), day.AddDate(0, 1, 0)
	if err := db.UpsertPrices(ctx, append(prices, newer)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Prices(ctx, postgres.PriceFilter{Provider: "aws"}); err != nil || !reflect.DeepEqual(got, []tally.InstancePrice{newer}) {
		t.Fatalf("prices = %+v, %v; want the latest", got, err)
	}

	h := tally.HourOf(day.Add(5 * time.Hour))
	allocs := []tally.Allocation{
		{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Container: tally.IdleName, CostKind: tally.CostCPU,
			EffectiveCost: tally.MustParseMoney("0.01", "USD"), BilledCost: tally.MustParseMoney("0.01", "USD"), ListCost: tally.MustParseMoney("0.01", "USD"), Estimated: true},
		{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Namespace: "shop", WorkloadKind: "Deployment", Workload: "api",
			PodUID: "p-1", Pod: "api-1", Container: "api", CostKind: tally.CostCPU, EffectiveCost: tally.MustParseMoney("0.030000000001", "USD"),
			BilledCost: tally.MustParseMoney("0.04", "USD"), ListCost: tally.MustParseMoney("0.048", "USD"), CPUCoreHours: 1, CPURequestCoreHours: 0.5, CPUUsageCoreHours: 1},
	}
	w := h.Window()
	for i := 0; i < 2; i++ {
		if err := db.ReplaceAllocations(ctx, w, allocs); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.Allocations(ctx, "111", w); err != nil || !reflect.DeepEqual(got, allocs) {
		t.Fatalf("allocations:\n got %+v\nwant %+v (%v)", got, allocs, err)
	}

	f := tally.Forecast{Scope: "spend/account/111", CreatedAt: day, Granularity: "day", Model: "ets(A,Ad,A)",
		Params: json.RawMessage(`{"alpha": 0.3}`), HistoryEnd: day, Accuracy: json.RawMessage(`{"mase": 0.8}`),
		Points: []tally.ForecastPoint{{T: day.AddDate(0, 0, 1), Mean: 10, Lo80: 8, Hi80: 12, Lo95: 7, Hi95: 13}}}
	if err := db.SaveForecast(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err := db.LatestForecast(ctx, f.Scope)
	if err != nil || got.Model != f.Model || !reflect.DeepEqual(got.Points, f.Points) || got.Points[0].T != f.Points[0].T {
		t.Fatalf("forecast = %+v, %v", got, err)
	}
	if _, err := db.LatestForecast(ctx, "nope"); tally.ErrorCode(err) != tally.ENotFound {
		t.Fatalf("missing forecast: %v", err)
	}

	recs := []tally.Recommendation{{Kind: tally.RecommendContainer, Target: "prod/shop/Deployment/api/api", CreatedAt: day,
		MonthlySavings: tally.MustParseMoney("123.45", "USD"), Current: json.RawMessage(`{"cpu": 2}`), Recommended: json.RawMessage(`{"cpu": 0.5}`),
		Risk: json.RawMessage(`{}`), Explanation: "p90 of 14 days + 15%"}}
	for i := 0; i < 2; i++ {
		if err := db.ReplaceRecommendations(ctx, tally.RecommendContainer, recs); err != nil {
			t.Fatal(err)
		}
	}
	gotRecs, err := db.Recommendations(ctx, tally.RecommendContainer)
	if err != nil || len(gotRecs) != 1 || gotRecs[0].MonthlySavings.Decimal() != "123.45" || gotRecs[0].Explanation != recs[0].Explanation {
		t.Fatalf("recommendations = %+v, %v", gotRecs, err)
	}
	// One account's commitment recommendations replace that account's
	// alone (`commitments recommend --account 11` replaced every account's).
	commit := func(target string) tally.Recommendation {
		return tally.Recommendation{Kind: tally.RecommendCommitment, Target: target, CreatedAt: day, MonthlySavings: tally.MustParseMoney("1", "USD")}
	}
	targets := func() []string {
		rs, err := db.Recommendations(ctx, tally.RecommendCommitment)
		if err != nil {
			t.Fatal(err)
		}
		var ts []string
		for _, r := range rs {
			ts = append(ts, r.Target)
		}
		sort.Strings(ts)
		return ts
	}
	if err := db.ReplaceRecommendationsUnder(ctx, tally.RecommendCommitment, "", []tally.Recommendation{
		commit("1/aws/compute"), commit("11/aws/compute"), commit("111/aws/compute")}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceRecommendationsUnder(ctx, tally.RecommendCommitment, "11", []tally.Recommendation{commit("11/gcp/cud")}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(targets(), " "); got != "1/aws/compute 11/gcp/cud 111/aws/compute" {
		t.Errorf("after replacing account 11's: %s", got)
	}
	if err := db.ReplaceRecommendationsUnder(ctx, tally.RecommendCommitment, "11", []tally.Recommendation{commit("111/aws/x")}); err == nil {
		t.Error("a recommendation of account 111 replaced account 11's")
	}

	cs := []tally.Commitment{{BillingAccountID: "111", ID: "arn:aws:savingsplans::111:savingsplan/abc", Provider: "aws",
		Kind: tally.CommitComputeSP, Scope: map[string]string{}, TermMonths: 12, Start: day, End: day.AddDate(1, 0, 0),
		PaymentOption: "No Upfront", HourlyCommitment: tally.MustParseMoney("1.5", "USD"), UpfrontFee: tally.Zero("USD"),
		RecurringHourlyFee: tally.MustParseMoney("1.5", "USD"), State: "active", Source: "aws-api"}}
	if err := db.UpsertCommitments(ctx, cs); err != nil {
		t.Fatal(err)
	}
	gotCs, err := db.Commitments(ctx, "111", tally.Window{Start: day, End: day.AddDate(0, 1, 0)})
	if err != nil || len(gotCs) != 1 || !gotCs[0].HourlyCommitment.Equal(cs[0].HourlyCommitment) || gotCs[0].End != cs[0].End {
		t.Fatalf("commitments = %+v, %v", gotCs, err)
	}
}

func TestEnsurePartitionsAhead(t *testing.T) {
	db := pgtest.New(t)
	from := mustTime(t, "2027-01-30T00:00:00Z")
	n, err := db.EnsurePartitions(ctx, from, from.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Monthly tables (cost_lines, allocations, allocations_daily,
	// allocations_owner_daily, stack_costs, stack_cost_hours): Jan + Feb
	// each; daily tables (usage, samples, agent intervals): 3 days each.
	if n != 6*2+3*3 {
		t.Fatalf("created %d partitions, want 21", n)
	}
	if n, err = db.EnsurePartitions(ctx, from, from.Add(72*time.Hour)); err != nil || n != 0 {
		t.Fatalf("second call created %d, %v; want 0", n, err)
	}
}

func TestTryLockExcludesConcurrentHolders(t *testing.T) {
	db := pgtest.New(t)
	inner := make(chan bool, 1)
	ran, err := db.TryLock(ctx, "job", func(ctx context.Context) error {
		ran2, err := db.TryLock(ctx, "job", func(context.Context) error { return nil })
		inner <- ran2
		return err
	})
	if err != nil || !ran || <-inner {
		t.Fatalf("outer ran=%v err=%v; the inner attempt must not run while the lock is held", ran, err)
	}
	if ran, err := db.TryLock(ctx, "job", func(context.Context) error { return nil }); !ran || err != nil {
		t.Fatalf("after release: ran=%v err=%v", ran, err)
	}
}

// TestLocksDoNotStarveThePool: jobs holding locks still get connections
// for their work. Each lock was held on a connection of the pool (at most
// max(4, cores) of them), so as many schedulers of tally serve holding
// their locks at once each waited for a connection none would give back,
// and serve stood still: attribution, reports, everything.
func TestLocksDoNotStarveThePool(t *testing.T) {
	db := pgtest.New(t)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n := max(8, runtime.NumCPU()+1)
	var inside, done sync.WaitGroup
	inside.Add(n)
	all := make(chan struct{})
	go func() { inside.Wait(); close(all) }()
	errs := make(chan error, n)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			ran, err := db.TryLock(ctx, fmt.Sprintf("job-%d", i), func(ctx context.Context) error {
				inside.Done()
				select { // until every job holds its lock
				case <-all:
				case <-ctx.Done():
					return fmt.Errorf("not every job got its lock: %w", ctx.Err())
				}
				return db.Ping(ctx)
			})
			if err == nil && !ran {
				err = fmt.Errorf("job-%d: lock held elsewhere", i)
			}
			errs <- err
		}()
	}
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("%d jobs holding their locks, then asking for a connection: %v", n, err)
		}
	}
}

// TestLockWaitsForTheHolder: Lock runs fn once the holder releases the
// lock, and a wait that ctx ends runs nothing.
func TestLockWaitsForTheHolder(t *testing.T) {
	db := pgtest.New(t)
	events := make(chan string, 3)
	waited := make(chan error, 1)
	ran, err := db.TryLock(ctx, "job", func(context.Context) error {
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := db.Lock(short, "job", func(context.Context) error {
			events <- "ran while held"
			return nil
		}); err == nil {
			t.Error("Lock while the lock is held, until its context ends: no error")
		}
		go func() {
			waited <- db.Lock(ctx, "job", func(context.Context) error {
				events <- "waiter"
				return nil
			})
		}()
		time.Sleep(100 * time.Millisecond)
		events <- "holder released"
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("TryLock: ran %v, %v", ran, err)
	}
	if err := <-waited; err != nil {
		t.Errorf("Lock after the release: %v", err)
	}
	close(events)
	var got []string
	for e := range events {
		got = append(got, e)
	}
	if want := []string{"holder released", "waiter"}; !slices.Equal(got, want) {
		t.Errorf("ran %v, want %v", got, want)
	}
}

// JIT is off unless the URL asks for it: compiling the commitment KPI query
// took 8 of its 9.5 s on the demo's bill.
func TestOpenTurnsJITOff(t *testing.T) {
	url := pgtest.NewURL(t, false)
	for _, tc := range []struct{ url, want string }{
		{url, "off"},
		{url + sep(url) + "jit=on", "on"},
	} {
		db, err := postgres.Open(ctx, tc.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.SessionSetting(ctx, "jit")
		db.Close()
		if err != nil || got != tc.want {
			t.Errorf("jit = %q, %v; want %q", got, err, tc.want)
		}
	}
}

func sep(url string) string {
	if strings.Contains(url, "?") {
		return "&"
	}
	return "?"
}

// Sessions run at READ COMMITTED whatever the database's or the URL's
// default: SaveHours' prune must see the saves that committed while it
// waited (TestPruneUnderRepeatableReadDefault).
func TestOpenPinsReadCommitted(t *testing.T) {
	url := pgtest.NewURL(t, false)
	setDatabaseDefault(t, url, "default_transaction_isolation", "repeatable read")
	for _, u := range []string{url, url + sep(url) + "default_transaction_isolation=serializable"} {
		db, err := postgres.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.SessionSetting(ctx, "default_transaction_isolation")
		db.Close()
		if err != nil || got != "read committed" {
			t.Errorf("%s: default_transaction_isolation = %q, %v; want read committed", u, got, err)
		}
	}
}

// setDatabaseDefault sets a default of the database at url for the sessions
// that connect after (ALTER DATABASE … SET).
func setDatabaseDefault(t *testing.T, url, name, value string) {
	t.Helper()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Exec(t, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET `+name+` = %L', current_database(), '`+value+`'); END $$`)
}
