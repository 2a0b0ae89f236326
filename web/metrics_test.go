package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/internal/prereq"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

func requirePrometheus(t *testing.T) string {
	t.Helper()
	prereq.Require(t, "the scrape test (apt-get install prometheus)", prereq.Program("prometheus"))
	path, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRealPrometheusScrapesCostGauges runs Debian's Prometheus against
// /metrics and asks it what a Grafana cost dashboard asks.
func TestRealPrometheusScrapesCostGauges(t *testing.T) {
	bin := requirePrometheus(t)
	srv := newServer(t)
	target := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	bearer, _ := bearers.Load(srv.URL)
	// How Prometheus scrapes Tally: an API token (viewer) as a bearer credential.
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tally\n    authorization:\n      type: Bearer\n      credentials: %q\n    static_configs:\n      - targets: [%q]\n", bearer, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()

	query := "sum(node_total_hourly_cost)"
	deadline := time.Now().Add(60 * time.Second)
	for {
		v, err := promQuery(addr, query)
		if err == nil && v != "" {
			got, _ := strconv.ParseFloat(v, 64)
			if got < 0.0899 || got > 0.0901 { // the node's reconciled cost in the latest hour: $0.09
				t.Fatalf("%s = %s, want 0.09", query, v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus never answered %s (last error %v); its log:\n%s", query, err, logs.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if v, err := promQuery(addr, `sum by (namespace) (container_cpu_allocation{namespace="shop"})`); err != nil || v != "1" {
		t.Fatalf("container_cpu_allocation = %q, %v; want 1 core", v, err)
	}
}

// promQuery returns the value of an instant query's first sample ("" when empty).
func promQuery(addr, q string) (string, error) {
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", err
	}
	if r.Status != "success" || len(r.Data.Result) == 0 {
		return "", nil
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return s, nil
}

// TestMetricsCountAppendedFunctionSamples: /metrics says how many sample
// rows agent batches appended that compaction has not moved yet.
func TestMetricsCountAppendedFunctionSamples(t *testing.T) {
	db := pgtest.New(t)
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	srv := web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db, Metrics: db, Now: func() time.Time { return start.Add(time.Hour) }})
	agent := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	for i := range 3 {
		if rec := post(srv, agent, gz(t, testBatch(t, start.Add(time.Duration(i)*10*time.Second)))); rec.Code != http.StatusAccepted {
			t.Fatalf("POST %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apiToken(t, db, tally.RoleViewer))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	c, err := db.CompactFunctionSamples(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 3 batches × 2 stacks of one container.
	if want := fmt.Sprintf("\ntally_function_samples_appended_rows %d\n", c.Appended); c.Appended != 6 || !strings.Contains(rec.Body.String(), want) {
		t.Errorf("GET /metrics: %d, want a line %q (compaction then moved %d rows):\n%s", rec.Code, want, c.Appended, rec.Body)
	}
}

// TestMetricsPodRecreatedWithinTheHour: a pod deleted and created again
// under its name on its node within the latest hour (a StatefulSet's pod)
// is one container_cpu_allocation series, the two pods' cores summed. Each
// pod was a series of the same labels, and the whole scrape failed (500,
// "was collected before with the same name and label values"), leaving
// every cost dashboard without data.
func TestMetricsPodRecreatedWithinTheHour(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	last := fixture.Day1.Add(47 * time.Hour)
	if err := db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-1", UID: "p2"}, NodeName: "n1",
		OwnerKind: tally.KindStatefulSet, OwnerName: "api", ValidFrom: last.Add(30 * time.Minute),
		Containers: []tally.Container{{Name: "api", CPURequest: 1, MemoryRequest: 4 << 30}}}}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: last.Add(time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	rec, series := scrape(t, db, last.Add(2*time.Hour), "container_cpu_allocation")
	// api-1 (p1) the whole hour and api-1 (p2) its last 30 minutes, a core each.
	if rec.Code != http.StatusOK || len(series) != 1 || !strings.HasSuffix(series[0], "} 1.5") {
		t.Errorf("GET /metrics: %d, container_cpu_allocation %q; want 200 and one series of 1.5 cores:\n%.600s", rec.Code, series, rec.Body)
	}
}

// scrape GETs /metrics of a server on db at now, and returns the answer
// and its series of metric name.
func scrape(t *testing.T, db *postgres.DB, now time.Time, name string) (*httptest.ResponseRecorder, []string) {
	t.Helper()
	srv := web.NewServer(web.Config{Readiness: db, Auth: db, Metrics: db, Now: func() time.Time { return now }})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apiToken(t, db, tally.RoleViewer))
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	var series []string
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, name+"{") {
			series = append(series, strings.TrimSpace(line))
		}
	}
	return rec, series
}

// TestMetricsPVHourlyCostPerGiB: pv_hourly_cost is OpenCost's, the
// volume's cost per GiB-hour (dashboards multiply it by the volume's
// size), named by its PersistentVolume (from the disk's tags, as
// kube-state-metrics names it) with its provider_id. assetsDB's vol-1 (PV
// pvc-1) bills $0.01 an hour for 100 GiB: $0.0001 per GiB-hour. It was
// the volume's whole hour, $0.01, a hundred times what a dashboard's size
// × price made of it, and named vol-1, which joins no PV.
func TestMetricsPVHourlyCostPerGiB(t *testing.T) {
	db := assetsDB(t)
	rec, got := scrape(t, db, fixture.Day1.Add(48*time.Hour), "pv_hourly_cost")
	want := `pv_hourly_cost{cluster_id="prod",namespace="shop",persistentvolume="pvc-1",provider_id="vol-1",volumename="pvc-1"} 0.0001`
	if rec.Code != http.StatusOK || len(got) != 1 || got[0] != want {
		t.Errorf("GET /metrics: %d, %q; want %s", rec.Code, got, want)
	}
}
