package rightsizing

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func TestMonthlySavings(t *testing.T) {
	p := UnitPrices{CPUCoreHour: usd("0.04"), MemoryGiBHour: usd("0.005")}
	cur := Resources{CPURequest: 2, MemoryRequest: 4 * GiB}
	rec := Resources{CPURequest: 0.5, MemoryRequest: GiB + GiB/2}
	got, err := MonthlySavings(cur, rec, 3, p)
	// 3 × 730 × (1.5 × 0.04 + 2.5 × 0.005) = 158.775
	if err != nil || got.Decimal() != "158.775" || got.Currency() != "USD" {
		t.Fatalf("savings = %v, %v", got, err)
	}
	up, err := MonthlySavings(rec, cur, 1, p)
	if err != nil || up.Decimal() != "-52.925" {
		t.Fatalf("a larger recommendation costs: %v, %v", up, err)
	}
	if _, err := MonthlySavings(cur, rec, 1, UnitPrices{CPUCoreHour: usd("1"), MemoryGiBHour: tally.MustParseMoney("1", "EUR")}); err == nil {
		t.Fatal("mixed currencies: want an error")
	}
	if q, err := MulQuantity(usd("0.1"), 1.0/3); err != nil || q.Decimal() != "0.0333333333" {
		t.Fatalf("MulQuantity = %v, %v", q, err)
	}
}

// A CronJob pod that runs one hour in six requests its resources one hour
// in six: right-sizing it saves a sixth of what a pod running all month
// would. Replicas were floored at 1, so the saving was 6× what the requests
// cost (found in review).
func TestRecommendContainersPartTimePods(t *testing.T) {
	until := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	start := until.Add(-7 * 24 * time.Hour)
	h := History{Current: Resources{CPURequest: 2, MemoryRequest: 4 * GiB}}
	for at := start; at.Before(until); at = at.Add(Step) {
		if at.Sub(start)%(6*time.Hour) < time.Hour { // runs 00:00–01:00, 06:00–07:00, …
			h.Samples = append(h.Samples, Sample{Start: at, CPU: 0.5, MemoryPeak: GiB})
		}
	}
	replicas := AverageReplicas(&h, start, until)
	if math.Abs(replicas-1.0/6) > 1e-9 {
		t.Fatalf("AverageReplicas = %v, want 1/6", replicas)
	}
	if r := AverageReplicas(&h, until, until); r != 0 {
		t.Errorf("AverageReplicas over an empty span = %v, want 0", r)
	}
	in := ContainerInput{Workload: tally.WorkloadRef{Cluster: "prod", Namespace: "batch", Kind: tally.KindCronJob, Name: "report"},
		Container: "report", History: h, Replicas: replicas}
	prices := UnitPrices{CPUCoreHour: usd("0.04"), MemoryGiBHour: usd("0.005")}
	res, err := RecommendContainers([]ContainerInput{in}, Balanced.Recommender(), FixedPrices(prices), until)
	if err != nil {
		t.Fatal(err)
	}
	perPod, err := MonthlySavings(h.Current, res[0].Recommendation.Resources, 1, prices)
	if err != nil {
		t.Fatal(err)
	}
	want := perPod.Float64() / 6
	if got := res[0].MonthlySavings.Float64(); math.Abs(got-want) > 0.01 || res[0].Replicas != replicas {
		t.Errorf("replicas %v, monthly savings %.2f; want %.2f (a sixth of %.2f)", res[0].Replicas, got, want, perPod.Float64())
	}
}

// Usage measured in hourly intervals is one sample an hour per pod: each
// stands for its hour. Three replicas reporting hourly are three replicas,
// with two days of evidence after two days. They were one window in twelve:
// a quarter of a replica, and a twelfth of the saving (found in the demo,
// whose usage is hourly).
func TestAverageReplicasOfHourlyUsage(t *testing.T) {
	until := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	start := until.Add(-48 * time.Hour)
	var h History
	for at := start; at.Before(until); at = at.Add(time.Hour) {
		for range 3 {
			h.Samples = append(h.Samples, Sample{Start: at, CPU: 1, MemoryPeak: GiB, Measured: time.Hour})
		}
	}
	if r := AverageReplicas(&h, start, until); math.Abs(r-3) > 1e-9 {
		t.Errorf("AverageReplicas = %v, want 3", r)
	}
	// The last hour reaches past a span ending half-way through it.
	if r := AverageReplicas(&h, start, until.Add(-30*time.Minute)); math.Abs(r-3) > 1e-9 {
		t.Errorf("AverageReplicas up to the middle of the last hour = %v, want 3", r)
	}
	if c := confidence(&h); math.Abs(c-2) > 1e-9 {
		t.Errorf("confidence = %v days, want 2", c)
	}
	// A window measured for part of it stands for the whole window, as
	// before Measured: a pod that ran 30 s of 5 minutes ran in that window.
	short := History{Samples: []Sample{{Start: start, Measured: 30 * time.Second}}}
	if r := AverageReplicas(&short, start, start.Add(Step)); r != 1 {
		t.Errorf("AverageReplicas of one part-measured window = %v, want 1", r)
	}
}

// A workload whose replica count follows its load (2 pods at night, 6 by
// day) is said to look autoscaled when no HPA was given: a smaller CPU
// request would make an HPA on CPU add replicas, and the saving assumed
// the count stays. A steady one with a rollout's brief overlap is not, nor
// one whose HPA was given.
func TestRecommendContainersSaysReplicasVary(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	history := func(replicas func(h int) int) History {
		h := History{Current: Resources{CPURequest: 1, MemoryRequest: GiB}}
		for i := range 7 * 24 {
			for range replicas(i % 24) {
				h.Samples = append(h.Samples, Sample{Start: t0.Add(time.Duration(i) * time.Hour), CPU: 0.3, MemoryPeak: 300 * MiB, Measured: time.Hour})
			}
		}
		return h
	}
	daily := func(h int) int {
		if h >= 8 && h < 20 {
			return 6
		}
		return 2
	}
	rollout := func(h int) int {
		if h == 10 {
			return 6
		}
		return 3
	}
	w := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: tally.KindDeployment, Name: "web"}
	withHPA := history(daily)
	withHPA.HPA = &HPA{CPUTargetUtilization: 0.6}
	res, err := RecommendContainers([]ContainerInput{
		{Workload: w, Container: "scaled", History: history(daily), Replicas: 4},
		{Workload: w, Container: "steady", History: history(rollout), Replicas: 3},
		{Workload: w, Container: "told", History: withHPA, Replicas: 4},
	}, Balanced.Recommender(), FixedPrices(DefaultPrices), t0.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		noted := slices.ContainsFunc(r.Recommendation.Notes, func(n string) bool { return strings.Contains(n, "an autoscaler seems to scale it") })
		switch want := r.Container == "scaled"; {
		case want && (!slices.Equal(r.ReplicasVary, []int{2, 6}) || !noted):
			t.Errorf("%s: replicasVary %v, notes %q; want [2 6] and a note", r.Container, r.ReplicasVary, r.Recommendation.Notes)
		case !want && (r.ReplicasVary != nil || noted):
			t.Errorf("%s: replicasVary %v, notes %q; want neither", r.Container, r.ReplicasVary, r.Recommendation.Notes)
		}
	}
}

// An HPA known to scale on other metrics is said to: one that scales only
// on them (a queue's depth) does not make the requests set its replica
// count, and one that scales on CPU too follows them as well. Neither is
// "an autoscaler seems to scale it". The result carries the HPA and where
// it came from.
func TestRecommendContainersHPAOtherMetrics(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	history := func(hpa *HPA) History {
		h := History{Current: Resources{CPURequest: 1, MemoryRequest: GiB}, HPA: hpa}
		for i := range 7 * 24 {
			for range 2 + 4*(i%24/12) { // 2 at night, 6 by day
				h.Samples = append(h.Samples, Sample{Start: t0.Add(time.Duration(i) * time.Hour), CPU: 0.3, MemoryPeak: 300 * MiB, Measured: time.Hour})
			}
		}
		return h
	}
	w := tally.WorkloadRef{Cluster: "prod", Namespace: "shop", Kind: tally.KindDeployment, Name: "worker"}
	queue := HPAOf(&tally.PodHPA{Name: "worker", MinReplicas: 2, MaxReplicas: 6, OtherMetrics: true})
	both := HPAOf(&tally.PodHPA{Name: "worker", MinReplicas: 2, MaxReplicas: 6, CPUUtilization: 60, OtherMetrics: true})
	res, err := RecommendContainers([]ContainerInput{
		{Workload: w, Container: "queue", History: history(queue), Replicas: 4, HPASource: HPASourceAgent},
		{Workload: w, Container: "both", History: history(both), Replicas: 4, HPASource: HPASourceAgent},
	}, Balanced.Recommender(), FixedPrices(DefaultPrices), t0.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"queue": "an HPA scales it on metrics other than CPU and memory utilization: the requests do not set its replica count",
		"both":  "the HPA also scales on metrics other than CPU and memory utilization: its replica count follows them too",
	}
	for _, r := range res {
		notes := strings.Join(r.Recommendation.Notes, "; ")
		if !strings.Contains(notes, want[r.Container]) || strings.Contains(notes, "an autoscaler seems to scale it") || r.ReplicasVary != nil {
			t.Errorf("%s: notes %q, replicasVary %v: want %q only", r.Container, notes, r.ReplicasVary, want[r.Container])
		}
		if r.HPA == nil || r.HPASource != HPASourceAgent || r.HPA.MaxReplicas != 6 {
			t.Errorf("%s: hpa %+v from %q, want the agent's", r.Container, r.HPA, r.HPASource)
		}
	}
}
