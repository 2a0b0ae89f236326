package web_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestOpenCostAveragesOverWhenItRan: an allocation's start, end and minutes
// are when it ran in the window (the hours it has costs in), and its
// averages (cpuCores, cpuCoreRequestAverage, ramBytes…) are over that time,
// as OpenCost's are. They were over the whole window: a day whose second
// half had no costs yet halved them, and the demo's pod
// checkout-api-q47zk526f6-949sd, requesting a core for the 5 hours it ran
// on 2026-11-18, read 0.17 cores requested over 1440 minutes.
func TestOpenCostAveragesOverWhenItRan(t *testing.T) {
	// api-1 requests 1 core and 4 GiB; the bill and costs cover Day1 and Day1+1.
	srv := attributedServer(t, 48, fixture.Day1.Add(47*time.Hour), nil)
	type alloc struct {
		Start                 time.Time `json:"start"`
		End                   time.Time `json:"end"`
		Minutes               float64   `json:"minutes"`
		CPUCores              float64   `json:"cpuCores"`
		CPUCoreHours          float64   `json:"cpuCoreHours"`
		CPUCoreRequestAverage float64   `json:"cpuCoreRequestAverage"`
		RAMByteRequestAverage float64   `json:"ramByteRequestAverage"`
		Window                struct {
			Start time.Time `json:"start"`
			End   time.Time `json:"end"`
		} `json:"window"`
	}
	// Windows from the day before the costs to the end of the second day:
	// by the hourly rows (unaggregated, a window inside hours) and by the
	// daily rollups (namespace, whole days).
	for _, tt := range []struct{ query, name string }{
		{"window=2026-10-04T00:00:00Z,2026-10-06T12:00:00Z", "prod/n1/shop/api-1/api"},
		{"window=3d&aggregate=namespace", "shop"},
	} {
		a := oneAllocation[alloc](t, srv.URL+"/allocation/compute?"+tt.query, tt.name)
		end := a.Window.End
		if end.After(fixture.Day1.Add(48 * time.Hour)) {
			end = fixture.Day1.Add(48 * time.Hour)
		}
		hours := end.Sub(fixture.Day1).Hours()
		near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
		if !a.Start.Equal(fixture.Day1) || !a.End.Equal(end) || !near(a.Minutes, hours*60) {
			t.Errorf("%s: start %v, end %v, %v minutes; want %v, %v, %v: when it ran in window %v",
				tt.query, a.Start, a.End, a.Minutes, fixture.Day1, end, hours*60, a.Window)
		}
		if !near(a.CPUCoreRequestAverage, 1) || !near(a.RAMByteRequestAverage, 4<<30) || !near(a.CPUCores, a.CPUCoreHours/hours) {
			t.Errorf("%s: cpuCoreRequestAverage %v, ramByteRequestAverage %v, cpuCores %v; want 1, 4 GiB and %v (over the %v hours it ran)",
				tt.query, a.CPUCoreRequestAverage, a.RAMByteRequestAverage, a.CPUCores, a.CPUCoreHours/hours, hours)
		}
	}
}

// TestOpenCostMinutesOfAPodThatRanPartOfAnHour: a pod that ran 20 minutes
// of an hour, as its node's agent reported it (started inside one drain
// interval, stopped inside another, absent from the next), reads start and
// end when it ran, minutes 20 and its averages over those 20 minutes, as
// OpenCost's. The hour was counted whole: minutes 60, and its request
// average a third of its request.
func TestOpenCostMinutesOfAPodThatRanPartOfAnHour(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	fixture.OneNode(t, db, 10) // node n1's bill ends at 10:00: node n2 is estimated from the catalog after it
	now := fixture.Day1.Add(24 * time.Hour)
	srv := web.NewServer(web.Config{Readiness: db, Allocations: db, Agents: db, Auth: db, Tokens: db, Settings: db, Status: db,
		Now: func() time.Time { return now }})
	at := func(hm string) time.Time {
		d, err := time.ParseDuration(hm)
		if err != nil {
			t.Fatal(err)
		}
		return fixture.Day1.Add(d)
	}
	usage := func(seconds float64) []tally.AgentUsage {
		return []tally.AgentUsage{{PodUID: "p2", Container: "work", CPUCoreSeconds: 60, Seconds: seconds, MemoryWorkingSet: 512 << 20}}
	}
	batch := &tally.AgentBatch{
		Version: tally.AgentBatchVersion,
		Node: tally.AgentNode{Name: "n2", UID: "n2", ProviderID: "aws:///us-east-1a/i-2", InstanceType: "m5.large", Region: "us-east-1",
			CPUCapacity: 2, MemoryCapacity: 8 << 30, CPUAllocatable: 2, MemoryAllocatable: 8 << 30},
		Intervals: []tally.AgentInterval{
			{Start: at("10h15m"), End: at("10h25m"), Containers: usage(300)}, // started at 10:20
			{Start: at("10h25m"), End: at("10h35m"), Containers: usage(0)},   // throughout
			{Start: at("10h35m"), End: at("10h45m"), Containers: usage(300)}, // stopped at 10:40
			{Start: at("10h45m"), End: at("10h55m")},                         // gone
		},
		Pods: []tally.AgentPod{{UID: "p2", Namespace: "shop", Name: "batch-1", OwnerKind: tally.KindJob, OwnerName: "batch",
			StartedAt: at("10h20m"), Containers: []tally.AgentContainer{{Name: "work", CPURequest: 0.5, MemoryRequest: 1 << 30}}}},
	}
	if rec := post(srv, storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod"), gz(t, batch)); rec.Code != http.StatusAccepted {
		t.Fatalf("POST agent batch: %d %s", rec.Code, rec.Body)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(24 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	bearers.Store(hs.URL, apiToken(t, db, tally.RoleViewer))

	type alloc struct {
		Start                 time.Time `json:"start"`
		End                   time.Time `json:"end"`
		Minutes               float64   `json:"minutes"`
		CPUCores              float64   `json:"cpuCores"`
		CPUCoreHours          float64   `json:"cpuCoreHours"`
		CPUCoreRequestAverage float64   `json:"cpuCoreRequestAverage"`
		RAMByteRequestAverage float64   `json:"ramByteRequestAverage"`
		RAMByteUsageAverage   float64   `json:"ramByteUsageAverage"`
		CPUCost               float64   `json:"cpuCost"`
	}
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*math.Max(1, math.Abs(y)) }
	// The hour itself, unaggregated; the day by pod (read from the hourly
	// allocations); the hour by namespace.
	for _, tt := range []struct{ query, name string }{
		{"window=2026-10-05T10:00:00Z,2026-10-05T11:00:00Z", "prod/n2/shop/batch-1/work"},
		{"window=2026-10-05T00:00:00Z,2026-10-06T00:00:00Z&aggregate=pod", "batch-1"},
		{"window=2026-10-05T10:00:00Z,2026-10-05T11:00:00Z&aggregate=namespace,controller&filter=controller:\"batch\"", "shop/job:batch"},
	} {
		a := oneAllocation[alloc](t, hs.URL+"/allocation/compute?"+tt.query, tt.name)
		if !a.Start.Equal(at("10h20m")) || !a.End.Equal(at("10h40m")) || !near(a.Minutes, 20) {
			t.Errorf("%s: start %v, end %v, %v minutes; want 10:20, 10:40, 20 minutes: when the pod ran", tt.query, a.Start, a.End, a.Minutes)
		}
		if a.CPUCost <= 0 || !near(a.CPUCoreRequestAverage, 0.5) || !near(a.RAMByteRequestAverage, 1<<30) ||
			!near(a.RAMByteUsageAverage, 512<<20) || !near(a.CPUCores, a.CPUCoreHours*3) {
			t.Errorf("%s: cpuCost %v, cpuCoreRequestAverage %v, ramByteRequestAverage %v, ramByteUsageAverage %v, cpuCores %v; "+
				"want a cost, 0.5, 1 GiB, 512 MiB and %v (over the 20 minutes it ran)", tt.query, a.CPUCost, a.CPUCoreRequestAverage,
				a.RAMByteRequestAverage, a.RAMByteUsageAverage, a.CPUCores, a.CPUCoreHours*3)
		}
	}
}

// oneAllocation GETs url, an /allocation query of one set, and returns the
// set's allocation called name, decoded into T.
func oneAllocation[T any](t *testing.T, url, name string) T {
	t.Helper()
	var got struct {
		Data []map[string]T `json:"data"`
	}
	get(t, url, &got)
	if len(got.Data) != 1 {
		t.Fatalf("%s: %d sets", url, len(got.Data))
	}
	a, ok := got.Data[0][name]
	if !ok {
		t.Fatalf("%s: no %s in %v", url, name, got.Data[0])
	}
	return a
}
