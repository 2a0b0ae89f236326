package web_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// aliasServer serves, under aliases, one hour of cluster prod: on node n1
// (pool general, instance i-0aaa) Deployment api in shop ($3, labels
// team=payments, squad=checkout), Deployment api in search ($1, label
// team=search and squad=payments; its pod is annotated team=payments, which
// the label overrides), the bare pod debug in shop ($16, no label or
// annotation); on node n2 (pool gpu, label node.kubernetes.io/instance-type
// g5, instance i-0bbb) StatefulSet db in shop ($2, no label; its pod is
// annotated team=payments) and DaemonSet proxy in kube-system ($8, team
// platform); and each node's idle ($1, $4).
func aliasServer(t *testing.T, aliases attribution.Aliases) string {
	t.Helper()
	return serveAliases(t, aliasDB(t), aliases)
}

// aliasDB stores aliasServer's hour.
func aliasDB(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Name: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	since := fixture.Day1.Add(-24 * time.Hour)
	node := func(name, uid, instance string, labels map[string]string) tally.Node {
		return tally.Node{Cluster: "prod", UID: uid, Name: name, ProviderID: "aws:///us-east-1a/" + instance, InstanceID: instance,
			InstanceType: "m5.xlarge", Region: "us-east-1", Lifecycle: tally.LifecycleOnDemand, CPUCores: 4, MemoryBytes: 16 << 30,
			AllocatableCPU: 4, AllocatableMemory: 16 << 30, Labels: labels, ValidFrom: since}
	}
	// A node n2 that ended before the hour, whose labels are not the hour's.
	gone := node("n2", "u-old", "i-0old", map[string]string{"pool": "general"})
	gone.ValidTo = fixture.Day1.Add(-time.Hour)
	if err := db.UpsertNodes(ctx, []tally.Node{
		node("n1", "u1", "i-0aaa", map[string]string{"pool": "general"}),
		node("n2", "u2", "i-0bbb", map[string]string{"pool": "gpu", "node.kubernetes.io/instance-type": "g5"}),
		gone,
	}); err != nil {
		t.Fatal(err)
	}
	pod := func(ns, name, uid, node string, annotations map[string]string) tally.Pod {
		return tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: ns, Name: name, UID: uid}, NodeName: node, Annotations: annotations,
			ValidFrom: since, Containers: []tally.Container{{Name: "app", CPURequest: 1}}}
	}
	payments := map[string]string{"team": "payments"}
	if err := db.UpsertPods(ctx, []tally.Pod{pod("shop", "api-0", "p-api", "n1", nil), pod("search", "api-0", "p-search", "n1", payments),
		pod("shop", "debug", "p-debug", "n1", nil), pod("shop", "db-0", "p-db", "n2", payments), pod("kube-system", "proxy-x", "p-proxy", "n2", nil)}); err != nil {
		t.Fatal(err)
	}
	alloc := func(node, ns, kind, workload, pod, uid, cost string, labels map[string]string) tally.Allocation {
		a := hourAllocation(node, ns, workload, "app", cost)
		a.WorkloadKind, a.Pod, a.PodUID, a.Labels = kind, pod, uid, labels
		return a
	}
	if err := db.ReplaceAllocations(ctx, tally.HourOf(fixture.Day1).Window(), []tally.Allocation{
		alloc("n1", "shop", tally.KindDeployment, "api", "api-0", "p-api", "3", map[string]string{"team": "payments", "squad": "checkout"}),
		alloc("n1", "search", tally.KindDeployment, "api", "api-0", "p-search", "1", map[string]string{"team": "search", "squad": "payments"}),
		alloc("n1", "shop", tally.KindPod, "debug", "debug", "p-debug", "16", nil),
		alloc("n2", "shop", tally.KindStatefulSet, "db", "db-0", "p-db", "2", nil),
		alloc("n2", "kube-system", tally.KindDaemonSet, "proxy", "proxy-x", "p-proxy", "8", map[string]string{"team": "platform"}),
		hourAllocation("n1", "", "", tally.IdleName, "1"),
		hourAllocation("n2", "", "", tally.IdleName, "4"),
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

// serveAliases serves db's allocations under aliases, as of two days after
// fixture.Day1, to a viewer's token, and returns the server's URL.
func serveAliases(t *testing.T, db *postgres.DB, aliases attribution.Aliases) string {
	t.Helper()
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Auth: db, Settings: db, Aliases: aliases,
		Now: func() time.Time { return fixture.Day1.Add(47 * time.Hour) }}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	return srv.URL
}

// TestOpenCostAliasFilters: OpenCost's alias fields filter by the label
// the organization names (OpenCost's defaults: team, department, env,
// owner, app), else by the pod's annotation of that name, as OpenCost's;
// nodeLabel[KEY] by the labels of the node the allocation ran on in its
// hour; provider by that node's provider ID (its instance), as OpenCost's
// allocations carry it. Each was a 400 (unknown dimension).
func TestOpenCostAliasFilters(t *testing.T) {
	base := aliasServer(t, attribution.Aliases{}) + "/allocation/compute?accumulate=true&includeIdle=false&window=" +
		url.QueryEscape(fixture.Day1.Format(time.RFC3339)+","+fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	for _, tc := range []struct {
		query string
		want  map[string]float64
	}{
		// api's label, and db's annotation (it has no label); not search's
		// annotation, which its label team=search overrides.
		{`filter=team:"payments"`, map[string]float64{"shop": 5}},
		{`filter=team:"payments","search"`, map[string]float64{"shop": 5, "search": 1}},
		{`filter=team!:"payments"`, map[string]float64{"shop": 16, "search": 1, "kube-system": 8}},
		{`filter=team<~:"pay"`, map[string]float64{"shop": 5}},
		{`filter=team:"__unallocated__"`, map[string]float64{"shop": 16}},
		{`filter=team!:""`, map[string]float64{"shop": 5, "search": 1, "kube-system": 8}},
		{`filter=team:"platform"|namespace:"search"`, map[string]float64{"search": 1, "kube-system": 8}},
		{`filter=department:"payments"`, map[string]float64{}},
		// v1: filterTeams is team.
		{`filterTeams=payments,platform`, map[string]float64{"shop": 5, "kube-system": 8}},
		// By OpenCost's aggregate=team: the label, else the annotation.
		{`aggregate=team`, map[string]float64{"payments": 5, "search": 1, "platform": 8, tally.UnallocatedName: 16}},
		{`aggregate=team&filter=namespace:"shop"`, map[string]float64{"payments": 5, tally.UnallocatedName: 16}},
		// The node's labels in the hour (not those of the n2 that ended
		// before it), by key or by its Prometheus name.
		{`filter=nodeLabel[pool]:"gpu"`, map[string]float64{"shop": 2, "kube-system": 8}},
		{`filter=nodeLabel:pool:general`, map[string]float64{"shop": 19, "search": 1}},
		{`filter=nodeLabel[node_kubernetes_io_instance_type]:"g5"`, map[string]float64{"shop": 2, "kube-system": 8}},
		{`filter=nodeLabel:"node.kubernetes.io/instance-type"`, map[string]float64{"shop": 2, "kube-system": 8}},
		{`filter=nodeLabel<~:"node_kubernetes"`, map[string]float64{"shop": 2, "kube-system": 8}},
		{`filter=nodeLabel[pool]!:"gpu"+team:"payments"`, map[string]float64{"shop": 3}},
		// The node's provider ID: its instance.
		{`filter=provider:"i-0aaa"`, map[string]float64{"shop": 19, "search": 1}},
		{`filter=provider!:"i-0aaa"`, map[string]float64{"shop": 2, "kube-system": 8}},
		{`filter=provider:"i-0old"`, map[string]float64{}},
	} {
		u := base
		if !strings.Contains(tc.query, "aggregate=") {
			u += "&aggregate=namespace"
		}
		for _, param := range strings.Split(tc.query, "&") {
			k, v, _ := strings.Cut(param, "=")
			u += "&" + k + "=" + url.QueryEscape(v)
		}
		if got := openCostByName(t, u); !sameTotals(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	// A node filter keeps the node's idle too, as node filters do.
	idle := strings.Replace(base, "includeIdle=false", "includeIdle=true", 1) + "&aggregate=namespace"
	if got, want := openCostByName(t, idle+"&filter="+url.QueryEscape(`nodeLabel[pool]:"gpu"`)),
		(map[string]float64{"shop": 2, "kube-system": 8, tally.IdleName: 4}); !sameTotals(got, want) {
		t.Errorf(`nodeLabel[pool]:"gpu" with idle: %v, want %v`, got, want)
	}
	// namespaceLabel: a 400 saying Tally has no namespace labels.
	var body struct {
		Code    int
		Message string
	}
	resp := get(t, base+"&aggregate=namespace&filter="+url.QueryEscape(`namespaceLabel[team]:"payments"`), &body)
	if raw, _ := json.Marshal(body); resp.StatusCode != 400 || !strings.Contains(body.Message, "Tally does not collect namespace labels") ||
		strings.Contains(body.Message, "unknown dimension") {
		t.Errorf("namespaceLabel: status %d, %s; want 400 saying Tally does not collect namespace labels", resp.StatusCode, raw)
	}
}

// TestAliasLabelConfigured: the label an alias reads is the server's
// (tally serve --team-label squad): team:"payments" is then the squad
// label's payments, on Tally's API (the dashboard's) as on OpenCost's.
func TestAliasLabelConfigured(t *testing.T) {
	srv := aliasServer(t, attribution.Aliases{Team: "squad"})
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	oc := srv + "/allocation/compute?accumulate=true&includeIdle=false&window=" + day
	if got, want := openCostByName(t, oc+"&aggregate=namespace&filter="+url.QueryEscape(`team:"payments"`)), (map[string]float64{"search": 1}); !sameTotals(got, want) {
		t.Errorf(`/allocation/compute team:"payments" with the team label squad: %v, want %v`, got, want)
	}
	if got, want := openCostByName(t, oc+"&aggregate=team"), (map[string]float64{"checkout": 3, "payments": 1, tally.UnallocatedName: 26}); !sameTotals(got, want) {
		t.Errorf(`/allocation/compute by team with the team label squad: %v, want %v`, got, want)
	}
	var v struct {
		Groups []struct {
			Name  string `json:"name"`
			Total struct {
				TotalCost string `json:"totalCost"`
			} `json:"total"`
		} `json:"groups"`
	}
	q := url.Values{"window": {fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339)},
		"aggregate": {"namespace"}, "filter": {`team:"payments"`}, "idle": {"hide"}}
	if resp := get(t, srv+"/api/v1/allocations?"+q.Encode(), &v); resp.StatusCode != 200 {
		t.Fatalf("/api/v1/allocations: status %d", resp.StatusCode)
	}
	got := map[string]string{}
	for _, g := range v.Groups {
		got[g.Name] = g.Total.TotalCost
	}
	if len(got) != 1 || got["search"] == "" {
		t.Errorf(`/api/v1/allocations team:"payments" with the team label squad: %v, want search alone`, got)
	}
}

// TestOpenCostAliasAggregateProperties: an allocation aggregated by an
// alias field (aggregate=team) has the label it read in properties.labels,
// as aggregate=label:team has it and OpenCost keeps it, under the label the
// server names (--team-label squad: squad); one without (__unallocated__)
// has none. Its properties were empty.
func TestOpenCostAliasAggregateProperties(t *testing.T) {
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	for _, tc := range []struct {
		aliases attribution.Aliases
		label   string
	}{{attribution.Aliases{}, "team"}, {attribution.Aliases{Team: "squad"}, "squad"}} {
		sets := openCostSets(t, aliasServer(t, tc.aliases)+"/allocation/compute?accumulate=true&includeIdle=false&aggregate=team&window="+day)
		if len(sets) != 1 {
			t.Fatalf("%d sets, want 1", len(sets))
		}
		for name, a := range sets[0] {
			want := map[string]string{tc.label: name}
			if name == tally.UnallocatedName {
				want = nil
			}
			if got := a.Properties.Labels; !maps.Equal(got, want) {
				t.Errorf("--team-label %q: %s has labels %v, want %v", tc.label, name, got, want)
			}
		}
	}
}

// TestOpenCostAliasFromAnnotation: aggregated by an alias field
// (aggregate=team), an allocation whose pods have the team only as an
// annotation has it in properties.annotations, where OpenCost keeps a pod's
// annotations, not in properties.labels; one whose pods have the label (all
// or some of them) keeps it in labels. The annotation's team was reported
// as a label, {"team": "billing"}, which no pod had.
func TestOpenCostAliasFromAnnotation(t *testing.T) {
	ctx := context.Background()
	db := aliasDB(t)
	// In the hour after aliasServer's: shop's billing-0 ($7), with the
	// annotation team=billing and no labels.
	since := fixture.Day1.Add(-24 * time.Hour)
	if err := db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "billing-0", UID: "p-billing"},
		NodeName: "n1", Annotations: map[string]string{"team": "billing"}, ValidFrom: since,
		Containers: []tally.Container{{Name: "app", CPURequest: 1}}}}); err != nil {
		t.Fatal(err)
	}
	billing := hourAllocation("n1", "shop", "billing", "app", "7")
	billing.Hour++
	billing.WorkloadKind, billing.Pod, billing.PodUID = tally.KindStatefulSet, "billing-0", "p-billing"
	if err := db.ReplaceAllocations(ctx, billing.Hour.Window(), []tally.Allocation{billing}); err != nil {
		t.Fatal(err)
	}
	day := url.QueryEscape(fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(24*time.Hour).Format(time.RFC3339))
	sets := openCostSets(t, serveAliases(t, db, attribution.Aliases{})+"/allocation/compute?accumulate=true&includeIdle=false&aggregate=team&window="+day)
	if len(sets) != 1 {
		t.Fatalf("%d sets, want 1", len(sets))
	}
	want := map[string]struct{ labels, annotations map[string]string }{
		"billing":             {nil, map[string]string{"team": "billing"}},
		"payments":            {map[string]string{"team": "payments"}, nil}, // api's label; db's annotation
		"search":              {map[string]string{"team": "search"}, nil},   // its label, not its pod's annotation
		"platform":            {map[string]string{"team": "platform"}, nil},
		tally.UnallocatedName: {},
	}
	for name, a := range sets[0] {
		w, ok := want[name]
		if !ok {
			t.Errorf("unexpected allocation %s", name)
			continue
		}
		if p := a.Properties; !maps.Equal(p.Labels, w.labels) || !maps.Equal(p.Annotations, w.annotations) {
			t.Errorf("%s: labels %v, annotations %v; want labels %v, annotations %v", name, p.Labels, p.Annotations, w.labels, w.annotations)
		}
	}
}
