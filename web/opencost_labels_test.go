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

// TestOpenCostSanitizedLabelKeys: OpenCost reads labels from Prometheus,
// whose label names have every character outside [a-zA-Z0-9_] made an
// underscore, so its clients aggregate and filter by
// label:app_kubernetes_io_name. That named no label (every cost was
// __unallocated__, and a filter matched nothing): it is the label
// app.kubernetes.io/name, under the key the client asked for.
func TestOpenCostSanitizedLabelKeys(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	if err := db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-1", UID: "p1"}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: fixture.Day1.Add(-time.Hour),
		Labels:     map[string]string{"app": "api", "app.kubernetes.io/name": "shop-api"},
		Containers: []tally.Container{{Name: "api", Image: "shop/api:1.0", CPURequest: 1, MemoryRequest: 4 << 30}}}}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Auth: db, Settings: db,
		Now: func() time.Time { return fixture.Day1.Add(47 * time.Hour) }}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))

	// Whole days (the daily rollups) and hours (the hourly allocations).
	for _, window := range []string{"2026-10-05T00:00:00Z,2026-10-07T00:00:00Z", "2026-10-05T06:00:00Z,2026-10-06T06:00:00Z"} {
		for _, q := range []url.Values{
			{"window": {window}, "aggregate": {"label:app_kubernetes_io_name"}},
			{"window": {window}, "aggregate": {"label:app_kubernetes_io_name"}, "filter": {`label[app_kubernetes_io_name]:"shop-api"`}},
		} {
			set := openCostSet(t, srv.URL+"/allocation/compute?"+q.Encode())
			a, ok := set["app_kubernetes_io_name=shop-api"]
			if !ok || a.Properties.Labels["app_kubernetes_io_name"] != "shop-api" {
				names := []string{}
				for n := range set {
					names = append(names, n)
				}
				t.Errorf("%s: allocations %v, want app_kubernetes_io_name=shop-api with labels {app_kubernetes_io_name: shop-api} (got %+v)", q.Encode(), names, a.Properties)
			}
		}
	}
}

// TestOpenCostLabelNames: an allocation aggregated by a label is named
// key=value, as OpenCost's (team=pay; by namespace and label, shop/team=pay),
// what has no such label __unallocated__. They were named by the value
// alone (pay), which OpenCost's clients, matching names such as
// "team=pay", did not find.
func TestOpenCostLabelNames(t *testing.T) {
	srv := filterServer(t)
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	for agg, want := range map[string][]string{
		"label:team":           {"team=pay", "team=find", "team=platform", "__unallocated__", "__idle__"},
		"namespace,label:team": {"shop/team=pay", "search/team=find", "kube-system/team=platform", "shop/__unallocated__", "__idle__"},
	} {
		set := openCostSet(t, srv.URL+"/allocation/compute?accumulate=true&window="+day+"&aggregate="+agg)
		for _, name := range want {
			if _, ok := set[name]; !ok {
				names := []string{}
				for n := range set {
					names = append(names, n)
				}
				t.Errorf("aggregate=%s: no allocation %q among %v", agg, name, names)
			}
		}
		if len(set) != len(want) {
			t.Errorf("aggregate=%s: %d allocations, want %d (%v)", agg, len(set), len(want), want)
		}
	}
}
