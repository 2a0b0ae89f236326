package web_test

import (
	"math"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestCostRateScalesHoursSoFar: a trailing window ("2d", "30d") ends at the
// next midnight, and its hours still to come have no usage yet. The yearly
// core-hours scale the usage by the hours of the window up to now: scaled by
// the whole window they had come out a quarter low here (36 of 48 hours),
// and `tally ci --server` priced a change's cost a year as much too low.
func TestCostRateScalesHoursSoFar(t *testing.T) {
	rate := halfCoreRate(t, fixture.Day1.Add(36*time.Hour)) // noon of the second day
	// api uses half a core: 4,380 core-hours a year.
	if math.Abs(rate.CoreHoursPerYear-4380) > 1 {
		t.Errorf("coreHoursPerYear %.1f over %s, want 4380 (half a core, 36 hours so far)", rate.CoreHoursPerYear, rate.Window)
	}
}

// TestCostRateScalesHoursAttributed: attribution runs behind the clock (the
// bill, or the next run, has not come yet). The yearly core-hours scale the
// usage by the hours attributed, as /api/v1/functions annualizes: scaled by
// the hours up to now they came out low by the hours not attributed yet
// (here 36 of 42 hours: a seventh low; in the demo, a day behind, 14% low
// on a 7d window), and `tally ci --server` priced a change's year too low.
func TestCostRateScalesHoursAttributed(t *testing.T) {
	rate := halfCoreRate(t, fixture.Day1.Add(42*time.Hour)) // six hours after the last attributed
	// api uses half a core: 4,380 core-hours a year.
	if math.Abs(rate.CoreHoursPerYear-4380) > 1 {
		t.Errorf("coreHoursPerYear %.1f over %s, want 4380 (half a core over the 36 hours attributed)", rate.CoreHoursPerYear, rate.Window)
	}
}

// halfCoreRate is the cost rate of shop/api over "2d" at now, when it uses
// half a core through the fixture's first 36 hours, all of them attributed.
func halfCoreRate(t *testing.T, now time.Time) tally.CostRate {
	t.Helper()
	var usage []tally.ContainerUsage
	for h := range 36 {
		start := fixture.Day1.Add(time.Duration(h) * time.Hour)
		usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: start, End: start.Add(time.Hour)},
			PodUID: "p1", Container: "api", NodeName: "n1", CPUCoreSeconds: 1800})
	}
	srv := attributedServer(t, 36, now, usage)
	var rate tally.CostRate
	if resp := get(t, srv.URL+tally.CostRatePath+"?workload=shop/api&window=2d", &rate); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	return rate
}

// TestCostRateKind: a workload asked as namespace/kind/name is that kind's,
// in any case. The kind was dropped: shop/api, a Deployment, asked as a
// StatefulSet or a made-up kind answered with the Deployment's price (200),
// and `tally ci --server` would price a change with another workload's
// figures.
func TestCostRateKind(t *testing.T) {
	srv := newServer(t)
	for w, want := range map[string]int{"shop/deployment/api": 200, "shop/Deployment/api": 200, "shop/statefulset/api": 404, "shop/no-such-kind/api": 404, "shop//api": 400} {
		var rate tally.CostRate
		resp := get(t, srv.URL+tally.CostRatePath+"?workload="+w+"&window=2d", &rate)
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", w, resp.StatusCode, want)
		}
	}
}
