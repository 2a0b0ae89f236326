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
	checkDemoHPAs(t, truth, res)
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
	// The spot group's pods, at requests that keep the HPA-scaled
	// Deployments' usage at their targets, pack onto a node per zone by
	// themselves: catalog-api's spread over the zones holds without
	// keeping a node more (it kept one while their HPAs were unknown).
	if p := plans["prod-usw2/spot"]; len(p.Zones) != 3 || p.Zones["us-west-2a"] < 1 || p.Zones["us-west-2b"] < 1 || p.Zones["us-west-2c"] < 1 {
		t.Errorf("prod-usw2/spot: planned zones %v, want a node in each of us-west-2a, us-west-2b, us-west-2c", p.Zones)
	}
}

// checkDemoHPAs: the demo's agents sent no HPA, so `tally rightsize` saw
// the HPA-scaled Deployments' replicas vary and asked for --hpa. Each is
// right-sized for the HPA its agents reported (hpaSource agent, the
// target truth.json states), none of them is listed as varying without
// a known HPA, and no other workload has an HPA.
func checkDemoHPAs(t *testing.T, truth *demo.Truth, res *rightsizeResult) {
	t.Helper()
	want := map[tally.WorkloadRef]*tally.PodHPA{}
	for _, w := range truth.Workloads {
		if w.Autoscaling != nil && w.Autoscaling.HPA != nil {
			want[tally.WorkloadRef{Cluster: w.Cluster, Namespace: w.Namespace, Kind: w.Kind, Name: w.Name}] = w.Autoscaling.HPA
		}
	}
	if len(want) == 0 {
		t.Fatal("truth: no workload has an HPA")
	}
	seen := map[tally.WorkloadRef]bool{}
	for _, c := range res.Containers {
		h, scaled := want[c.Workload]
		switch {
		case !scaled && c.HPA != nil:
			t.Errorf("%s/%s: hpa %+v from %q, want none", c.Workload, c.Container, c.HPA, c.HPASource)
		case scaled && (c.HPA == nil || c.HPASource != rightsizing.HPASourceAgent || c.HPA.CPUTargetUtilization != float64(h.CPUUtilization)/100):
			t.Errorf("%s/%s: hpa %+v from %q, want the agents' at %d%% CPU", c.Workload, c.Container, c.HPA, c.HPASource, h.CPUUtilization)
		case scaled && c.ReplicasVary != nil:
			t.Errorf("%s/%s: listed as varying (%v) without a known HPA", c.Workload, c.Container, c.ReplicasVary)
		}
		seen[c.Workload] = seen[c.Workload] || scaled
	}
	for w := range want {
		if !seen[w] {
			t.Errorf("%s: scaled by an HPA, not right-sized", w)
		}
	}
}
