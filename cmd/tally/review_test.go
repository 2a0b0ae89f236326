package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/rightsizing"
)

// Review reproductions (branch review-forecast-rs): each test fails on the
// code it was written against.

// The table's "total saving" must not drop amounts in another currency.
// total.Add(EUR) on a USD total fails, the error is discarded and the total
// becomes zero, so the line shows only what was added after the switch.
func TestReviewRightsizeTableTotalMixedCurrencies(t *testing.T) {
	res := &rightsizeResult{Containers: []rightsizing.ContainerResult{
		{Workload: tally.WorkloadRef{Cluster: "us", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}, Container: "api", Replicas: 1,
			MonthlySavings: tally.MustParseMoney("100", "USD")},
		{Workload: tally.WorkloadRef{Cluster: "eu", Namespace: "shop", Kind: tally.KindDeployment, Name: "api"}, Container: "api", Replicas: 1,
			MonthlySavings: tally.MustParseMoney("50", "EUR")},
		{Workload: tally.WorkloadRef{Cluster: "us", Namespace: "shop", Kind: tally.KindDeployment, Name: "web"}, Container: "web", Replicas: 1,
			MonthlySavings: tally.MustParseMoney("10", "USD")},
	}}
	var out bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&out, nil)), stdout: &out, stderr: &out}
	if err := writeRecommendations(a, res, "table"); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	total := s[strings.Index(s, "3 containers"):]
	if !strings.Contains(total, "110 USD") || !strings.Contains(total, "50 EUR") {
		t.Errorf("want a total of 110 USD and 50 EUR; got: %s", total)
	}
}

// A CronJob pod that runs one hour in six requests its resources one hour
// in six, so right-sizing it saves a sixth of what a pod running all month
// would. replicas() counts pods per window in which one reports (1), and
// RecommendContainers floors Replicas at 1 and multiplies by 730 h: the
// saving shown is six times what the requests cost.
func TestReviewBatchSavingsOverstated(t *testing.T) {
	until := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	start := until.Add(-7 * 24 * time.Hour)
	h := rightsizing.History{Current: rightsizing.Resources{CPURequest: 2, MemoryRequest: 4 << 30}}
	running := 0
	for at := start; at.Before(until); at = at.Add(rightsizing.Step) {
		if at.Sub(start)%(6*time.Hour) < time.Hour { // runs 00:00–01:00, 06:00–07:00, …
			h.Samples = append(h.Samples, rightsizing.Sample{Start: at, CPU: 0.5, MemoryPeak: 1 << 30})
			running++
		}
	}
	total := int(until.Sub(start) / rightsizing.Step)
	in := rightsizing.ContainerInput{Workload: tally.WorkloadRef{Cluster: "prod", Namespace: "batch", Kind: tally.KindCronJob, Name: "report"},
		Container: "report", History: h, Replicas: replicas(&h)}
	prices := rightsizing.UnitPrices{CPUCoreHour: tally.MustParseMoney("0.04", "USD"), MemoryGiBHour: tally.MustParseMoney("0.005", "USD")}
	res, err := rightsizing.RecommendContainers([]rightsizing.ContainerInput{in}, rightsizing.Balanced.Recommender(), rightsizing.FixedPrices(prices), until)
	if err != nil {
		t.Fatal(err)
	}
	r := res[0].Recommendation.Resources
	cur, _ := rightsizing.HourlyCost(h.Current, prices)
	rec, _ := rightsizing.HourlyCost(r, prices)
	perHour := cur.Float64() - rec.Float64()
	want := perHour * rightsizing.HoursPerMonth * float64(running) / float64(total) // the pod exists 1/6 of the time
	got := res[0].MonthlySavings.Float64()
	if got > 1.05*want {
		t.Errorf("replicas() = %v (pod present in %d of %d windows); monthly savings %.2f, want about %.2f (%.1f× overstated)",
			in.Replicas, running, total, got, want, got/want)
	}
}

// --hpa NS/KIND/NAME must either apply to the workload or be rejected. The
// key is matched case-sensitively against the stored owner kind, so the
// spelling kubectl users type (deployment) is silently ignored: the
// recommendation is the one without an HPA, exit 0, no warning.
func TestReviewHPAFlagSilentlyIgnored(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	until := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	seedRightsizing(t, db, until)
	cpuOf := func(hpa string) (float64, int, string) {
		var out, errb bytes.Buffer
		code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339),
			"--format", "json", "--no-store", "--no-nodes", "--hpa", hpa}, &out, &errb)
		if code != 0 {
			return 0, code, errb.String()
		}
		var res struct {
			Containers []struct {
				Container      string
				Recommendation struct {
					Recommended struct{ CPURequestCores float64 }
				}
			}
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Containers {
			if c.Container == "api" {
				return c.Recommendation.Recommended.CPURequestCores, 0, errb.String()
			}
		}
		t.Fatalf("no api recommendation: %s", out.String())
		return 0, 0, ""
	}
	exact, _, _ := cpuOf("shop/Deployment/api=cpu:20")
	lower, code, stderr := cpuOf("shop/deployment/api=cpu:20")
	if code == 0 && lower != exact {
		t.Errorf("--hpa shop/Deployment/api=cpu:20 → CPU request %v; --hpa shop/deployment/api=cpu:20 → %v, exit 0, stderr %q: the HPA was silently ignored", exact, lower, stderr)
	}
	missing, code, stderr := cpuOf("shop/Deployment/no-such-workload=cpu:20")
	if code == 0 && stderr == "" {
		t.Errorf("--hpa naming no workload: exit 0, no warning (api CPU %v)", missing)
	}
}
