package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/ingest/pricing"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/internal/prereq"
	"github.com/tallyhq/tally/node-agent/cgroups"
	"github.com/tallyhq/tally/node-agent/cgroups/cgrouptest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestAgentToBackend runs the agent as main does (run, its flags' config)
// against the backend's ingest endpoint on a real PostgreSQL, with a fake
// Kubernetes API that knows the node (an m5.large on AWS, an e2-standard-2
// on GKE) and one pod. A Go process burning CPU in main.hot runs in the
// pod's container cgroup. The backend must store the node, the pod, the
// container's usage as the cgroup counted it and the samples; attribution,
// once the hour has ended, prices the node from the price catalog (in the
// billing account its cluster took when its agent registered it) and
// charges the pod; and the pod's dollars split by function name main.hot
// for most of them. This is the path from a node to dollars per function,
// with every part real but the Kubernetes API.
func TestAgentToBackend(t *testing.T) {
	prereq.Require(t, "the agent", prereq.Root, prereq.BTF)
	for _, c := range []e2eCloud{
		{name: "aws", providerID: "aws:///us-east-1a/i-0e2e", instanceID: "i-0e2e", instanceType: "m5.large", region: "us-east-1", zone: "us-east-1a",
			account: "123456789012", source: "aws-cur", catalog: func(t *testing.T, db *postgres.DB) {
				prices, err := pricing.Snapshot()
				if err == nil {
					_, err = db.SyncCatalog(context.Background(), prices, nil)
				}
				if err != nil {
					t.Fatal(err)
				}
			}},
		{name: "gcp", providerID: "gce://e2e-project/us-central1-a/gke-e2e-node", instanceID: "gke-e2e-node", instanceType: "e2-standard-2",
			region: "us-central1", zone: "us-central1-a", account: "01E2E0-000000-000000", source: "gcp-billing", catalog: func(t *testing.T, db *postgres.DB) {
				// What tally pricing sync gcp stores for it (the Cloud
				// Billing Catalog has no server here).
				if err := db.UpsertPrices(context.Background(), []tally.InstancePrice{{Provider: tally.ProviderGCP, Region: "us-central1",
					InstanceType: "e2-standard-2", PurchaseOption: tally.PurchaseOnDemand, HourlyPrice: tally.MustParseMoney("0.067006", "USD"),
					VCPUs: 2, MemoryBytes: 8 << 30, EffectiveFrom: time.Now().AddDate(0, -1, 0), Source: "test"}}); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) { agentToBackend(t, c) })
	}
}

// e2eCloud is the cloud of TestAgentToBackend's node.
type e2eCloud struct {
	name                   string
	providerID, instanceID string // the node's spec.providerID, and the instance id it names
	instanceType           string
	region, zone           string
	account, source        string // of the bill ingested before
	catalog                func(*testing.T, *postgres.DB)
}

func agentToBackend(t *testing.T, c e2eCloud) {
	ctx := context.Background()
	db := pgtest.New(t)
	c.catalog(t, db)
	// The organization's bill was ingested before: yesterday's, of one
	// account, which the cluster its agents register takes.
	yesterday := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	ingestRun, err := db.StartIngestRun(ctx, c.source, nil)
	if err != nil {
		t.Fatal(err)
	}
	bucket := tally.CostLine{Provider: c.name, BillingAccountID: c.account, ChargeCategory: tally.ChargeUsage, ResourceID: "e2e-bucket",
		BillingPeriodStart: tally.MonthStart(yesterday), BillingPeriodEnd: tally.MonthStart(yesterday).AddDate(0, 1, 0),
		ChargePeriodStart: yesterday, ChargePeriodEnd: yesterday.Add(time.Hour),
		BilledCost: tally.MustParseMoney("0.5", "USD"), EffectiveCost: tally.MustParseMoney("0.5", "USD"), ListCost: tally.MustParseMoney("0.5", "USD")}
	key := tally.BillingPeriodKey{BillingAccountID: bucket.BillingAccountID, Start: bucket.BillingPeriodStart, Source: c.source}
	if _, err := db.ReplaceBillingPeriod(ctx, key, ingestRun, func(yield func(*tally.CostLine, error) bool) { yield(&bucket, nil) }); err != nil {
		t.Fatal(err)
	}
	secret, token := web.NewToken()
	token.Name, token.Kind, token.Role, token.Cluster = "e2e", tally.TokenAgent, tally.RoleAgent, "e2e"
	if _, err := db.CreateToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db}))
	defer backend.Close()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "gowork")
	if out, err := exec.Command("go", "build", "-o", work, "./collector/testdata/gowork").CombinedOutput(); err != nil {
		t.Fatalf("build the workload: %v\n%s", err, out)
	}

	const podUID = "7e2e0000-0000-4000-8000-000000000001"
	containerID := strings.Repeat("e2", 32)
	client := fake.NewClientset(e2eNode(c), e2eReplicaSet(), e2ePod(podUID, containerID))
	var logs logtest.Buffer
	agentCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	began := time.Now()
	go func() {
		ran <- run(agentCtx, config{server: backend.URL, tokenFile: tokenFile, cluster: "e2e", node: "e2e-node", frequency: 99,
			interval: 2 * time.Second, bufferBytes: 64 << 20, bufferMemory: 8 << 20, proc: "/proc", client: client},
			slog.New(slog.NewTextHandler(&logs, nil)), io.Discard)
	}()
	for !strings.Contains(logs.String(), "msg=profiling") {
		select {
		case err := <-ran:
			t.Fatalf("the agent stopped before profiling: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(began) > time.Minute {
			t.Fatalf("the agent did not start profiling in a minute:\n%s", logs.String())
		}
	}

	// The workload burns 3 s of CPU once it is in the pod's cgroup.
	cmd := exec.Command(work, "3s")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	mounts, err := cgroups.DetectMounts("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	rel, roots := "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"+strings.ReplaceAll(podUID, "-", "_")+".slice/cri-containerd-"+containerID+".scope",
		[]string{mounts.V2}
	if mounts.V2 == "" {
		rel, roots = "/kubepods/burstable/pod"+podUID+"/"+containerID, []string{mounts.V1["cpuacct"], mounts.V1["memory"]}
	}
	cgrouptest.Enter(t, roots, rel, cmd.Process.Pid)
	io.WriteString(stdin, "go\n")
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("workload: %v", err)
	}
	burnt, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		t.Fatalf("workload's CPU time %q: %v", line, err)
	}
	time.Sleep(2 * time.Second) // an interval after the burn
	stop()
	if err := <-ran; err != nil {
		t.Fatalf("agent: %v\n%s", err, logs.String())
	}
	if strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "rejected") {
		t.Errorf("the agent logged errors:\n%s", logs.String())
	}

	// What the backend stored.
	w := tally.Window{Start: began.UTC().Truncate(time.Hour), End: time.Now().UTC().Truncate(time.Hour).Add(time.Hour)}
	usage, err := db.Usage(ctx, "e2e", w)
	if err != nil {
		t.Fatal(err)
	}
	var cpu float64
	for _, u := range usage {
		if u.PodUID == podUID {
			if u.Container != "server" || u.NodeName != "e2e-node" {
				t.Errorf("usage row %+v: want container server on node e2e-node", u)
			}
			cpu += u.CPUCoreSeconds
		}
	}
	if want := time.Duration(burnt).Seconds(); cpu < 0.9*want || cpu > 1.1*want {
		t.Errorf("the pod's stored CPU is %.2f core-seconds, the workload burnt %.2f: want them within 10%%", cpu, want)
	}
	nodes, err := db.Nodes(ctx, "e2e", w)
	if err != nil || len(nodes) != 1 || nodes[0].InstanceType != c.instanceType || nodes[0].InstanceID != c.instanceID {
		t.Fatalf("nodes %+v, %v: want e2e-node, an %s, instance %s", nodes, err, c.instanceType, c.instanceID)
	}

	// Attributed once its hours have ended: the node is estimated from the
	// catalog, and the pod gets a share of it.
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return w.End }}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.EstimatedNodeHrs == 0 {
		t.Fatalf("attribution %+v: want the node estimated from the catalog", sum)
	}
	rows, err := db.AllocationRows(ctx, attribution.Query{Window: w, Aggregate: []attribution.Dimension{{Field: "pod"}}})
	if err != nil {
		t.Fatal(err)
	}
	var podCost tally.Money
	for _, r := range rows {
		if r.Keys[0] == "shop/api-7d9f-e2e" {
			if podCost, err = podCost.Add(r.Cost); err != nil {
				t.Fatal(err)
			}
		}
	}
	if podCost.Sign() <= 0 {
		t.Fatalf("the pod's cost is %s in %d rows: want a share of the node\n%+v", podCost, len(rows), rows)
	}

	// Its dollars by function: main.hot burnt most of them.
	day := tally.Window{Start: w.Start.Truncate(24 * time.Hour), End: w.End.Add(24*time.Hour - time.Nanosecond).Truncate(24 * time.Hour)}
	stacks, err := db.StackSpend(ctx, attribution.StackFilter{Window: day, Cluster: "e2e", Namespace: "shop", Workload: "api"})
	if err != nil {
		t.Fatal(err)
	}
	fns, err := attribution.Functions(stacks, day.Duration())
	if err != nil {
		t.Fatal(err)
	}
	var all, hot tally.Money
	for _, f := range fns {
		if all, err = all.Add(f.Self); err != nil {
			t.Fatal(err)
		}
		if f.Name == "main.hot" {
			hot = f.Self
		}
	}
	if hot.Sign() <= 0 || hot.Float64() < 0.8*all.Float64() {
		t.Errorf("main.hot's own cost is %s of the workload's %s by function: want at least 80%%\n%+v", hot, all, fns)
	}
	t.Logf("stored %.2f core-seconds of the workload's %.2f; pod cost %s, main.hot %s of %s by function",
		cpu, time.Duration(burnt).Seconds(), podCost, hot, all)
}

func e2eNode(c e2eCloud) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-node", UID: "e2e-node-uid", Labels: map[string]string{
			"node.kubernetes.io/instance-type": c.instanceType, "topology.kubernetes.io/region": c.region, "topology.kubernetes.io/zone": c.zone}},
		Spec: corev1.NodeSpec{ProviderID: c.providerID},
		Status: corev1.NodeStatus{
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1900m"), corev1.ResourceMemory: resource.MustParse("7Gi")}},
	}
}

func e2eReplicaSet() *appsv1.ReplicaSet {
	yes := true
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api-7d9f", UID: "e2e-rs-uid",
		OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "api", UID: "e2e-deploy-uid", Controller: &yes}}}}
}

func e2ePod(uid, containerID string) *corev1.Pod {
	yes := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: types.UID(uid), Namespace: "shop", Name: "api-7d9f-e2e", Labels: map[string]string{"app": "api", "pod-template-hash": "7d9f"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "api-7d9f", UID: "e2e-rs-uid", Controller: &yes}}},
		Spec: corev1.PodSpec{NodeName: "e2e-node", Containers: []corev1.Container{{Name: "server", Image: "shop/api:1.0", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("64Mi")}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &metav1.Time{Time: time.Now().Add(-time.Minute)},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "server", ContainerID: "containerd://" + containerID}}},
	}
}
