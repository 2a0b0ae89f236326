package main

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// review21: rightsize takes a workload's HPA from the pod that STARTED last
// (ValidFrom), not from what its agents report now. An HPA scales a
// Deployment up and back down (the surge pod, the newest, ends), then its
// CPU target is edited from 50% to 80%: the two live pods report cpu:80 on
// every batch since, yet rightsize uses the ended surge pod's cpu:50.
func TestReview21RightsizeUsesCurrentAgentHPA(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	hpa := func(pct int) *tally.PodAutoscaling {
		return &tally.PodAutoscaling{HPA: &tally.PodHPA{Name: "api", MinReplicas: 2, MaxReplicas: 10, CPUUtilization: pct}}
	}
	// The surge pod the HPA added on day 2 and removed six hours later,
	// reported with the HPA as it then was.
	surge := tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-surge", UID: "api-surge"}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: start.Add(24 * time.Hour), ValidTo: start.Add(30 * time.Hour),
		Autoscaling: hpa(50), Containers: []tally.Container{{Name: "api", CPURequest: 2, MemoryRequest: 4 << 30, MemoryLimit: 4 << 30}}}
	if err := db.UpsertPods(ctx, []tally.Pod{surge}); err != nil {
		t.Fatal(err)
	}
	// Since the edit, the live pods' agents report the HPA at 80%.
	pods, err := db.Pods(ctx, "prod", tally.Window{Start: start, End: until})
	if err != nil {
		t.Fatal(err)
	}
	var live []tally.Pod
	for _, p := range pods {
		if p.OwnerName == "api" && p.Ref.UID != "api-surge" {
			p.Autoscaling = hpa(80)
			live = append(live, p)
		}
	}
	if len(live) != 2 {
		t.Fatalf("%d live api pods, want 2", len(live))
	}
	if err := db.UpsertPods(ctx, live); err != nil {
		t.Fatal(err)
	}
	cs, code, stderr := rightsizeJSON(t, url, until)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	api := containerNamed(t, cs, "api")
	if api.HPA == nil || api.HPA.CPUTargetUtilization != 0.8 {
		t.Errorf("api right-sized for HPA %+v (source %q): want the cpu:80 its live pods' agents report, not the ended surge pod's cpu:50",
			api.HPA, api.HPASource)
	}
}
