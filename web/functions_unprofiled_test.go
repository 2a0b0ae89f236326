package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestFunctionsSayWhatCPUCostHasNoProfiles: a workload's functions total
// only the CPU cost of its containers with CPU profiles; the view names the
// containers without any (an envoy sidecar; the workload's container in
// another cluster) and their CPU cost, as the allocations give it, so the
// page can say what its total leaves out. The demo's checkout/checkout-api
// said "$19.91 of CPU" and nothing of its envoy's $1.99.
func TestFunctionsSayWhatCPUCostHasNoProfiles(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	ctx := context.Background()
	before := fixture.Day1.Add(-time.Hour)
	// Pod api-1 gets an envoy sidecar; cluster stage (account 222, not
	// billed yet: priced from the catalog) runs shop/api too, neither with
	// CPU samples.
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "stage", Name: "stage", Provider: "aws", Region: "us-east-1", BillingAccountID: "222"}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "stage", UID: "s1", Name: "s1", InstanceID: "i-2", InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30, ValidFrom: before}}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPods(ctx, []tally.Pod{
		{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-1", UID: "p1"}, NodeName: "n1",
			OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: before,
			Containers: []tally.Container{{Name: "api", Image: "shop/api:1.0", CPURequest: 1, MemoryRequest: 4 << 30},
				{Name: "envoy", Image: "envoyproxy/envoy:v1.30", CPURequest: 0.25, MemoryRequest: 256 << 20}}},
		{Ref: tally.PodRef{Cluster: "stage", Namespace: "shop", Name: "api-s", UID: "ps"}, NodeName: "s1",
			OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: before,
			Containers: []tally.Container{{Name: "api", Image: "shop/api:1.0", CPURequest: 0.5, MemoryRequest: 1 << 30}}},
	}); err != nil {
		t.Fatal(err)
	}
	end := fixture.Day1.Add(48 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: end}, false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Functions: db,
		Now: func() time.Time { return end }, Auth: db, Settings: db, Status: db}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))

	// Each container's CPU cost, as the allocations say it.
	var allocs struct {
		Groups []struct {
			Keys  []string `json:"keys"`
			Total struct {
				CPUCost string `json:"cpuCost"`
			} `json:"total"`
		} `json:"groups"`
	}
	window := "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z"
	get(t, srv.URL+"/api/v1/allocations?step=window&idle=hide&shared=separate&aggregate=cluster,container&window="+window+
		"&filter="+url.QueryEscape(`controller:"shop/api"`), &allocs)
	cpu := map[string]string{}
	for _, g := range allocs.Groups {
		if len(g.Keys) != 2 {
			continue // __idle__, __shared__
		}
		cpu[g.Keys[0]+" "+g.Keys[1]] = g.Total.CPUCost
	}
	envoy, stage := cpu["prod shop/api/envoy"], cpu["stage shop/api/api"]
	if envoy == "" || envoy == "0" || stage == "" || stage == "0" {
		t.Fatalf("the allocations' CPU costs: %v", cpu)
	}
	sum := func(a ...string) string {
		total := tally.Zero("USD")
		for _, s := range a {
			total, _ = total.Add(tally.MustParseMoney(s, "USD"))
		}
		return total.Decimal()
	}

	type money struct{ Amount, Currency string }
	type container struct {
		Cluster, Container string
		CPUCost            money `json:"cpuCost"`
	}
	// Largest first: stage's api requests half a core, envoy a quarter.
	tests := []struct {
		query string
		want  []container
	}{
		{"", []container{{"stage", "api", money{stage, "USD"}}, {"prod", "envoy", money{envoy, "USD"}}}},
		{"&cluster=prod", []container{{"prod", "envoy", money{envoy, "USD"}}}},
		{"&cluster=prod&container=api", nil},
		{"&container=api", []container{{"stage", "api", money{stage, "USD"}}}},
		// An image is one container's: the others are not the view's.
		{"&image=" + url.QueryEscape("shop/api:1.0"), nil},
	}
	for _, tt := range tests {
		var got struct {
			Total      money `json:"total"`
			Unprofiled *struct {
				CPUCost    money       `json:"cpuCost"`
				Containers []container `json:"containers"`
			} `json:"unprofiled"`
		}
		get(t, srv.URL+"/api/v1/functions?workload=shop/api&window="+window+tt.query, &got)
		if got.Unprofiled == nil {
			t.Fatalf("%q: no unprofiled in the view", tt.query)
		}
		var amounts []string
		for _, c := range tt.want {
			amounts = append(amounts, c.CPUCost.Amount)
		}
		want := money{sum(amounts...), "USD"}
		if got.Unprofiled.CPUCost != want || len(got.Unprofiled.Containers) != len(tt.want) {
			t.Errorf("%q: unprofiled %+v, want %v of %+v", tt.query, *got.Unprofiled, want, tt.want)
			continue
		}
		for i, c := range got.Unprofiled.Containers {
			if c != tt.want[i] {
				t.Errorf("%q: container %d = %+v, want %+v", tt.query, i, c, tt.want[i])
			}
		}
		if got.Total.Currency != "USD" || got.Total.Amount == "0" {
			t.Errorf("%q: total %+v, want the profiled api's CPU cost", tt.query, got.Total)
		}
	}
}
