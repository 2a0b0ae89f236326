package web_test

import (
	"math"
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestOpenCostMinutesOfANamespaceWithAVolume: a namespace whose only pod
// ran 20 minutes of the hour (00:20 to 00:40 of fixture.Day1, recorded as its
// allocation's Ran) and which owns a volume (its PVC's disk, billed the
// whole hour to the namespace by its tags) ran 20 minutes, as OpenCost
// has it (a PV's cost is its pods'): start and end when its pod ran, and
// its averages over those 20 minutes. The volume's row, which has no Ran
// (costs outside nodes are "the whole hour"), widens the namespace to the
// whole hour: minutes 60 and cpuCoreRequestAverage a third of the pod's
// request, the very error the minutes were recorded to fix.
func TestOpenCostMinutesOfANamespaceWithAVolume(t *testing.T) {
	h := fixture.Day1
	pod := hourAllocation("n1", "batch", "report", "work", "0.2")
	pod.WorkloadKind, pod.Pod, pod.PodUID = tally.KindJob, "report-x1", "batch-report-x1"
	pod.Ran = tally.Window{Start: h.Add(20 * time.Minute), End: h.Add(40 * time.Minute)}
	pod.CPUCoreHours, pod.CPURequestCoreHours = 0.5/3, 0.5/3 // half a core for 20 minutes
	volume := hourAllocation("", "batch", "", "", "0.01")
	volume.CostKind, volume.ResourceID, volume.Service = tally.CostPV, "vol-1", "Amazon Elastic Compute Cloud"
	srv := allocationsServer(t, pod, volume)

	window := h.Format(time.RFC3339) + "," + h.Add(time.Hour).Format(time.RFC3339)
	var got struct {
		Data []map[string]struct {
			Start                 time.Time `json:"start"`
			End                   time.Time `json:"end"`
			Minutes               float64   `json:"minutes"`
			CPUCoreRequestAverage float64   `json:"cpuCoreRequestAverage"`
			PVCost                float64   `json:"pvCost"`
		} `json:"data"`
	}
	u := srv.URL + "/allocation/compute?aggregate=namespace&accumulate=true&window=" + url.QueryEscape(window)
	get(t, u, &got)
	if len(got.Data) != 1 {
		t.Fatalf("%s: %d sets, want 1", u, len(got.Data))
	}
	a, ok := got.Data[0]["batch"]
	if !ok {
		t.Fatalf("no namespace batch in %v", got.Data[0])
	}
	if a.PVCost <= 0 {
		t.Fatalf("pvCost %v: the volume is not the namespace's", a.PVCost)
	}
	if !a.Start.Equal(pod.Ran.Start) || !a.End.Equal(pod.Ran.End) || math.Abs(a.Minutes-20) > 1e-9 ||
		math.Abs(a.CPUCoreRequestAverage-0.5) > 1e-9 {
		t.Errorf("namespace batch: start %v, end %v, %v minutes, cpuCoreRequestAverage %v; want 00:20, 00:40, 20 minutes and 0.5 (when its pod ran)",
			a.Start.Format("15:04"), a.End.Format("15:04"), a.Minutes, a.CPUCoreRequestAverage)
	}
}
