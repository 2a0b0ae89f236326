package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

// A pod's native sidecar (an init container with restartPolicy Always) is
// right-sized like its containers, and its patch sets it under
// initContainers; a classic init container, which ran ten minutes at the
// pod's start, is not right-sized from those minutes but listed as
// skipped, with why (as VPA and KRR leave init containers alone). Neither
// was recommended: the agent did not send init containers' specs.
func TestRightsizeSidecarsAndInitContainers(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	pod := tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "web-1", UID: "web-1"}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "web", ValidFrom: start,
		Containers: []tally.Container{
			{Name: "web", CPURequest: 1, MemoryRequest: 1 << 30},
			{Name: "istio-proxy", Kind: tally.ContainerSidecar, CPURequest: 0.5, MemoryRequest: 512 << 20, MemoryLimit: 1 << 30},
			{Name: "migrate", Kind: tally.ContainerInit, CPURequest: 2, MemoryRequest: 2 << 30},
		}}
	if err := db.UpsertPods(ctx, []tally.Pod{pod}); err != nil {
		t.Fatal(err)
	}
	var usage []tally.ContainerUsage
	for at := start; at.Before(until); at = at.Add(5 * time.Minute) {
		iv := tally.Window{Start: at, End: at.Add(5 * time.Minute)}
		if at.Before(start.Add(10 * time.Minute)) {
			usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: iv, PodUID: "web-1", Container: "migrate", NodeName: "n1",
				CPUCoreSeconds: 0.9 * 300, MemoryWorkingSetAvg: 300 << 20, MemoryWorkingSetMax: 300 << 20})
			continue
		}
		usage = append(usage,
			tally.ContainerUsage{Cluster: "prod", Interval: iv, PodUID: "web-1", Container: "web", NodeName: "n1",
				CPUCoreSeconds: 0.2 * 300, MemoryWorkingSetAvg: 400 << 20, MemoryWorkingSetMax: 400 << 20},
			tally.ContainerUsage{Cluster: "prod", Interval: iv, PodUID: "web-1", Container: "istio-proxy", NodeName: "n1",
				CPUCoreSeconds: 0.05 * 300, MemoryWorkingSetAvg: 90 << 20, MemoryWorkingSetMax: 90 << 20})
	}
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	args := []string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--no-store", "--no-nodes"}
	if code := run(append(args, "--format", "json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Containers []rightsizing.ContainerResult
		Skipped    []skippedContainer
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	var names []string
	for _, c := range res.Containers {
		if c.Workload.Name == "web" {
			names = append(names, c.Container+":"+c.ContainerKind)
		}
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "istio-proxy:sidecar") || !strings.Contains(got, "web:") || strings.Contains(got, "migrate") {
		t.Errorf("recommended containers of shop/Deployment/web: %s; want web and istio-proxy (sidecar), not the init container migrate", got)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Container != "migrate" || res.Skipped[0].Kind != tally.ContainerInit ||
		res.Skipped[0].PeakCPU < 0.89 || res.Skipped[0].PeakMemory != 300<<20 {
		t.Errorf("skipped %+v, want the init container migrate with its peak 0.9 core and 300 MiB", res.Skipped)
	}

	out.Reset()
	if code := run(append(args, "--format", "table"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"istio-proxy (sidecar)", "1 init container not right-sized", "prod/shop/Deployment/web/migrate (requests 2000m, 2.00 GiB; peak 900m, 0.29 GiB)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := run(append(args, "--format", "yaml"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, d := range strings.Split(out.String(), "\n---\n") {
		if !strings.Contains(d, "patch deployment web ") {
			continue
		}
		var doc struct {
			Spec struct {
				Template struct {
					Spec map[string][]struct{ Name string } `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		if err := yaml.Unmarshal([]byte(d), &doc); err != nil {
			t.Fatal(err)
		}
		ps := doc.Spec.Template.Spec
		if len(ps["initContainers"]) != 1 || ps["initContainers"][0].Name != "istio-proxy" || len(ps["containers"]) != 1 || ps["containers"][0].Name != "web" {
			t.Errorf("patch of web: %+v, want istio-proxy under initContainers and web under containers:\n%s", ps, d)
		}
		return
	}
	t.Fatalf("no patch for shop/Deployment/web:\n%s", out.String())
}

// A pod reserves the larger of its containers' and native sidecars' sum
// and its largest classic init container's request with the sidecars: the
// node plan counted every container's request, init containers' included.
func TestPodRequestsCountInitContainersAsTheSchedulerDoes(t *testing.T) {
	p := &tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "web-1"}, OwnerKind: tally.KindDeployment, OwnerName: "web",
		Containers: []tally.Container{
			{Name: "web", CPURequest: 1, MemoryRequest: 1 << 30},
			{Name: "proxy", Kind: tally.ContainerSidecar, CPURequest: 0.5, MemoryRequest: 512 << 20},
			{Name: "migrate", Kind: tally.ContainerInit, CPURequest: 2, MemoryRequest: 256 << 20},
			{Name: "fetch", Kind: tally.ContainerInit, CPURequest: 0.1, MemoryRequest: 128 << 20},
		}}
	cpu, mem := podRequests(p, map[containerKey]rightsizing.Resources{
		{p.Workload(), "web"}: {CPURequest: 0.25, MemoryRequest: 768 << 20},
	})
	// CPU: max(0.25 + 0.5, 2 + 0.5); memory: max(768 + 512, 256 + 512) MiB.
	if cpu != 2.5 || mem != 1280<<20 {
		t.Errorf("pod requests %.2f cores, %d MiB; want 2.50 cores, 1280 MiB", cpu, mem>>20)
	}
}

// A StatefulSet's replicas are planned on nodes of their own (its pods
// carry a Spread): two database replicas were packed onto one node.
func TestRightsizePlansStatefulSetReplicasApart(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	var pods []tally.Pod
	var usage []tally.ContainerUsage
	for _, n := range []string{"n1", "n2"} {
		uid := "db-" + n
		pods = append(pods, tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: uid, UID: uid}, NodeName: n,
			OwnerKind: tally.KindStatefulSet, OwnerName: "db", ValidFrom: start.Add(-time.Hour),
			Containers: []tally.Container{{Name: "db", CPURequest: 1, MemoryRequest: 1 << 30, MemoryLimit: 2 << 30}}})
		for at := start; at.Before(until); at = at.Add(5 * time.Minute) {
			usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: at, End: at.Add(5 * time.Minute)}, PodUID: uid,
				Container: "db", NodeName: n, CPUCoreSeconds: 0.95 * 300, MemoryWorkingSetAvg: 900 << 20, MemoryWorkingSetMax: 900 << 20})
		}
	}
	if err := db.UpsertPods(ctx, pods); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--format", "json", "--no-store"},
		&out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res.Nodes) != 1 {
		t.Fatalf("plans %+v, want the general group's", res.Nodes)
	}
	n := 0
	for _, p := range res.Nodes[0].Planned {
		n += p.Count
	}
	if n < 2 {
		t.Errorf("general group planned on %d node(s): %s; want the two db replicas apart", n, res.Nodes[0].Explanation)
	}
}
