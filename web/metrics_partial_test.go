package web_test

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestMetricsNodeRanPartOfTheHour: node_*_hourly_cost are OpenCost's
// rates, a cost an hour. A node that ran the first 30 minutes of the
// latest hour, billed $0.045 for them, costs $0.09 an hour; the gauges
// said $0.045, half its rate, and a dashboard summing them over a node's
// life undercounted its last hour twice over.
func TestMetricsNodeRanPartOfTheHour(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	key, _ := fixture.OneNode(t, db, 47)
	last := fixture.Day1.Add(47 * time.Hour)
	nodes, err := db.Nodes(ctx, "prod", tally.Window{Start: fixture.Day1, End: last})
	if err != nil || len(nodes) != 1 {
		t.Fatalf("nodes %v, %v", nodes, err)
	}
	nodes[0].ValidTo = last.Add(30 * time.Minute)
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(yield func(*tally.CostLine, error) bool) {
		for l, err := range fixture.OneNodeLines(48, "0.09") {
			if l.ChargePeriodStart.Equal(last) && l.ResourceID == "i-1" {
				l.BilledCost, l.EffectiveCost, l.ListCost = tally.MustParseMoney("0.045", "USD"), tally.MustParseMoney("0.045", "USD"), tally.MustParseMoney("0.045", "USD")
			}
			if !yield(l, err) {
				return
			}
		}
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, lines); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: last.Add(time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	value := func(name string) float64 {
		t.Helper()
		rec, series := scrape(t, db, last.Add(2*time.Hour), name)
		if rec.Code != 200 || len(series) != 1 {
			t.Fatalf("%s: %d, %q; want one series", name, rec.Code, series)
		}
		v, err := strconv.ParseFloat(series[0][strings.LastIndexByte(series[0], ' ')+1:], 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	total, cpu, ram := value("node_total_hourly_cost"), value("node_cpu_hourly_cost"), value("node_ram_hourly_cost")
	if math.Abs(total-0.09) > 1e-9 || math.Abs(2*cpu+8*ram-0.09) > 1e-9 { // 2 cores, 8 GiB
		t.Errorf("node_total_hourly_cost %v, node_cpu_hourly_cost %v, node_ram_hourly_cost %v: want $0.09 an hour, 2 × cpu + 8 × ram", total, cpu, ram)
	}
}

// TestMetricsGPUGauges: OpenCost's container_gpu_allocation (the GPUs a
// container was allocated, averaged over the hour) and node_gpu_count (a
// node's GPUs), which GPU cost dashboards divide node_gpu_hourly_cost by
// and multiply it with. Neither was exported.
func TestMetricsGPUGauges(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	last := fixture.Day1.Add(47 * time.Hour)
	w := tally.Window{Start: fixture.Day1, End: last.Add(time.Hour)}
	nodes, err := db.Nodes(ctx, "prod", w)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("nodes %v, %v", nodes, err)
	}
	nodes[0].GPUs = 4
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	pods, err := db.Pods(ctx, "prod", w)
	if err != nil || len(pods) != 1 {
		t.Fatalf("pods %v, %v", pods, err)
	}
	pods[0].Containers[0].GPURequest = 1
	if err := db.UpsertPods(ctx, pods); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"container_gpu_allocation": `container_gpu_allocation{cluster_id="prod",container="api",instance="n1",namespace="shop",node="n1",pod="api-1"} 1`,
		"node_gpu_count":           `node_gpu_count{arch="",cluster_id="prod",instance="n1",instance_type="m5.large",node="n1",provider_id="",region="us-east-1"} 4`,
	} {
		rec, series := scrape(t, db, last.Add(2*time.Hour), name)
		if rec.Code != 200 || len(series) != 1 || series[0] != want {
			t.Errorf("%s: %d, %q; want %s", name, rec.Code, series, want)
		}
	}
}
