package web_test

import (
	"context"
	"iter"
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

// gcpAssetsServer serves GKE cluster gke (billing account 0123-4567-89AB)
// with node n1 (instance gke-n1 of project shop-prod) billed $0.05 an hour
// for a day by the GCP billing export, whose lines say the project.
func gcpAssetsServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	const account = "0123-4567-89AB"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertCluster(ctx, tally.Cluster{ID: "gke", Name: "gke", Provider: tally.ProviderGCP, Region: "us-central1", BillingAccountID: account}))
	must(db.UpsertNodes(ctx, []tally.Node{{Cluster: "gke", UID: "n1", Name: "n1", InstanceID: "gke-n1", ProviderID: "gce://shop-prod/us-central1-a/gke-n1",
		InstanceType: "e2-standard-2", Region: "us-central1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
		ValidFrom: fixture.Day1.Add(-time.Hour)}}))
	run, err := db.StartIngestRun(ctx, "gcp-billing", nil)
	must(err)
	var lines iter.Seq2[*tally.CostLine, error] = func(yield func(*tally.CostLine, error) bool) {
		for h := range 24 {
			s := fixture.Day1.Add(time.Duration(h) * time.Hour)
			l := tally.CostLine{Provider: tally.ProviderGCP, BillingAccountID: account, SubAccountID: "shop-prod", SubAccountName: "Shop Prod",
				ResourceID: "gke-n1", ServiceName: "Compute Engine", ChargeCategory: tally.ChargeUsage,
				BilledCost: usd("0.05"), EffectiveCost: usd("0.05"), ListCost: usd("0.05"),
				BillingPeriodStart: tally.MonthStart(s), BillingPeriodEnd: tally.MonthStart(s).AddDate(0, 1, 0), ChargePeriodStart: s, ChargePeriodEnd: s.Add(time.Hour)}
			if !yield(&l, nil) {
				return
			}
		}
	}
	_, err = db.ReplaceBillingPeriod(ctx, tally.BillingPeriodKey{BillingAccountID: account, Start: tally.MonthStart(fixture.Day1), Source: "gcp-billing"}, run, lines)
	must(err)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	_, err = job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(24 * time.Hour)}, false)
	must(err)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Assets: db, Auth: db, Settings: db,
		Now: func() time.Time { return fixture.Day1.Add(47 * time.Hour) }}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	return srv
}

// TestOpenCostAssetsGCPProject: a GCP asset's project is the one the
// billing export's lines of its resource name (project.id), in its
// properties and key, and assets aggregate and filter by it. It was
// __undefined__ (and a project filter matched nothing).
func TestOpenCostAssetsGCPProject(t *testing.T) {
	srv := gcpAssetsServer(t)
	window := "&window=" + url.QueryEscape(fixture.Day1.Format(time.RFC3339)+","+fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	set := openCostAssetSet(t, srv.URL+"/assets?"+window[1:])
	key := "GCP/0123-4567-89AB/shop-prod/Compute/gke/Node/Kubernetes/gke-n1/n1"
	node, ok := set[key]
	if !ok {
		t.Fatalf("no asset %s in %v", key, keysOf(set))
	}
	if node.Properties.Project != "shop-prod" {
		t.Errorf("node's project %q, want shop-prod", node.Properties.Project)
	}
	if !near(node.TotalCost, 1.2) {
		t.Errorf("node costs $%v, want $1.20", node.TotalCost)
	}
	for _, q := range []string{"aggregate=project", "aggregate=project&filter=" + url.QueryEscape(`project:"shop-prod"`), "aggregate=project&filterProjects=shop-prod"} {
		set := openCostAssetSet(t, srv.URL+"/assets?"+q+window)
		if a, ok := set["shop-prod"]; len(set) != 1 || !ok || !near(a.TotalCost, 1.2) {
			t.Errorf("%s: %v, want shop-prod $1.20", q, keysOf(set))
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
