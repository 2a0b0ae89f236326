package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestUsageWindows(t *testing.T) {
	db := pgtest.New(t)
	start := mustTime(t, "2026-10-03T10:00:00Z")
	var usage []tally.ContainerUsage
	// A 30-second interval a minute for 10 minutes: two 5-minute windows.
	for i := 0; i < 10; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: at, End: at.Add(30 * time.Second)},
			PodUID: "p-1", Container: "api", CPUCoreSeconds: 15 * float64(1+i/5), MemoryWorkingSetMax: int64(100+i) << 20, OOMKills: i % 5 / 4})
	}
	usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: start, End: start.Add(30 * time.Second)},
		PodUID: "", Container: "kernel", CPUCoreSeconds: 3})
	// An hourly interval is one window that says it measured an hour.
	usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: start, End: start.Add(time.Hour)},
		PodUID: "p-2", Container: "db", CPUCoreSeconds: 7200, MemoryWorkingSetMax: 1 << 30})
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}
	got, err := db.UsageWindows(ctx, "prod", tally.Window{Start: start, End: start.Add(time.Hour)}, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []postgres.UsageWindow{
		{Cluster: "prod", PodUID: "p-1", Container: "api", Start: start, Measured: 150 * time.Second, CPUCores: 0.5, MemoryPeak: 104 << 20, OOMKills: 1},
		{Cluster: "prod", PodUID: "p-1", Container: "api", Start: start.Add(5 * time.Minute), Measured: 150 * time.Second, CPUCores: 1, MemoryPeak: 109 << 20, OOMKills: 1},
		{Cluster: "prod", PodUID: "p-2", Container: "db", Start: start, Measured: time.Hour, CPUCores: 2, MemoryPeak: 1 << 30},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("windows:\n got %+v\nwant %+v", got, want)
	}
	if _, err := db.UsageWindows(ctx, "", tally.Window{Start: start, End: start.Add(time.Hour)}, 0); tally.ErrorCode(err) != tally.EInvalid {
		t.Fatalf("zero step: %v", err)
	}
}

func TestAttributedUnitPrices(t *testing.T) {
	db := pgtest.New(t)
	h := tally.HourOf(mustTime(t, "2026-10-03T10:00:00Z"))
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	alloc := func(ns, wl, container, kind, cost string, cpuHours, ramBytes float64) tally.Allocation {
		return tally.Allocation{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Namespace: ns, WorkloadKind: tally.KindDeployment,
			Workload: wl, PodUID: "p-" + wl, Pod: wl + "-x", Container: container, CostKind: kind, EffectiveCost: usd(cost), BilledCost: usd(cost),
			ListCost: usd(cost), CPUCoreHours: cpuHours, RAMByteHours: ramBytes}
	}
	allocs := []tally.Allocation{
		alloc("shop", "api", "api", tally.CostCPU, "0.06", 2, 0),
		alloc("shop", "api", "api", tally.CostRAM, "0.008", 0, 2<<30),
		alloc("shop", "web", "web", tally.CostCPU, "0.03", 0.5, 0),
		alloc("shop", "web", "web", tally.CostRAM, "0.002", 0, 1<<30),
		{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Container: tally.IdleName, CostKind: tally.CostCPU,
			EffectiveCost: usd("5"), BilledCost: usd("5"), ListCost: usd("5")},
	}
	if err := db.ReplaceAllocations(ctx, h.Window(), allocs); err != nil {
		t.Fatal(err)
	}
	got, err := db.AttributedUnitPrices(ctx, h.Window())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"prod///":                  {"0.036", "0.003333333333"}, // (0.06+0.03)/2.5, (0.008+0.002)/3
		"prod/shop/Deployment/api": {"0.03", "0.004"},
		"prod/shop/Deployment/web": {"0.06", "0.002"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d prices, want %d: %+v", len(got), len(want), got)
	}
	for _, p := range got {
		key := string(p.Cluster) + "/" + p.Namespace + "/" + p.Kind + "/" + p.Workload
		w, ok := want[key]
		if !ok || p.CPUCoreHour.Decimal() != w[0] || p.MemoryGiBHour.Decimal() != w[1] || p.CPUCoreHour.Currency() != "USD" {
			t.Errorf("%s: cpu %s mem %s, want %v", key, p.CPUCoreHour.Decimal(), p.MemoryGiBHour.Decimal(), w)
		}
	}
}
