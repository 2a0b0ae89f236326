package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// Init containers and native sidecars keep their kind through both ways
// pods are stored (an agent batch, UpsertPods) and back through Pods:
// right-sizing and attribution tell them from the pod's containers by it.
func TestContainerKindsRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	from := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	containers := []tally.Container{
		{Name: "app", Image: "shop/api:1.0", CPURequest: 1, MemoryRequest: 2 << 30},
		{Name: "istio-proxy", Kind: tally.ContainerSidecar, Image: "proxyv2:1.24", CPURequest: 0.1, MemoryRequest: 128 << 20},
		{Name: "migrate", Kind: tally.ContainerInit, Image: "shop/migrate:1.0", CPURequest: 0.5, MemoryRequest: 256 << 20},
	}
	in := agentBatch(2, []tally.Window{{Start: from, End: from.Add(10 * time.Second)}}, agentPod{uid: "p1", cpu: 1, started: from})
	in.Pods[0].Containers = containers
	if err := db.StoreAgentData(ctx, in); err != nil {
		t.Fatal(err)
	}
	pod := tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-p2", UID: "p2"}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "api", Labels: map[string]string{}, Annotations: map[string]string{},
		ValidFrom: from, Containers: containers}
	if err := db.UpsertPods(ctx, []tally.Pod{pod}); err != nil {
		t.Fatal(err)
	}
	pods, err := db.Pods(ctx, "prod", tally.Window{Start: from, End: from.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) != 2 {
		t.Fatalf("%d pods, want 2", len(pods))
	}
	for _, p := range pods {
		if !reflect.DeepEqual(p.Containers, containers) {
			t.Errorf("pod %s containers:\n got %+v\nwant %+v", p.Ref.UID, p.Containers, containers)
		}
	}
}
