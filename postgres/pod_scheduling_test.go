package postgres_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// UpsertPods stores a pod's scheduling constraints, "none" ({}) apart from
// "unknown" (nil), and writing the pod again without them keeps them.
func TestUpsertPodsScheduling(t *testing.T) {
	db := prodDB(t)
	from := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	pod := func(uid string, s *tally.PodScheduling) tally.Pod {
		p := webPod(uid, from)
		p.Scheduling = s
		return p
	}
	spread := &tally.PodScheduling{AntiAffinity: []string{tally.TopologyZone},
		Spread: []tally.TopologySpread{{TopologyKey: tally.TopologyHostname, MaxSkew: 2}}}
	if err := db.UpsertPods(ctx, []tally.Pod{pod("p1", spread), pod("p2", &tally.PodScheduling{}), pod("p3", nil)}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPods(ctx, []tally.Pod{pod("p1", nil)}); err != nil {
		t.Fatal(err)
	}
	pods, err := db.Pods(ctx, "prod", tally.Window{Start: from, End: from.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*tally.PodScheduling{"p1": spread, "p2": {}, "p3": nil}
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	for _, p := range pods {
		if !reflect.DeepEqual(p.Scheduling, want[p.Ref.UID]) {
			t.Errorf("pod %s scheduling %+v, want %+v", p.Ref.UID, p.Scheduling, want[p.Ref.UID])
		}
	}
}

// prodDB is a new database with cluster prod (AWS, account 111).
func prodDB(t *testing.T) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Name: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	return db
}

// webPod is pod web-UID of Deployment shop/web on node n1 of cluster prod,
// running from from.
func webPod(uid string, from time.Time) tally.Pod {
	return tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "web-" + uid, UID: uid}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "web", Labels: map[string]string{}, Annotations: map[string]string{},
		ValidFrom: from, Containers: []tally.Container{{Name: "web", CPURequest: 1}}}
}
