package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// UpsertPods stores what scales a pod's workload: an HPA, "none" ({})
// apart from "unknown" (nil). Writing the pod again without knowing keeps
// it; writing it again knowing replaces it (the HPA deleted since).
func TestUpsertPodsAutoscaling(t *testing.T) {
	db := prodDB(t)
	from := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	pod := func(uid string, a *tally.PodAutoscaling) tally.Pod {
		p := webPod(uid, from)
		p.Autoscaling = a
		return p
	}
	hpa := &tally.PodAutoscaling{HPA: &tally.PodHPA{Name: "web", MinReplicas: 2, MaxReplicas: 10, CPUUtilization: 70, MemoryUtilization: 80, OtherMetrics: true}}
	if err := db.UpsertPods(ctx, []tally.Pod{pod("p1", hpa), pod("p2", &tally.PodAutoscaling{}), pod("p3", nil), pod("p4", hpa)}); err != nil {
		t.Fatal(err)
	}
	// p1 again from an agent that does not know; p4 from one that saw the HPA deleted.
	if err := db.UpsertPods(ctx, []tally.Pod{pod("p1", nil), pod("p4", &tally.PodAutoscaling{})}); err != nil {
		t.Fatal(err)
	}
	pods, err := db.Pods(ctx, "prod", tally.Window{Start: from, End: from.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*tally.PodAutoscaling{"p1": hpa, "p2": {}, "p3": nil, "p4": {}}
	if len(pods) != len(want) {
		t.Fatalf("%d pods, want %d", len(pods), len(want))
	}
	for _, p := range pods {
		if !reflect.DeepEqual(p.Autoscaling, want[p.Ref.UID]) {
			t.Errorf("pod %s autoscaling %+v, want %+v", p.Ref.UID, p.Autoscaling, want[p.Ref.UID])
		}
	}
}
