package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestFunctionsSayWhenCostsAreEstimated: a workload's function costs are a
// share of its CPU cost, so they include estimates when its node-hours were
// priced from the catalog; the view (and a diff's base) says so, as the
// allocations do, for the dashboard to mark them. Another cluster's
// estimates (its idle node) are not the workload's.
func TestFunctionsSayWhenCostsAreEstimated(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // day 1 billed, day 2 estimated
	// Cluster stage of account 222, which has no bill: its node is
	// estimated on both days, idle.
	if err := db.UpsertCluster(context.Background(), tally.Cluster{ID: "stage", Name: "stage", Provider: "aws", Region: "us-east-1", BillingAccountID: "222"}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertNodes(context.Background(), []tally.Node{{Cluster: "stage", UID: "n3", Name: "n3", InstanceID: "i-3", InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30, ValidFrom: fixture.Day1.Add(-time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	end := fixture.Day1.Add(48 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	if _, err := job.Attribute(context.Background(), tally.Window{Start: fixture.Day1, End: end}, false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Functions: db,
		Now: func() time.Time { return end }, Auth: db, Settings: db, Status: db}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	day1, day2 := "2026-10-05T00:00:00Z,2026-10-06T00:00:00Z", "2026-10-06T00:00:00Z,2026-10-07T00:00:00Z"
	for _, tt := range []struct {
		query           string
		estimated, base bool
	}{
		{"window=" + day1, false, false},
		{"window=" + day2, true, false},
		{"window=2026-10-05T00:00:00Z,2026-10-07T00:00:00Z", true, false},
		{"window=" + day2 + "&baseWindow=" + day1, true, false},
		{"window=" + day1 + "&baseWindow=" + day2, false, true},
		{"window=" + day1 + "&container=api", false, false},
		{"window=" + day2 + "&container=api", true, false},
	} {
		var got struct {
			Functions []struct{ Name string } `json:"functions"`
			Estimated bool                    `json:"estimated"`
			Base      *struct {
				Estimated bool `json:"estimated"`
			} `json:"base"`
		}
		get(t, srv.URL+"/api/v1/functions?workload=shop/api&"+tt.query, &got)
		if len(got.Functions) == 0 {
			t.Fatalf("%s: no functions", tt.query)
		}
		if got.Estimated != tt.estimated || (got.Base != nil && got.Base.Estimated != tt.base) {
			t.Errorf("%s: estimated %v, base %+v; want %v, base %v", tt.query, got.Estimated, got.Base, tt.estimated, tt.base)
		}
	}
}
