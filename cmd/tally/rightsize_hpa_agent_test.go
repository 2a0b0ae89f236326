package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

// TestRightsizeAgentReportedHPA: right-sizing knew a workload's HPA only
// from --hpa, so a workload whose agents reported an HPA on CPU at 70% was
// right-sized as if nothing scaled it. Its request is now the one --hpa
// …=cpu:70 gives (higher than without an HPA: usage at the percentile sits
// at the target), its JSON says hpaSource "agent", and --hpa overrides it
// (hpaSource "flag").
func TestRightsizeAgentReportedHPA(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	api := func(flags ...string) rightsizing.ContainerResult {
		t.Helper()
		cs, code, stderr := rightsizeJSON(t, url, until, flags...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", flags, code, stderr)
		}
		return containerNamed(t, cs, "api")
	}
	without := api()
	flagged := api("--hpa", "shop/Deployment/api=cpu:70")
	if flagged.Recommendation.Resources.CPURequest <= without.Recommendation.Resources.CPURequest {
		t.Fatalf("--hpa cpu:70: request %v, without an HPA %v: want it higher", flagged.Recommendation.Resources.CPURequest, without.Recommendation.Resources.CPURequest)
	}
	if without.HPA != nil || without.HPASource != "" {
		t.Errorf("without an HPA: hpa %+v, hpaSource %q", without.HPA, without.HPASource)
	}

	// The agents report the Deployment's HPA with its pods.
	window := tally.Window{Start: until.Add(-72 * time.Hour), End: until}
	pods, err := db.Pods(ctx, "prod", window)
	if err != nil {
		t.Fatal(err)
	}
	var api2 []tally.Pod
	for _, p := range pods {
		if p.OwnerName == "api" {
			p.Autoscaling = &tally.PodAutoscaling{HPA: &tally.PodHPA{Name: "api", MinReplicas: 2, MaxReplicas: 10, CPUUtilization: 70}}
			api2 = append(api2, p)
		}
	}
	if err := db.UpsertPods(ctx, api2); err != nil {
		t.Fatal(err)
	}
	agent := api()
	if got, want := agent.Recommendation.Resources, flagged.Recommendation.Resources; got != want {
		t.Errorf("agent-reported HPA cpu:70: %+v, want %+v as with --hpa shop/Deployment/api=cpu:70", got, want)
	}
	if agent.HPASource != rightsizing.HPASourceAgent || agent.HPA == nil || agent.HPA.CPUTargetUtilization != 0.7 || agent.HPA.MaxReplicas != 10 {
		t.Errorf("hpa %+v, hpaSource %q: want the agent's HPA, source agent", agent.HPA, agent.HPASource)
	}
	if flagged.HPASource != rightsizing.HPASourceFlag {
		t.Errorf("--hpa: hpaSource %q, want flag", flagged.HPASource)
	}
	// --hpa overrides what the agents reported.
	over := api("--hpa", "shop/Deployment/api=cpu:20")
	if over.HPASource != rightsizing.HPASourceFlag || over.HPA.CPUTargetUtilization != 0.2 ||
		over.Recommendation.Resources.CPURequest <= agent.Recommendation.Resources.CPURequest {
		t.Errorf("--hpa cpu:20 over the agent's cpu:70: request %v (agent's %v), hpa %+v from %q: want the flag's",
			over.Recommendation.Resources.CPURequest, agent.Recommendation.Resources.CPURequest, over.HPA, over.HPASource)
	}

	// The table names the workloads right-sized for their agents' HPAs.
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--no-store", "--no-nodes"}, &out, &errb); code != 0 {
		t.Fatalf("table: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "\n1 workloads right-sized for the HPA their agents reported (--hpa overrides one): prod/shop/Deployment/api (cpu 70%, 2–10 replicas)\n") {
		t.Errorf("table does not name the agent's HPA:\n%s", out.String())
	}
}

// TestRightsizeHPAOfTheLastReport: a workload's HPA is the one its agents
// last reported, not its newest pod's. An HPA scaled a Deployment up and
// back down (the surge pod, the newest, ended), then its CPU target was
// edited from 50% to 80%: the two live pods report cpu:80 on every batch
// since, and right-sizing used the ended surge pod's cpu:50.
func TestRightsizeHPAOfTheLastReport(t *testing.T) {
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
