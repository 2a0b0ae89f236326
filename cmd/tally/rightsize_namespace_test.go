package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestRightsizeNamespacePlansItsNodeGroups: with --namespace, node plans
// are of the groups the namespace's pods run on; those pack every pod of
// the group, the namespace's at their recommended requests. Every group of
// every cluster was planned, those the namespace never ran on as well.
func TestRightsizeNamespacePlansItsNodeGroups(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	// A second group, "tools", runs only a pod of namespace ci.
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "t1", Name: "t1", InstanceType: "m5.xlarge", Lifecycle: tally.LifecycleOnDemand,
		CPUCores: 4, MemoryBytes: 16 << 30, AllocatableCPU: 3.92, AllocatableMemory: 15 << 30, ValidFrom: start.Add(-time.Hour),
		Labels: map[string]string{"eks.amazonaws.com/nodegroup": "tools", "kubernetes.io/arch": "amd64"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "ci", Name: "runner-0", UID: "runner-0"}, NodeName: "t1",
		OwnerKind: tally.KindStatefulSet, OwnerName: "runner", ValidFrom: start.Add(-time.Hour),
		Containers: []tally.Container{{Name: "runner", CPURequest: 1, MemoryRequest: 2 << 30}}}}); err != nil {
		t.Fatal(err)
	}
	var usage []tally.ContainerUsage
	for at := start; at.Before(until); at = at.Add(5 * time.Minute) {
		usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: at, End: at.Add(5 * time.Minute)}, PodUID: "runner-0",
			Container: "runner", NodeName: "t1", CPUCoreSeconds: 0.2 * 300, MemoryWorkingSetAvg: 1 << 29, MemoryWorkingSetMax: 1 << 29})
	}
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}

	groups := func(args ...string) []string {
		t.Helper()
		var out, errb bytes.Buffer
		args = append([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
			"--format", "json", "--no-store"}, args...)
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		var res struct{ Nodes []struct{ Group string } }
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		var names []string
		for _, n := range res.Nodes {
			names = append(names, n.Group)
		}
		slices.Sort(names)
		return names
	}
	if got := groups(); !slices.Equal(got, []string{"general", "tools"}) {
		t.Fatalf("node plans of the whole organization: %v, want general and tools", got)
	}
	for ns, want := range map[string][]string{"shop": {"general"}, "ci": {"tools"}} {
		if got := groups("--namespace", ns); !slices.Equal(got, want) {
			t.Errorf("--namespace %s: node plans of %v, want %v", ns, got, want)
		}
	}
}
