package main

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/rightsizing"
)

// TestDemoRightsizeReadsSchedulingConstraints: the demo's agents sent no
// pod's scheduling constraints, so every demo pod's were unknown and
// `tally rightsize` kept its node groups by the rules for unknown
// constraints only (a node per zone; a StatefulSet assumed one per node).
// Posted through the agent endpoint as `tally demo` does, every stored pod
// has its workload's constraints (those truth.json states), and the node
// plans keep nodes for the constraints read from the specs.
func TestDemoRightsizeReadsSchedulingConstraints(t *testing.T) {
	ctx := context.Background()
	l, logs := testDemoLoader(t, demo.Config{Seed: 1, Days: 4, End: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), ProfileDays: 0})
	db, truth := l.db, l.truth
	for _, step := range []func(context.Context) error{l.loadPrices, l.registerClusters, l.postAgentBatches} {
		if err := step(ctx); err != nil {
			t.Fatalf("%v\n%s", err, logs.String())
		}
	}

	type workload struct {
		cluster        tally.ClusterID
		ns, kind, name string
	}
	want := map[workload]*tally.PodScheduling{}
	for _, w := range truth.Workloads {
		want[workload{w.Cluster, w.Namespace, w.Kind, w.Name}] = w.Scheduling
	}
	window := tally.Window{Start: l.m.Start, End: l.m.End}
	for _, c := range truth.Clusters {
		pods, err := db.Pods(ctx, c.ID, window)
		if err != nil {
			t.Fatal(err)
		}
		if len(pods) == 0 {
			t.Fatalf("%s: no pods stored", c.ID)
		}
		for _, p := range pods {
			w := workload{c.ID, p.Ref.Namespace, p.OwnerKind, p.OwnerName}
			if p.Scheduling == nil {
				t.Fatalf("%s/%s/%s: scheduling constraints unknown (NULL), want those its agent sent", c.ID, p.Ref.Namespace, p.Ref.Name)
			}
			if s, ok := want[w]; !ok || !reflect.DeepEqual(p.Scheduling, s) {
				t.Fatalf("%s/%s/%s: stored scheduling %+v, truth %+v", c.ID, p.Ref.Namespace, p.Ref.Name, p.Scheduling, s)
			}
		}
	}

	res, err := rightsize(ctx, db, rightsizeOptions{Window: window, Profile: rightsizing.Balanced, Nodes: true, Log: l.app})
	if err != nil {
		t.Fatal(err)
	}
	plans := map[string]rightsizing.NodePlan{}
	for _, p := range res.Nodes {
		plans[string(p.Cluster)+"/"+p.Group] = p
		if p.Kept == nil {
			continue
		}
		if r := strings.Join(p.Kept.Reasons, "; "); strings.Contains(r, "unknown") || strings.Contains(r, "assumed") {
			t.Errorf("%s/%s: %s; want the constraints the pods' specs state", p.Cluster, p.Group, p.Kept)
		}
	}
	// The groups each constraint keeps above their pods' packing in this
	// organization (seed 1, these 4 days).
	for group, reason := range map[string]string{
		"data-usw2/kafka":   "data-pipeline/StatefulSet/kafka runs its 3 pods one per node (required pod anti-affinity on kubernetes.io/hostname)",
		"prod-usw2/memory":  "search/StatefulSet/elasticsearch runs its 3 pods one per node (required pod anti-affinity on kubernetes.io/hostname)",
		"prod-usw2/compute": "checkout/Deployment/checkout-api spreads its 9 pods over 3 of the group's zones (us-west-2a, us-west-2b, us-west-2c; topology spread on topology.kubernetes.io/zone, maxSkew 1)",
		"prod-usw2/spot":    "catalog/Deployment/catalog-api spreads its 6 pods over 3 of the group's zones (us-west-2a, us-west-2b, us-west-2c; topology spread on topology.kubernetes.io/zone, maxSkew 1)",
	} {
		p, ok := plans[group]
		if !ok {
			t.Errorf("%s: no node plan", group)
			continue
		}
		if p.Kept == nil || !strings.Contains(strings.Join(p.Kept.Reasons, "; "), reason) {
			t.Errorf("%s: kept %v; want %q", group, p.Kept, reason)
		}
	}
}
