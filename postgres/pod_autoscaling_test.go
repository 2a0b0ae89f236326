package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// UpsertPods stores what scales a pod's workload: an HPA, "none" ({})
// apart from "unknown" (nil). Writing the pod again without knowing keeps
// it; writing it again knowing replaces it (the HPA deleted since).
func TestUpsertPodsAutoscaling(t *testing.T) {
	db := pgtest.New(t)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Name: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	pod := func(uid string, a *tally.PodAutoscaling) tally.Pod {
		return tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "web-" + uid, UID: uid}, NodeName: "n1",
			OwnerKind: tally.KindDeployment, OwnerName: "web", Labels: map[string]string{}, Annotations: map[string]string{},
			ValidFrom: from, Autoscaling: a, Containers: []tally.Container{{Name: "web", CPURequest: 1}}}
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
