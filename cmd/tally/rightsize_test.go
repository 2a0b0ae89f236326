package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
	"github.com/tallyhq/tally/web"
)

// seedRightsizing stores a cluster with two m5.xlarge nodes, a 2-replica
// Deployment that requests 2 cores and 4 GiB but uses about 0.3 core and
// 1 GiB, a DaemonSet pod per node, three days of 5-minute usage, prices
// and one hour of allocations.
func seedRightsizing(t *testing.T, db *postgres.DB, until time.Time) {
	t.Helper()
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}))
	var nodes []tally.Node
	for _, n := range []string{"n1", "n2"} {
		nodes = append(nodes, tally.Node{Cluster: "prod", UID: n, Name: n, InstanceType: "m5.xlarge", Lifecycle: tally.LifecycleOnDemand,
			CPUCores: 4, MemoryBytes: 16 << 30, AllocatableCPU: 3.92, AllocatableMemory: 15 << 30, ValidFrom: start.Add(-time.Hour),
			Labels: map[string]string{"eks.amazonaws.com/nodegroup": "general", "kubernetes.io/arch": "amd64"}})
	}
	must(db.UpsertNodes(ctx, nodes))
	var pods []tally.Pod
	for i, n := range []string{"n1", "n2"} {
		uid := "api-" + n
		pods = append(pods,
			tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-" + n, UID: uid}, NodeName: n, OwnerKind: tally.KindDeployment,
				OwnerName: "api", ValidFrom: start.Add(-time.Hour), Containers: []tally.Container{{Name: "api", CPURequest: 2, MemoryRequest: 4 << 30, MemoryLimit: 4 << 30}}},
			tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "kube-system", Name: "agent-" + n, UID: "ds-" + n}, NodeName: n, OwnerKind: tally.KindDaemonSet,
				OwnerName: "agent", ValidFrom: start.Add(-time.Hour), Containers: []tally.Container{{Name: "agent", CPURequest: 0.1, MemoryRequest: 128 << 20}}})
		var usage []tally.ContainerUsage
		for at := start; at.Before(until); at = at.Add(5 * time.Minute) {
			cpu := 0.3 + 0.1*float64(at.Hour()%6)/6 + 0.01*float64(i)
			usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: at, End: at.Add(5 * time.Minute)}, PodUID: uid,
				Container: "api", NodeName: n, CPUCoreSeconds: cpu * 300, MemoryWorkingSetAvg: 1 << 30, MemoryWorkingSetMax: 1<<30 + int64(at.Minute())<<20})
		}
		must(db.UpsertUsage(ctx, usage))
	}
	must(db.UpsertPods(ctx, pods))
	var prices []tally.InstancePrice
	for _, p := range []struct {
		typ, price string
		cpu        float64
		mem        int64
	}{{"m5.large", "0.096", 2, 8 << 30}, {"m5.xlarge", "0.192", 4, 16 << 30}, {"m5.2xlarge", "0.384", 8, 32 << 30}, {"c5.large", "0.085", 2, 4 << 30}} {
		prices = append(prices, tally.InstancePrice{Provider: "aws", Region: "us-east-1", InstanceType: p.typ, PurchaseOption: tally.PurchaseOnDemand,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(p.price, "USD"), VCPUs: p.cpu, MemoryBytes: p.mem, EffectiveFrom: start, Source: "test"})
	}
	must(db.UpsertPrices(ctx, prices))
	h := tally.HourOf(until.Add(-time.Hour))
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	must(db.ReplaceAllocations(ctx, h.Window(), []tally.Allocation{
		{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: "api",
			PodUID: "api-n1", Pod: "api-n1", Container: "api", CostKind: tally.CostCPU, EffectiveCost: usd("0.08"), BilledCost: usd("0.08"), ListCost: usd("0.08"), CPUCoreHours: 2},
		{BillingAccountID: "111", Hour: h, Cluster: "prod", Node: "n1", Namespace: "shop", WorkloadKind: tally.KindDeployment, Workload: "api",
			PodUID: "api-n1", Pod: "api-n1", Container: "api", CostKind: tally.CostRAM, EffectiveCost: usd("0.02"), BilledCost: usd("0.02"), ListCost: usd("0.02"), RAMByteHours: 4 << 30},
	}))
}

// seededRightsizingDB returns a database seeded by seedRightsizing, and
// the end of its usage.
func seededRightsizingDB(t *testing.T) (url string, db *postgres.DB, until time.Time) {
	t.Helper()
	url = pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	until = time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	seedRightsizing(t, db, until)
	return url, db, until
}

func TestRightsizeStoredWorkloads(t *testing.T) {
	url, db, until := seededRightsizingDB(t)

	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--format", "json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Containers []struct {
			Workload       tally.WorkloadRef
			Container      string
			Replicas       float64
			Recommendation struct {
				Recommended struct {
					CPURequestCores    float64
					MemoryRequestBytes int64
					MemoryLimitBytes   int64
				}
			}
			Prices         struct{ CPUCoreHour, MemoryGibHour tally.Money }
			MonthlySavings tally.Money
		}
		Nodes []struct {
			Planned []struct {
				Type  string
				Count int
			}
			MonthlySavings tally.Money
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	var api *int
	for i, c := range res.Containers {
		if c.Container == "api" {
			api = &i
		}
	}
	if api == nil {
		t.Fatalf("no recommendation for api: %s", out.String())
	}
	c := res.Containers[*api]
	r := c.Recommendation.Recommended
	if r.CPURequestCores < 0.38 || r.CPURequestCores > 0.5 || r.MemoryRequestBytes < 1<<30 || r.MemoryRequestBytes > 5<<29 || r.MemoryLimitBytes < r.MemoryRequestBytes {
		t.Errorf("api recommendation %+v: want CPU about p95 of 0.30–0.40 cores, memory just over 1 GiB", r)
	}
	if c.Replicas != 2 || c.Prices.CPUCoreHour.Decimal() != "0.04" || c.Prices.MemoryGibHour.Decimal() != "0.005" {
		t.Errorf("replicas %v, prices %+v: want 2 replicas at the attributed 0.04/core-hour and 0.005/GiB-hour", c.Replicas, c.Prices)
	}
	// Savings = 2 replicas × 730 h × ((2 − cpu) × 0.04 + (4 GiB − mem) × 0.005).
	want := 2 * 730 * ((2-r.CPURequestCores)*0.04 + (4-float64(r.MemoryRequestBytes)/(1<<30))*0.005)
	if got := c.MonthlySavings.Float64(); got < want-0.01 || got > want+0.01 || c.MonthlySavings.Currency() != "USD" {
		t.Errorf("monthly savings %v, want %.2f USD", c.MonthlySavings, want)
	}
	if len(res.Nodes) != 1 || res.Nodes[0].MonthlySavings.Sign() <= 0 {
		t.Fatalf("node plans %+v: want one group with a saving", res.Nodes)
	}
	// 2 × m5.xlarge at 0.192 → the shrunk pods fit one smaller node.
	if p := res.Nodes[0].Planned; len(p) != 1 || p[0].Count != 1 || p[0].Type == "m5.xlarge" {
		t.Errorf("planned %+v: want a single smaller node", p)
	}

	// Stored, and served by the API.
	for _, kind := range []string{tally.RecommendContainer, tally.RecommendNode} {
		recs, err := db.Recommendations(context.Background(), kind)
		if err != nil || len(recs) == 0 {
			t.Fatalf("stored %s: %v, %v", kind, recs, err)
		}
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Recommendations: db, Auth: db}))
	defer srv.Close()
	secret, tok := web.NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/recommendations/rightsizing?cluster=prod&namespace=shop", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Containers     []tally.Recommendation
		Nodes          []tally.Recommendation
		MonthlySavings map[string]struct{ Containers, Nodes tally.Money }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET: %d %v", resp.StatusCode, err)
	}
	if len(body.Containers) != 1 || body.Containers[0].Target != "prod/shop/Deployment/api/api" || !body.Containers[0].MonthlySavings.Equal(c.MonthlySavings) {
		t.Errorf("served containers %+v", body.Containers)
	}
	if len(body.Nodes) != 0 || body.MonthlySavings["USD"].Containers.Sign() <= 0 {
		t.Errorf("namespace filter: nodes %+v totals %+v", body.Nodes, body.MonthlySavings)
	}

	// kubectl patches.
	out.Reset()
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--format", "yaml", "--no-store", "--no-nodes"}, &out, &errb); code != 0 {
		t.Fatalf("yaml: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "kubectl --context prod -n shop patch deployment api --patch-file prod.shop.deployment.api.yaml") {
		t.Errorf("yaml lacks the kubectl command:\n%s", out.String())
	}
	var patch struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name      string
						Resources struct{ Requests, Limits map[string]string }
					}
				}
			}
		}
	}
	docs := strings.Split(out.String(), "\n---\n")
	if err := yaml.Unmarshal([]byte(docs[len(docs)-1]), &patch); err != nil {
		t.Fatal(err)
	}
	cs := patch.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "api" || cs[0].Resources.Requests["cpu"] == "" || !strings.HasSuffix(cs[0].Resources.Limits["memory"], "Mi") {
		t.Errorf("patch %+v", patch)
	}
}

func TestRightsizeBacktestBundledTraces(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--log-level", "warn", "rightsize", "backtest", "--trace", "../../rightsizing/testdata/traces.csv.gz", "--check"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	for _, want := range []string{"tally-balanced", "vpa", "krr", "target met"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	errb.Reset()
	code := run([]string{"rightsize", "backtest", "--trace", "testdata/bad-trace.csv"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "testdata/bad-trace.csv:3: bad trace: column cpu_cores: value \"lots\": not a number") {
		t.Errorf("bad trace: exit %d, %s", code, errb.String())
	}
}

// The table totals the savings per currency. Adding a EUR saving to a USD
// total failed, the error was dropped and the total restarted from zero
// (found in review: 100 USD, 50 EUR and 10 USD printed "total saving 10 USD").
func TestRightsizeTableTotalPerCurrency(t *testing.T) {
	res := &rightsizeResult{Containers: []rightsizing.ContainerResult{
		{Workload: tally.WorkloadRef{Cluster: "us", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}, Container: "api", Replicas: 1,
			ReplicasVary: []int{4, 10}, MonthlySavings: tally.MustParseMoney("100", "USD")},
		{Workload: tally.WorkloadRef{Cluster: "eu", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}, Container: "api", Replicas: 1,
			MonthlySavings: tally.MustParseMoney("50", "EUR")},
		{Workload: tally.WorkloadRef{Cluster: "us", Namespace: "shop", Kind: tally.KindDeployment, Name: "web"}, Container: "web", Replicas: 1,
			Current:        rightsizing.Resources{MemoryLimit: 512 << 20},
			Recommendation: rightsizing.Recommendation{Resources: rightsizing.Resources{MemoryLimit: 666 << 20}, OOMKills: 84},
			MonthlySavings: tally.MustParseMoney("10", "USD")},
		{Workload: tally.WorkloadRef{Cluster: "us", Namespace: "shop", Kind: tally.KindCronJob, Name: "report"}, Container: "report", Replicas: 0.04,
			MonthlySavings: tally.MustParseMoney("0", "USD")},
	}, Nodes: []rightsizing.NodePlan{{Cluster: "us", Group: "spare", Current: []rightsizing.NodeCount{{Type: "m5.large", Purchase: "on-demand", Count: 2}},
		CurrentMonthly: tally.MustParseMoney("140", "USD"), PlannedMonthly: tally.MustParseMoney("0", "USD"), MonthlySavings: tally.MustParseMoney("140", "USD")}}}
	var out bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&out, nil)), stdout: &out, stderr: &out}
	if err := writeRecommendations(a, res, "table"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\n4 containers; total saving €50.00, $110.00 a month\n") {
		t.Errorf("want a total of €50.00 and $110.00:\n%s", out.String())
	}
	// A CronJob's fraction of a replica is not rounded away ("0.0"), and a
	// group the plan empties says so (the cell was blank).
	if !regexp.MustCompile(`report\s+0\.04\s`).MatchString(out.String()) || !strings.Contains(out.String(), "none (remove the group)") {
		t.Errorf("want 0.04 replicas and an emptied group named:\n%s", out.String())
	}
	// Amounts read as on the dashboard and in the explanations: CPU in
	// millicores, memory in one binary unit on both sides of an arrow
	// (the table mixed "2 → 350m" and "1Gi → 710Mi").
	if q := regexp.MustCompile(`\b\d+(\.\d+)? → |\d(Mi|Gi)\b`).FindString(out.String()); q != "" {
		t.Errorf("a Kubernetes quantity (%q) in the table:\n%s", q, out.String())
	}
	// An OOM-killed container's small saving does not hide it: it is named
	// below the table, to be applied first.
	if !strings.Contains(out.String(), "\n1 container was OOM-killed in the history; apply its recommendation first, it raises memory: us/shop/Deployment/web/web (84 kills, memory limit 512 MiB → 666 MiB)\n") {
		t.Errorf("want the OOM-killed container named:\n%s", out.String())
	}
	// A workload whose replicas varied as an autoscaler's do is named,
	// with --hpa to say so: its CPU saving is not certain.
	if !strings.Contains(out.String(), "\n1 workloads' replica counts varied as an autoscaler's do, with no HPA known (their agents reported none, or could not list HPAs); if an HPA scales one, name it with --hpa NS/KIND/NAME=cpu:PCT (a smaller request makes an HPA on CPU add replicas): us/shop/Deployment/api (4–10)\n") {
		t.Errorf("want the workload whose replicas varied named:\n%s", out.String())
	}
	// The node plans' saving has its total too, said to include the
	// containers' (the plans pack the pods at the recommended requests):
	// a reader adding the two totals counted the containers' twice.
	if !strings.Contains(out.String(), "\n1 node group; total saving $140.00 a month with the pods at the recommended requests above: it includes the containers' saving, do not add the two\n") {
		t.Errorf("want the node plans' total, said to include the containers':\n%s", out.String())
	}
}

// rightsizeJSON runs tally rightsize --format json (not stored, no node
// plans) with extra flags and returns its containers, or the exit code and
// stderr when it fails.
func rightsizeJSON(t *testing.T, url string, until time.Time, flags ...string) ([]rightsizing.ContainerResult, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339),
		"--format", "json", "--no-store", "--no-nodes"}, flags...)
	if code := run(args, &out, &errb); code != 0 {
		return nil, code, errb.String()
	}
	var res struct{ Containers []rightsizing.ContainerResult }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	return res.Containers, 0, errb.String()
}

func containerNamed(t *testing.T, cs []rightsizing.ContainerResult, name string) rightsizing.ContainerResult {
	t.Helper()
	for _, c := range cs {
		if c.Container == name {
			return c
		}
	}
	t.Fatalf("no recommendation for container %s", name)
	return rightsizing.ContainerResult{}
}

// Replicas average a workload's pods over its life: a CronJob whose pod runs
// one hour in six has 1/6 of a replica, so right-sizing it saves a sixth of
// what a pod running all month would; a Deployment created a day before the
// end of a 3-day history has 1, not 1/3. (Replicas counted pods per window
// in which one reported and were floored at 1: the CronJob's savings were
// overstated 6×, found in review.) A StatefulSet of 3 whose usage is
// measured in hourly intervals has 3, not a quarter (found in the demo).
func TestRightsizeReplicasOverWorkloadLife(t *testing.T) {
	url, db, until := seededRightsizingDB(t) // 72 hours of usage of a 2-replica Deployment
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	var pods []tally.Pod
	var usage []tally.ContainerUsage
	addPod := func(name, kind, owner string, from, to time.Time, cpu float64, interval time.Duration) {
		uid := "uid-" + name
		pods = append(pods, tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "batch", Name: name, UID: uid}, NodeName: "n1",
			OwnerKind: kind, OwnerName: owner, ValidFrom: from, ValidTo: to,
			Containers: []tally.Container{{Name: owner, CPURequest: 2, MemoryRequest: 4 << 30}}})
		if to.IsZero() {
			to = until
		}
		for at := from; at.Before(to); at = at.Add(interval) {
			usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: at, End: at.Add(interval)}, PodUID: uid,
				Container: owner, NodeName: "n1", CPUCoreSeconds: cpu * interval.Seconds(), MemoryWorkingSetAvg: 1 << 30, MemoryWorkingSetMax: 1 << 30})
		}
	}
	for i := 0; i < 12; i++ { // a run of report every 6 hours, an hour long
		from := start.Add(time.Duration(i) * 6 * time.Hour)
		addPod(fmt.Sprintf("report-%d", i), tally.KindCronJob, "report", from, from.Add(time.Hour), 0.5, rightsizing.Step)
	}
	addPod("fresh-0", tally.KindDeployment, "fresh", until.Add(-24*time.Hour), time.Time{}, 0.4, rightsizing.Step)
	for i := range 3 { // usage in hourly intervals, as the demo's
		addPod(fmt.Sprintf("hourly-%d", i), tally.KindStatefulSet, "hourly", start, time.Time{}, 0.3, time.Hour)
	}
	if err := db.UpsertPods(ctx, pods); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}

	cs, code, stderr := rightsizeJSON(t, url, until)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []struct {
		container string
		replicas  float64
	}{{"report", 1.0 / 6}, {"fresh", 1}, {"api", 2}, {"hourly", 3}} {
		c := containerNamed(t, cs, want.container)
		if math.Abs(c.Replicas-want.replicas) > 1e-9 {
			t.Errorf("%s: replicas %v, want %v", want.container, c.Replicas, want.replicas)
		}
		perPod, err := rightsizing.MonthlySavings(c.Current, c.Recommendation.Resources, 1, c.Prices)
		if err != nil {
			t.Fatal(err)
		}
		if w := perPod.Float64() * want.replicas; math.Abs(c.MonthlySavings.Float64()-w) > 0.01 {
			t.Errorf("%s: monthly savings %v, want %.2f (%v replicas × %v)", want.container, c.MonthlySavings, w, want.replicas, perPod)
		}
	}
}

// --hpa names a workload as [CLUSTER/]NAMESPACE/KIND/NAME with KIND in any
// case; one that names no workload is an error (exit 2) that quotes it. The
// kind was matched case-sensitively and a flag matching nothing was ignored
// without a word (found in review).
func TestRightsizeHPAFlag(t *testing.T) {
	url, _, until := seededRightsizingDB(t)
	apiCPU := func(flags ...string) float64 {
		t.Helper()
		cs, code, stderr := rightsizeJSON(t, url, until, flags...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", flags, code, stderr)
		}
		return containerNamed(t, cs, "api").Recommendation.Resources.CPURequest
	}
	without := apiCPU()
	with := apiCPU("--hpa", "shop/Deployment/api=cpu:20")
	if with <= without {
		t.Fatalf("an HPA at 20%% CPU: request %v, without one %v: want it higher", with, without)
	}
	for _, spec := range []string{"shop/deployment/api=cpu:20", "prod/shop/DEPLOYMENT/api=cpu:20"} {
		if got := apiCPU("--hpa", spec); got != with {
			t.Errorf("--hpa %s: CPU request %v, want %v as with shop/Deployment/api", spec, got, with)
		}
	}
	for _, spec := range []string{"shop/Deployment/no-such=cpu:20", "other/shop/Deployment/api=cpu:20", "shop/StatefulSet/api=cpu:20"} {
		_, code, stderr := rightsizeJSON(t, url, until, "--hpa", spec)
		if code != exitUsage || !strings.Contains(stderr, fmt.Sprintf("--hpa %q: no workload", spec)) {
			t.Errorf("--hpa %s: exit %d, stderr %q: want exit 2 naming the flag", spec, code, stderr)
		}
	}
	for _, spec := range []string{"shop/api=cpu:20", "a/b/c/d/e=cpu:20", "shop//api=cpu:20"} {
		_, code, stderr := rightsizeJSON(t, url, until, "--hpa", spec)
		if code != exitUsage || !strings.Contains(stderr, "[CLUSTER/]NAMESPACE/KIND/NAME") {
			t.Errorf("--hpa %s: exit %d, stderr %q", spec, code, stderr)
		}
	}
}

// TestRightsizeShortHistory: from one hour of usage the requests are that
// hour's percentiles, not a multiple of them, and the table says the
// recommendation is low confidence.
func TestRightsizeShortHistory(t *testing.T) {
	url, _, until := seededRightsizingDB(t)
	args := []string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "1h", "--no-store", "--no-nodes"}

	var out, errb bytes.Buffer
	if code := run(append(args, "--format", "json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Containers []struct {
			Container      string
			Recommendation struct {
				Recommended struct {
					CPURequestCores    float64
					MemoryRequestBytes int64
				}
				Upper struct {
					CPURequestCores float64
				}
				ConfidenceDays float64
				Notes          []string
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	found := false
	for _, c := range res.Containers {
		if c.Container != "api" {
			continue
		}
		found = true
		r := c.Recommendation
		// The last hour's usage is 0.38–0.40 cores and 1 GiB + up to 59 MiB.
		if r.Recommended.CPURequestCores > 0.45 || r.Recommended.MemoryRequestBytes > 6<<28 {
			t.Errorf("1 h of history: recommended %+v, want about the hour's p95 (0.4 cores, 1.06 GiB)", r.Recommended)
		}
		if r.Upper.CPURequestCores < 2*r.Recommended.CPURequestCores || r.ConfidenceDays > 0.05 {
			t.Errorf("1 h of history: upper CPU bound %v, confidence %v days: want wide bounds", r.Upper.CPURequestCores, r.ConfidenceDays)
		}
		if !strings.Contains(strings.Join(r.Notes, "; "), "low confidence: only 1.0 hours of history") {
			t.Errorf("notes %q: want low confidence", r.Notes)
		}
	}
	if !found {
		t.Fatalf("no recommendation for api: %s", out.String())
	}

	out.Reset()
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("table: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"1.0h low", "recommended from less than 3 days of history: low confidence"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// Nodes and pods running when the agents last reported are planned for,
// though the window ends later: a bill read the next day, or the demo's
// organization, whose nodes and pods end with its data. Node plans were
// empty whenever the window reached past the last report (found in the
// demo: the dashboard showed no node saving after a re-run).
func TestRightsizePlansNodesRunningAtTheLastReport(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	nodes, err := db.Nodes(ctx, "prod", tally.Window{Start: until.Add(-96 * time.Hour), End: until})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := db.Pods(ctx, "prod", tally.Window{Start: until.Add(-96 * time.Hour), End: until})
	if err != nil {
		t.Fatal(err)
	}
	for i := range nodes {
		nodes[i].ValidTo = until
	}
	for i := range pods {
		pods[i].ValidTo = until
	}
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPods(ctx, pods); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	later := until.Add(21 * time.Hour)
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", later.Format(time.RFC3339), "--history", "96h",
		"--format", "json", "--no-store"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Nodes []struct{ MonthlySavings tally.Money }
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(nodes) != 2 || len(res.Nodes) != 1 || res.Nodes[0].MonthlySavings.Sign() <= 0 {
		t.Fatalf("%d nodes ending at the last report; node plans %+v: want one group with a saving", len(nodes), res.Nodes)
	}
}

// TestRightsizeEmptyWindowKeepsStored: a run whose history holds no usage
// (an --until before the agents ran, or past the data) says so and leaves
// the stored recommendations the dashboard shows; it used to replace them
// with none. A --history of zero is bad input.
func TestRightsizeEmptyWindowKeepsStored(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	if code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339)); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	count := func() int {
		recs, err := db.Recommendations(ctx, tally.RecommendContainer)
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	stored := count()
	if stored == 0 {
		t.Fatal("nothing stored")
	}
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "rightsize", "--until", "2020-01-01T00:00:00Z")
	if code != 0 || !strings.Contains(out, "no container usage from 2019-12-18T00:00:00Z to 2020-01-01T00:00:00Z") {
		t.Errorf("empty window: exit %d, %q %q: want exit 0 saying there is no usage in it", code, out, errOut)
	}
	if n := count(); n != stored {
		t.Errorf("after a run over an empty window: %d stored recommendations, want the %d before", n, stored)
	}
	if _, out, _ := runTally("--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--cluster", "nope"); !strings.Contains(out, "no container usage in --cluster nope from ") {
		t.Errorf("--cluster nope: %q, want it to say there is no usage in that cluster", out)
	}
	for _, h := range []string{"0s", "1ns"} {
		if code, _, errOut := runTally("--database-url", url, "rightsize", "--history", h); code != exitUsage || !strings.Contains(errOut, "--history") {
			t.Errorf("--history %s: exit %d, %q: want exit %d naming the flag", h, code, errOut, exitUsage)
		}
	}
}

// TestRightsizeCSVNeutralizesFormulas: names in the CSV come from agent
// batches; one a spreadsheet would run as a formula is prefixed with a
// quote, as in the allocation CSV.
func TestRightsizeCSVNeutralizesFormulas(t *testing.T) {
	hostile := `=HYPERLINK("https://evil.example","x")`
	res := &rightsizeResult{Containers: []rightsizing.ContainerResult{
		{Workload: tally.WorkloadRef{Cluster: "us", Namespace: "@ns", Kind: tally.KindDeployment, Name: "+api"}, Container: hostile, Replicas: 1,
			MonthlySavings: tally.MustParseMoney("1", "USD")},
	}}
	var out bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&out, nil)), stdout: &out, stderr: &out}
	if err := writeRecommendations(a, res, "csv"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v %v", recs, err)
	}
	for _, cell := range recs[1][:5] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Errorf("cell %q would run as a formula: %v", cell, recs[1])
		}
	}
	if recs[1][4] != "'"+hostile {
		t.Errorf("container cell %q, want the name after a quote", recs[1][4])
	}
	// A native sidecar and an OOM-killed container are told apart in the
	// CSV as in the patches and the table (their columns were missing).
	res.Containers[0].ContainerKind, res.Containers[0].Recommendation.OOMKills = tally.ContainerSidecar, 3
	out.Reset()
	if err := writeRecommendations(a, res, "csv"); err != nil {
		t.Fatal(err)
	}
	if recs, err := csv.NewReader(&out).ReadAll(); err != nil || len(recs) != 2 || strings.Join(recs[0][15:17], ",") != "container_kind,oom_kills" ||
		strings.Join(recs[1][15:17], ",") != "sidecar,3" {
		t.Errorf("csv %v %v: want container_kind sidecar and oom_kills 3 last", recs, err)
	}
}

// TestRightsizeCSVSaysNodePlansAreElsewhere: the CSV holds the containers
// only; with node plans it says where they are, on stderr (they were left
// out without a word).
func TestRightsizeCSVSaysNodePlansAreElsewhere(t *testing.T) {
	res := &rightsizeResult{Nodes: []rightsizing.NodePlan{{Cluster: "prod", Group: "general"}, {Cluster: "prod", Group: "spot"}}}
	var out, errOut bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&errOut, nil)), stdout: &out, stderr: &errOut}
	if err := writeRecommendations(a, res, "csv"); err != nil {
		t.Fatal(err)
	}
	if want := "the CSV has the containers only: 2 node plans are in the table and in --format json\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
	if strings.Contains(out.String(), "general") {
		t.Errorf("the CSV has a node plan: %q", out.String())
	}
}

// TestRightsizeBacktestZeroDurations: --warmup 0s and --every 0s were read
// as "the default" (a week, a day), so the run and its messages were about
// durations nobody asked for; they are refused, as an --every that is not
// whole 5-minute windows.
func TestRightsizeBacktestZeroDurations(t *testing.T) {
	for _, flags := range [][]string{{"--warmup", "0s"}, {"--every", "0s"}, {"--every", "7m"}} {
		code, _, errOut := runTally(append([]string{"--log-level", "warn", "rightsize", "backtest", "--trace", "../../rightsizing/testdata/traces.csv.gz"}, flags...)...)
		if code != exitUsage || !strings.Contains(errOut, flags[0]+" "+flags[1]) {
			t.Errorf("backtest %v: exit %d, %q: want exit %d naming the flag", flags, code, errOut, exitUsage)
		}
	}
}

// TestRightsizePlansNodesForBatchPods: a node group that runs a CronJob's
// pods keeps room for them. Its plan took only the pods running at the last
// report, so a group whose job had finished planned no nodes: "none (remove
// the group)", saving the node's whole cost, and the next run had nowhere to
// go.
func TestRightsizePlansNodesForBatchPods(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	storeBatchGroup(t, db, until, 20*time.Hour, 30*time.Hour)
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
		"--format", "json", "--no-store"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Nodes []rightsizing.NodePlan
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, p := range res.Nodes {
		if p.Group != "batch" {
			continue
		}
		var cpu float64
		for _, n := range p.Planned {
			cpu += n.CPUUsed
		}
		// The m5.xlarge ran all 72 hours for 3 hours of jobs: it is kept
		// for the 3-core job, but only while a job runs.
		if len(p.Planned) == 0 || cpu < 3 || p.CurrentMonthly.Decimal() != "140.16" || p.PlannedMonthly.Decimal() != "5.84" {
			t.Fatalf("batch group plan: %d planned types, %.2f cores requested, now %s, planned %s: %s; want its m5.xlarge kept for the 3-core job, "+
				"140.16 now (one node all the time), 5.84 planned (3 of 72 hours)",
				len(p.Planned), cpu, p.CurrentMonthly, p.PlannedMonthly, p.Explanation)
		}
		return
	}
	t.Fatalf("no plan for the batch group: %+v", res.Nodes)
}

// An autoscaled pool that keeps a small node and adds two large ones while
// a CronJob runs is priced over the history: its nodes' node-hours against
// the plan's nodes while the job runs. It was priced as the one small node
// alive at the end against the job's two large nodes running all month:
// the demo's analytics-usc1/spot-pool read a saving of −73.37 USD; here
// 70.08 now, 280.32 planned, −210.24.
func TestRightsizePricesAutoscaledBatchPoolOverTheHistory(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	pool := map[string]string{"eks.amazonaws.com/nodegroup": "burst", "kubernetes.io/arch": "amd64"}
	node := func(name, typ string, cpu float64, from, to time.Time) tally.Node {
		return tally.Node{Cluster: "prod", UID: name, Name: name, InstanceType: typ, Lifecycle: tally.LifecycleOnDemand, CPUCores: cpu,
			MemoryBytes: int64(cpu) * 4 << 30, AllocatableCPU: cpu - 0.08, AllocatableMemory: int64(cpu)*4<<30 - 1<<30, ValidFrom: from, ValidTo: to, Labels: pool}
	}
	if err := db.UpsertNodes(ctx, []tally.Node{
		node("s0", "m5.large", 2, start.Add(-time.Hour), time.Time{}),
		node("x1", "m5.xlarge", 4, until.Add(-30*time.Hour), until.Add(-26*time.Hour)),
		node("x2", "m5.xlarge", 4, until.Add(-30*time.Hour), until.Add(-26*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	job := func(name, node string) tally.Pod {
		return tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "ml", Name: name, UID: name}, NodeName: node,
			OwnerKind: tally.KindCronJob, OwnerName: "train", ValidFrom: until.Add(-30 * time.Hour), ValidTo: until.Add(-27 * time.Hour),
			Containers: []tally.Container{{Name: "train", CPURequest: 3, MemoryRequest: 8 << 30, MemoryLimit: 8 << 30}}}
	}
	if err := db.UpsertPods(ctx, []tally.Pod{job("train-1", "x1"), job("train-2", "x2")}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
		"--format", "json", "--no-store"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct{ Nodes []rightsizing.NodePlan }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	for _, p := range res.Nodes {
		if p.Group != "burst" {
			continue
		}
		// Now (72 h × 0.096 + 8 h × 0.192) ÷ 72 h × 730; planned 3 h × 0.384 ÷ 72 h × 730.
		if p.CurrentMonthly.Decimal() != "85.65" || p.PlannedMonthly.Decimal() != "11.68" || p.MonthlySavings.Decimal() != "73.97" || p.Averaged == nil {
			t.Fatalf("burst pool: now %s, planned %s, saving %s (averaged %+v): %s; want 85.65, 11.68, 73.97",
				p.CurrentMonthly, p.PlannedMonthly, p.MonthlySavings, p.Averaged, p.Explanation)
		}
		return
	}
	t.Fatalf("no plan for the burst pool: %+v", res.Nodes)
}

// A batch pool with none of its nodes running at the end (scaled to zero
// between runs) is planned over the history like one that keeps a node: it
// got no plan, its node-hours counted nowhere.
func TestRightsizePlansBatchPoolScaledToZero(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	pool := map[string]string{"eks.amazonaws.com/nodegroup": "zero", "kubernetes.io/arch": "amd64"}
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "z1", Name: "z1", InstanceType: "m5.xlarge", Lifecycle: tally.LifecycleOnDemand,
		CPUCores: 4, MemoryBytes: 16 << 30, AllocatableCPU: 3.92, AllocatableMemory: 15 << 30, ValidFrom: until.Add(-30 * time.Hour),
		ValidTo: until.Add(-26 * time.Hour), Labels: pool}}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPods(ctx, []tally.Pod{
		{Ref: tally.PodRef{Cluster: "prod", Namespace: "ml", Name: "train-1", UID: "train-1"}, NodeName: "z1",
			OwnerKind: tally.KindCronJob, OwnerName: "train", ValidFrom: until.Add(-30 * time.Hour), ValidTo: until.Add(-27 * time.Hour),
			Containers: []tally.Container{{Name: "train", CPURequest: 3, MemoryRequest: 8 << 30}}},
		{Ref: tally.PodRef{Cluster: "prod", Namespace: "kube-system", Name: "agent-z1", UID: "ds-z1"}, NodeName: "z1",
			OwnerKind: tally.KindDaemonSet, OwnerName: "agent", ValidFrom: until.Add(-30 * time.Hour), ValidTo: until.Add(-26 * time.Hour),
			Containers: []tally.Container{{Name: "agent", CPURequest: 0.1, MemoryRequest: 128 << 20}}},
	}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--history", "72h",
		"--format", "table", "--no-store"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	// Now 4 h × 0.192 ÷ 72 h × 730; planned 3 h × 0.192 ÷ 72 h × 730.
	want := regexp.MustCompile(`(?m)^prod +zero +none \(avg 0\.06\) +1×m5\.xlarge/on-demand at peak \(avg 0\.04\) +\$7\.79 +\$5\.84 +\$1\.95$`)
	if !want.MatchString(out.String()) {
		t.Fatalf("no plan of group zero (7.79 now, 5.84 planned) in:\n%s", out.String())
	}
}

// storeBatchGroup stores a batch node group of two m5.xlarge nodes on
// demand, b0 from 72 hours before until to split before it and b1 from
// then on, and two runs of a CronJob: nightly-1 on b0 from first before
// until, for 2 hours, and nightly-2 on b1 from 6 to 5 hours before until.
func storeBatchGroup(t *testing.T, db *postgres.DB, until time.Time, split, first time.Duration) {
	t.Helper()
	ctx := context.Background()
	batch := map[string]string{"eks.amazonaws.com/nodegroup": "batch", "kubernetes.io/arch": "amd64"}
	if err := db.UpsertNodes(ctx, []tally.Node{
		{Cluster: "prod", UID: "b0", Name: "b0", InstanceType: "m5.xlarge", Lifecycle: tally.LifecycleOnDemand, CPUCores: 4, MemoryBytes: 16 << 30,
			AllocatableCPU: 3.92, AllocatableMemory: 15 << 30, ValidFrom: until.Add(-72 * time.Hour), ValidTo: until.Add(-split), Labels: batch},
		{Cluster: "prod", UID: "b1", Name: "b1", InstanceType: "m5.xlarge", Lifecycle: tally.LifecycleOnDemand, CPUCores: 4, MemoryBytes: 16 << 30,
			AllocatableCPU: 3.92, AllocatableMemory: 15 << 30, ValidFrom: until.Add(-split), Labels: batch},
	}); err != nil {
		t.Fatal(err)
	}
	job := func(name, node string, from, to time.Time) tally.Pod {
		return tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "reports", Name: name, UID: name}, NodeName: node,
			OwnerKind: tally.KindCronJob, OwnerName: "nightly", ValidFrom: from, ValidTo: to,
			Containers: []tally.Container{{Name: "report", CPURequest: 3, MemoryRequest: 8 << 30, MemoryLimit: 8 << 30}}}
	}
	if err := db.UpsertPods(ctx, []tally.Pod{
		job("nightly-1", "b0", until.Add(-first), until.Add(-first+2*time.Hour)),
		job("nightly-2", "b1", until.Add(-6*time.Hour), until.Add(-5*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRightsizeFileErrorsNameTheUsersFiles: generate -o into a directory
// that does not exist named its temporary file (t.csv.tmp), and backtest
// of a truncated .gz trace said "unexpected EOF"; they name the file given
// and say it is truncated, as commitments backtest does.
func TestRightsizeFileErrorsNameTheUsersFiles(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{{"rightsize", "generate", "--days", "1"}, {"commitments", "generate", "--days", "60"}} {
		path := filepath.Join(dir, "no", "such", "t.csv")
		code, _, errOut := runTally(append(cmd, "-o", path)...)
		if want := "tally: write " + path + ": no such file or directory\n"; code == 0 || errOut != want {
			t.Errorf("%s -o %s: exit %d, stderr %q, want %q", strings.Join(cmd[:2], " "), path, code, errOut, want)
		}
	}

	trace := filepath.Join(dir, "trace.csv.gz")
	if code, _, errOut := runTally("rightsize", "generate", "--days", "10", "-o", trace); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.csv.gz")
	if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runTally("--log-level", "error", "rightsize", "backtest", "--trace", cut)
	if code != exitUsage || !strings.Contains(errOut, "--trace "+cut+": the gzip data ends early or is corrupt (a truncated copy?)") {
		t.Errorf("truncated trace: exit %d, stderr %q", code, errOut)
	}
}

// TestRightsizeGenerateBadNumbers: rightsize generate names the flag and
// the value it refuses; it said "--days and --per-pattern must be at least
// 1" to either.
func TestRightsizeGenerateBadNumbers(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--days", "0"}, "--days 0: want at least 1 day"},
		{[]string{"--per-pattern=-2"}, "--per-pattern -2: want at least 1 container"},
	} {
		code, _, errOut := runTally(append([]string{"rightsize", "generate"}, tc.args...)...)
		if code != exitUsage || errOut != "tally: "+tc.want+"\n" {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
}

// TestRightsizeBacktestCheckNeedsTallyAndABaseline: --check with
// strategies it cannot score is a usage error, said before the backtest
// runs; it ran the backtest and exited 3, "target missed", with "the
// target compares a tally strategy (first) with baselines" (--strategy
// vpa) or "no baseline to compare with" (--strategy tally,tally-production).
func TestRightsizeBacktestCheckNeedsTallyAndABaseline(t *testing.T) {
	for _, tc := range []struct {
		strategy, want string
	}{
		{"vpa", "--check --strategy vpa: want a tally strategy first, scored against a baseline (vpa or krr) after it"},
		{"krr,tally", "--check --strategy krr,tally: want a tally strategy first, scored against a baseline (vpa or krr) after it"},
		{"tally,tally-production", "--check --strategy tally,tally-production: want a tally strategy first, scored against a baseline (vpa or krr) after it"},
	} {
		code, out, errOut := runTally("--log-level", "warn", "rightsize", "backtest", "--trace", "../../rightsizing/testdata/traces.csv.gz", "--check", "--strategy", tc.strategy)
		if code != exitUsage || errOut != "tally: "+tc.want+"\n" || out != "" {
			t.Errorf("--strategy %s: exit %d, %q, %q; want %d and %q", tc.strategy, code, errOut, out, exitUsage, tc.want)
		}
	}
}

// TestRightsizeBacktestPricesSayTheirCurrency: the backtest's table says
// what its prices are in, as its amounts do ("$9.79"); it read "Prices:
// 0.031611 per requested core-hour, 0.004237 per GiB-hour" whatever
// --currency said.
func TestRightsizeBacktestPricesSayTheirCurrency(t *testing.T) {
	code, out, errOut := runTally("--log-level", "warn", "rightsize", "backtest", "--trace", "../../rightsizing/testdata/traces.csv.gz",
		"--strategy", "vpa", "--currency", "EUR", "--memory-price", "0.0045")
	want := "\nPrices: €0.031611 per requested core-hour, €0.0045 per requested GiB-hour of memory\n"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("exit %d, %s\n%s\nwant %q", code, errOut, out, want)
	}
}

// TestRightsizeSaysCPULimitsRemoved: the patches delete the CPU limits the
// recommendations drop (cpu: null), and the table and the CSV say so; the
// table named no CPU limit and the CSV had no column of them, so 22 of the
// demo's 39 containers lost theirs without a word.
func TestRightsizeSaysCPULimitsRemoved(t *testing.T) {
	w := tally.WorkloadRef{Cluster: "prod", Namespace: "checkout", Kind: tally.KindDeployment, Name: "cart"}
	res := &rightsizeResult{Containers: []rightsizing.ContainerResult{
		{Workload: w, Container: "cart", Replicas: 3, Current: rightsizing.Resources{CPURequest: 0.25, CPULimit: 0.5, MemoryRequest: 256 << 20},
			Recommendation: rightsizing.Recommendation{Resources: rightsizing.Resources{CPURequest: 0.194, MemoryRequest: 615 << 20}},
			MonthlySavings: tally.MustParseMoney("0.39", "USD")},
		{Workload: w, Container: "envoy", Replicas: 3, Current: rightsizing.Resources{CPURequest: 0.1, MemoryRequest: 64 << 20},
			Recommendation: rightsizing.Recommendation{Resources: rightsizing.Resources{CPURequest: 0.072, MemoryRequest: 64 << 20}},
			MonthlySavings: tally.MustParseMoney("2.76", "USD")},
	}}
	var out bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&out, nil)), stdout: &out, stderr: &out}
	if err := writeRecommendations(a, res, "table"); err != nil {
		t.Fatal(err)
	}
	want := "\n1 container's CPU limit is removed (its patch sets cpu: null; a CPU limit throttles a container even when its node has CPU to spare): prod/checkout/Deployment/cart/cart (500m)\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("table:\n%s\nwant %q", out.String(), want)
	}
	out.Reset()
	if err := writeRecommendations(a, res, "csv"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil || len(recs) != 3 || strings.Join(recs[0][17:], ",") != "cpu_limit,cpu_limit_recommended" || strings.Join(recs[1][17:], ",") != "0.5,0" {
		t.Errorf("csv %v %v: want cpu_limit 0.5 and cpu_limit_recommended 0 last", recs, err)
	}
}

// TestRightsizeBacktestTraceShorterThanWarmup: a trace no longer than the
// warm-up is refused naming the flag and the file; the error read
// "backtest: the trace covers 48h0m0s, not more than the 168h0m0s
// warm-up", which named neither.
func TestRightsizeBacktestTraceShorterThanWarmup(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "short.csv")
	if code, _, errOut := runTally("rightsize", "generate", "--days", "2", "--per-pattern", "1", "-o", trace); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errOut)
	}
	code, _, errOut := runTally("--log-level", "warn", "rightsize", "backtest", "--trace", trace)
	want := "tally: --warmup 168h0m0s: --trace " + trace + " covers 48h0m0s of usage, no more than the warm-up: lower --warmup to leave days to score, or give a longer trace\n"
	if code != exitUsage || errOut != want {
		t.Errorf("exit %d, %q; want %d and %q", code, errOut, exitUsage, want)
	}
}

// TestReplicasText: a workload that ran its one pod all but a few seconds
// of the history reads as one replica, as another does; the demo's
// session-redis (0.9999983) read "1.00" beside prometheus's "1.0". A
// fraction that rounds below 1.00 keeps its two decimals.
func TestReplicasText(t *testing.T) {
	for r, want := range map[float64]string{0.9999983: "1.0", 1: "1.0", 0.96: "0.96", 0.04: "0.04", 0.994: "0.99", 6.27: "6.3"} {
		if got := replicasText(r); got != want {
			t.Errorf("replicasText(%v) = %q, want %q", r, got, want)
		}
	}
}

// TestRightsizeYAMLSaysWhereThePatchGoes: --format yaml writes the patches
// to standard output, where each one's kubectl command named a patch file
// nobody had written; it says to save the document as that file first.
func TestRightsizeYAMLSaysWhereThePatchGoes(t *testing.T) {
	res := &rightsizeResult{Containers: []rightsizing.ContainerResult{{
		Workload: tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}, Container: "api", Replicas: 1,
		Recommendation: rightsizing.Recommendation{Resources: rightsizing.Resources{CPURequest: 0.2, MemoryRequest: 256 << 20}},
		MonthlySavings: tally.MustParseMoney("1", "USD")}}}
	var out bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&out, nil)), stdout: &out, stderr: &out}
	if err := writeRecommendations(a, res, "yaml"); err != nil {
		t.Fatal(err)
	}
	want := "# save this document as prod.shop.deployment.api.yaml (--patch-dir DIR writes each patch to its file), then:\n" +
		"# kubectl --context prod -n shop patch deployment api --patch-file prod.shop.deployment.api.yaml\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("yaml:\n%s\nwant it to start %q", out.String(), want)
	}
}

// TestRightsizeHistoryRefusedAsGiven: --history under one usage window is
// refused with the value as given in days; "0d" read "--history 0s" and
// "-3d" "--history -72h0m0s".
func TestRightsizeHistoryRefusedAsGiven(t *testing.T) {
	for _, v := range []string{"0d", "-3d"} {
		code, _, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "rightsize", "recommend", "--history="+v)
		if want := "tally: --history " + v + ": want at least one 5m0s usage window, e.g. 14d\n"; code != exitUsage || errOut != want {
			t.Errorf("--history %s: exit %d, %q; want %d and %q", v, code, errOut, exitUsage, want)
		}
	}
}

// TestRightsizeTableTotalsSavingsApart: the table's totals keep what the
// recommendations that cost more add apart from the savings, as the API
// and the Right-sizing page do; the demo's table read "total saving
// $479.97 a month" where the page read savings of $485.42 and an added
// cost of $5.45.
func TestRightsizeTableTotalsSavingsApart(t *testing.T) {
	w := tally.WorkloadRef{Cluster: "prod", Namespace: "checkout", Kind: tally.KindDeployment, Name: "checkout-api"}
	res := &rightsizeResult{Containers: []rightsizing.ContainerResult{
		{Workload: w, Container: "envoy", Replicas: 6, MonthlySavings: tally.MustParseMoney("100", "USD")},
		{Workload: w, Container: "app", Replicas: 6, MonthlySavings: tally.MustParseMoney("-4.53", "USD")},
	}, Nodes: []rightsizing.NodePlan{
		{Cluster: "prod", Group: "general", MonthlySavings: tally.MustParseMoney("140", "USD")},
		{Cluster: "prod", Group: "compute", MonthlySavings: tally.MustParseMoney("-296.27", "USD")},
	}}
	var out bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&out, nil)), stdout: &out, stderr: &out}
	if err := writeRecommendations(a, res, "table"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n2 containers; total saving $100.00 a month; 1 costs $4.53 a month more (it needs more than it requests)\n",
		"\n2 node groups; total saving $140.00 a month with the pods at the recommended requests above: it includes the containers' saving, do not add the two; 1 costs $296.27 a month more\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table:\n%s\nwant %q", out.String(), want)
		}
	}
}
