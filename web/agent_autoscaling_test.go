package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// What scales a pod's workload (its HPA) goes from the agent batch to the
// pods table and back through Pods; an older agent's batch (none sent)
// neither erases it nor invents one (nil: unknown); out-of-range values
// are left out and named in the answer, and the batch is stored; an agent
// that sees no HPA any more ({}) clears it.
func TestIngestAgentPodAutoscaling(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	b := testBatch(t, start)
	second := b.Pods[0]
	second.UID, second.Name, second.Autoscaling = "pod-uid-2", "api-7d9f-y", nil
	b.Pods[0].Autoscaling = &tally.PodAutoscaling{HPA: &tally.PodHPA{Name: "api", MinReplicas: 2, MaxReplicas: 10,
		CPUUtilization: 70, MemoryUtilization: 4000}}
	b.Pods = append(b.Pods, second)
	rec := post(srv, token, gz(t, b))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	var reply struct{ Ignored []string }
	if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(reply.Ignored, "; "); !strings.Contains(got, "pods[0].autoscaling.hpa.memoryUtilization: 4000 is not within 1 … 1000") {
		t.Errorf("ignored %q, want the memory target of 4000%% named", got)
	}
	want := &tally.PodAutoscaling{HPA: &tally.PodHPA{Name: "api", MinReplicas: 2, MaxReplicas: 10, CPUUtilization: 70, OtherMetrics: true}}
	day := tally.Window{Start: start.Add(-24 * time.Hour), End: start.Add(24 * time.Hour)}
	check := func(when string, want *tally.PodAutoscaling) {
		t.Helper()
		pods, err := db.Pods(ctx, "prod", day)
		if err != nil || len(pods) != 2 {
			t.Fatalf("%s: pods %+v, %v", when, pods, err)
		}
		if !reflect.DeepEqual(pods[0].Autoscaling, want) {
			t.Errorf("%s: %s autoscaling %+v, want %+v", when, pods[0].Ref.Name, pods[0].Autoscaling, want)
		}
		if pods[1].Autoscaling != nil {
			t.Errorf("%s: %s autoscaling %+v, want nil (unknown)", when, pods[1].Ref.Name, pods[1].Autoscaling)
		}
	}
	check("new agent", want)
	// An older agent on the same node sends the pods again without it.
	old := testBatch(t, start.Add(10*time.Second))
	old.Pods = append(old.Pods, second)
	if rec := post(srv, token, gz(t, old)); rec.Code != http.StatusAccepted {
		t.Fatalf("old agent: %d %s", rec.Code, rec.Body)
	}
	check("older agent after", want)
	// The HPA was deleted: the agent knows no HPA targets the workload.
	gone := testBatch(t, start.Add(20*time.Second))
	gone.Pods[0].Autoscaling = &tally.PodAutoscaling{}
	gone.Pods = append(gone.Pods, second)
	if rec := post(srv, token, gz(t, gone)); rec.Code != http.StatusAccepted {
		t.Fatalf("HPA deleted: %d %s", rec.Code, rec.Body)
	}
	check("HPA deleted", &tally.PodAutoscaling{})
}

// Clean keeps an HPA's usable values and names each dropped one: replica
// bounds out of order or beyond the cap leave both unknown, a target
// utilization out of 1 … 1000 counts as a metric Tally does not read.
func TestAgentPodAutoscalingClean(t *testing.T) {
	tests := []struct {
		in, want *tally.PodHPA
		dropped  string
	}{
		{in: &tally.PodHPA{Name: "a", MinReplicas: 1, MaxReplicas: 10000, CPUUtilization: 1, MemoryUtilization: 1000},
			want: &tally.PodHPA{Name: "a", MinReplicas: 1, MaxReplicas: 10000, CPUUtilization: 1, MemoryUtilization: 1000}},
		{in: &tally.PodHPA{Name: "b", MinReplicas: 5, MaxReplicas: 3, CPUUtilization: 70},
			want: &tally.PodHPA{Name: "b", CPUUtilization: 70}, dropped: "hpa: minReplicas 5 and maxReplicas 3 are not 1 ≤ min ≤ max ≤ 10000"},
		{in: &tally.PodHPA{Name: "c", MinReplicas: 0, MaxReplicas: 3, CPUUtilization: 70},
			want: &tally.PodHPA{Name: "c", CPUUtilization: 70}, dropped: "hpa: minReplicas 0 and maxReplicas 3"},
		{in: &tally.PodHPA{Name: "d", MinReplicas: 1, MaxReplicas: 20000, CPUUtilization: 70},
			want: &tally.PodHPA{Name: "d", CPUUtilization: 70}, dropped: "maxReplicas 20000"},
		{in: &tally.PodHPA{Name: "e", MinReplicas: 1, MaxReplicas: 3, CPUUtilization: -5, MemoryUtilization: 80},
			want: &tally.PodHPA{Name: "e", MinReplicas: 1, MaxReplicas: 3, MemoryUtilization: 80, OtherMetrics: true}, dropped: "hpa.cpuUtilization: -5 is not within 1 … 1000"},
	}
	for _, tt := range tests {
		got, dropped := (&tally.PodAutoscaling{HPA: tt.in}).Clean()
		if !reflect.DeepEqual(got.HPA, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.in.Name, got.HPA, tt.want)
		}
		if d := strings.Join(dropped, "; "); (tt.dropped == "") != (d == "") || !strings.Contains(d, tt.dropped) {
			t.Errorf("%s: dropped %q, want %q", tt.in.Name, d, tt.dropped)
		}
	}
}
