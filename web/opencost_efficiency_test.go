package web_test

import (
	"math"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestOpenCostEfficiencyIsUsageOverRequest: /allocation/compute's
// cpuEfficiency and ramEfficiency are OpenCost's, usage over request, above
// 1 for a container using more than it requested (OpenCost's sign of an
// under-requested container), and totalEfficiency their average weighted
// by the CPU and RAM costs. They were usage over max(request, usage),
// never above 1: the demo's checkout/cart, using 1.22 GB of its 0.81 GB
// memory request, read ramEfficiency 1, not 1.51.
func TestOpenCostEfficiencyIsUsageOverRequest(t *testing.T) {
	// api-1's container api requests 1 core and 4 GiB; it uses half a core and 6 GiB.
	var usage []tally.ContainerUsage
	for h := 0; h < 24; h++ {
		start := fixture.Day1.Add(time.Duration(h) * time.Hour)
		usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: start, End: start.Add(time.Hour)},
			PodUID: "p1", Container: "api", NodeName: "n1", CPUCoreSeconds: 1800, MemoryWorkingSetAvg: 6 << 30, MemoryWorkingSetMax: 6 << 30})
	}
	srv := attributedServer(t, 24, fixture.Day1.Add(30*time.Hour), usage)
	var got struct {
		Data []map[string]struct {
			CPUCoreRequestAverage float64 `json:"cpuCoreRequestAverage"`
			CPUCoreUsageAverage   float64 `json:"cpuCoreUsageAverage"`
			RAMByteRequestAverage float64 `json:"ramByteRequestAverage"`
			RAMByteUsageAverage   float64 `json:"ramByteUsageAverage"`
			CPUCost               float64 `json:"cpuCost"`
			RAMCost               float64 `json:"ramCost"`
			CPUEfficiency         float64 `json:"cpuEfficiency"`
			RAMEfficiency         float64 `json:"ramEfficiency"`
			TotalEfficiency       float64 `json:"totalEfficiency"`
		} `json:"data"`
	}
	get(t, srv.URL+"/allocation/compute?aggregate=container&window=2026-10-05T00:00:00Z,2026-10-06T00:00:00Z", &got)
	if len(got.Data) != 1 {
		t.Fatalf("%d sets", len(got.Data))
	}
	a, ok := got.Data[0]["api"]
	if !ok {
		t.Fatalf("no api in %v", got.Data[0])
	}
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	if !near(a.CPUCoreRequestAverage, 1) || !near(a.CPUCoreUsageAverage, 0.5) || !near(a.RAMByteRequestAverage, 4<<30) || !near(a.RAMByteUsageAverage, 6<<30) {
		t.Fatalf("requests and usage %+v, want 1 and 0.5 cores, 4 and 6 GiB", a)
	}
	total := (0.5*a.CPUCost + 1.5*a.RAMCost) / (a.CPUCost + a.RAMCost)
	if !near(a.CPUEfficiency, 0.5) || !near(a.RAMEfficiency, 1.5) || !near(a.TotalEfficiency, total) {
		t.Errorf("cpuEfficiency %v, ramEfficiency %v, totalEfficiency %v; want 0.5, 1.5 and %v (usage over request)",
			a.CPUEfficiency, a.RAMEfficiency, a.TotalEfficiency, total)
	}
}
