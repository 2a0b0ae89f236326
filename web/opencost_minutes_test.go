package web_test

import (
	"math"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
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
		var got struct {
			Data []map[string]alloc `json:"data"`
		}
		get(t, srv.URL+"/allocation/compute?"+tt.query, &got)
		if len(got.Data) != 1 {
			t.Fatalf("%s: %d sets", tt.query, len(got.Data))
		}
		a, ok := got.Data[0][tt.name]
		if !ok {
			t.Fatalf("%s: no %s in %v", tt.query, tt.name, got.Data[0])
		}
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
