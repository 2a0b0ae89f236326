package web_test

import (
	"context"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestCostRateScalesHoursAttributed: attribution runs behind the clock (the
// bill, or the next run, has not come yet). The yearly core-hours scale the
// usage by the hours attributed, as /api/v1/functions annualizes: scaled by
// the hours up to now they came out low by the hours not attributed yet
// (here 36 of 42 hours: a seventh low; in the demo, a day behind, 14% low
// on a 7d window), and `tally ci --server` priced a change's year too low.
func TestCostRateScalesHoursAttributed(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	var usage []tally.ContainerUsage // half a core, all the time
	for h := range 36 {
		start := fixture.Day1.Add(time.Duration(h) * time.Hour)
		usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: start, End: start.Add(time.Hour)},
			PodUID: "p1", Container: "api", NodeName: "n1", CPUCoreSeconds: 1800})
	}
	if err := db.UpsertUsage(context.Background(), usage); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(context.Background(), tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(36 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return fixture.Day1.Add(42 * time.Hour) } // six hours after the last attributed
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Now: now, Auth: db, Tokens: db, Settings: db, Status: db}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	var rate tally.CostRate
	if resp := get(t, srv.URL+tally.CostRatePath+"?workload=shop/api&window=2d", &rate); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// api uses half a core: 4,380 core-hours a year.
	if math.Abs(rate.CoreHoursPerYear-4380) > 1 {
		t.Errorf("coreHoursPerYear %.1f over %s, want 4380 (half a core over the 36 hours attributed)", rate.CoreHoursPerYear, rate.Window)
	}
}
