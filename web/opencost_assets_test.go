package web_test

import (
	"context"
	"encoding/json"
	"iter"
	"math"
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

// The bill of assetsServer, per hour: node n1 (instance i-1) $0.09 ($0.12
// on demand), the cluster's EKS fee $0.10, its volume vol-1 (PV pvc-1 of
// claim shop/data-api-0; 100 GiB, 100/744 GB-Mo an hour of October) $0.01, its load balancer of service shop/api
// $0.02, and an RDS database of nobody's cluster $0.50.
const (
	assetsHours  = 48
	assetsLB     = "arn:aws:elasticloadbalancing:us-east-1:111:loadbalancer/net/k8s-shop-api/abc"
	assetsEKS    = "arn:aws:eks:us-east-1:111:cluster/prod"
	assetsNodeID = "i-1"
)

// assetsServer serves the OneNode fixture (cluster prod, node n1: 2 cores,
// 8 GiB, running shop/api-1) with assetsServer's bill, attributed.
func assetsServer(t *testing.T) *httptest.Server {
	t.Helper()
	db := assetsDB(t)
	now := func() time.Time { return fixture.Day1.Add(47 * time.Hour) }
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Assets: db, Auth: db, Settings: db, Now: now}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	return srv
}

// assetsDB stores the OneNode fixture with assetsServer's bill, attributed.
func assetsDB(t *testing.T) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	key, _ := fixture.OneNode(t, db, 0)
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines iter.Seq2[*tally.CostLine, error] = func(yield func(*tally.CostLine, error) bool) {
		for h := range assetsHours {
			s := fixture.Day1.Add(time.Duration(h) * time.Hour)
			for _, l := range []tally.CostLine{
				{ResourceID: assetsNodeID, ServiceName: "AmazonEC2", BilledCost: usd("0.09"), EffectiveCost: usd("0.09"), ListCost: usd("0.12")},
				{ResourceID: assetsEKS, ServiceName: "AmazonEKS", BilledCost: usd("0.1"), EffectiveCost: usd("0.1"), ListCost: usd("0.1")},
				{ResourceID: "vol-1", ServiceName: "AmazonEC2", ServiceCategory: "Storage", BilledCost: usd("0.01"), EffectiveCost: usd("0.01"),
					ListCost: usd("0.01"), PricingQuantity: 100.0 / 744, PricingUnit: "GB-Mo", Tags: map[string]string{"kubernetes.io/cluster/prod": "owned", "kubernetes.io/created-for/pv/name": "pvc-1",
						"kubernetes.io/created-for/pvc/name": "data-api-0", "kubernetes.io/created-for/pvc/namespace": "shop"}},
				{ResourceID: assetsLB, ServiceName: "Elastic Load Balancing", BilledCost: usd("0.02"), EffectiveCost: usd("0.02"), ListCost: usd("0.02"),
					Tags: map[string]string{"elbv2.k8s.aws/cluster": "prod", "service.k8s.aws/stack": "shop/api"}},
				{ResourceID: "db-1", ServiceName: "AmazonRDS", BilledCost: usd("0.5"), EffectiveCost: usd("0.5"), ListCost: usd("0.5"),
					Tags: map[string]string{"team": "data"}},
			} {
				l.Provider, l.BillingAccountID, l.ChargeCategory = "aws", "111", tally.ChargeUsage
				l.BillingPeriodStart, l.BillingPeriodEnd = tally.MonthStart(s), tally.MonthStart(s).AddDate(0, 1, 0)
				l.ChargePeriodStart, l.ChargePeriodEnd = s, s.Add(time.Hour)
				if !yield(&l, nil) {
					return
				}
			}
		}
	}
	if _, err := db.ReplaceBillingPeriod(ctx, key, run, lines); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(assetsHours * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	return db
}

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

// openCostAsset is an asset of /assets as OpenCost's clients decode it.
type openCostAsset struct {
	Type       string `json:"type"`
	Properties struct {
		Category, Provider, Account, Project, Service, Cluster, Name string
		ProviderID                                                   string `json:"providerID"`
	} `json:"properties"`
	Labels       map[string]string `json:"labels"`
	Window       struct{ Start, End time.Time }
	Start, End   time.Time
	Minutes      float64 `json:"minutes"`
	NodeType     string  `json:"nodeType"`
	CPUCores     float64 `json:"cpuCores"`
	RAMBytes     float64 `json:"ramBytes"`
	CPUCoreHours float64 `json:"cpuCoreHours"`
	CPUBreakdown *struct {
		Idle, Other, System, User float64
	} `json:"cpuBreakdown"`
	RAMBreakdown   *struct{ Idle, Other, System, User float64 } `json:"ramBreakdown"`
	Breakdown      *struct{ Idle, Other, System, User float64 } `json:"breakdown"`
	Discount       float64                                      `json:"discount"`
	CPUCost        float64                                      `json:"cpuCost"`
	RAMCost        float64                                      `json:"ramCost"`
	GPUCost        float64                                      `json:"gpuCost"`
	Adjustment     float64                                      `json:"adjustment"`
	TotalCost      float64                                      `json:"totalCost"`
	Bytes          float64                                      `json:"bytes"`
	ByteHours      float64                                      `json:"byteHours"`
	VolumeName     string                                       `json:"volumeName"`
	ClaimName      string                                       `json:"claimName"`
	ClaimNamespace string                                       `json:"claimNamespace"`
}

// openCostAssetSet is /assets' one set (no step).
func openCostAssetSet(t *testing.T, u string) map[string]openCostAsset {
	t.Helper()
	var got struct {
		Code    int                      `json:"code"`
		Data    map[string]openCostAsset `json:"data"`
		Message string                   `json:"message"`
	}
	if resp := get(t, u, &got); resp.StatusCode != 200 || got.Code != 200 {
		t.Fatalf("GET %s: status %d, %+v", u, resp.StatusCode, got)
	}
	return got.Data
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestOpenCostAssets: /assets answers OpenCost's assets of the clusters'
// bill: the node with its amortized cost by the hour (the allocations' and
// idle's), at on-demand prices less its discount, its capacity and
// properties; the volume, load balancer and EKS fee attributed to the
// cluster; not the database no cluster owns. A window's assets sum to the
// cluster's bill, and its nodes to what /allocation/compute gives them.
// (/assets answered 404: there was no assets API.)
func TestOpenCostAssets(t *testing.T) {
	srv := assetsServer(t)
	window := fixture.Day1.Format(time.RFC3339) + "," + fixture.Day1.Add(assetsHours*time.Hour).Format(time.RFC3339)
	set := openCostAssetSet(t, srv.URL+"/assets?window="+url.QueryEscape(window))

	nodeKey := "AWS/111/__undefined__/Compute/prod/Node/Kubernetes/i-1/n1"
	n, ok := set[nodeKey]
	if !ok {
		t.Fatalf("no asset %s: %v", nodeKey, keys(set))
	}
	p := n.Properties
	if n.Type != "Node" || p.Category != "Compute" || p.Provider != "AWS" || p.Account != "111" || p.Cluster != "prod" ||
		p.Name != "n1" || p.ProviderID != "i-1" || p.Service != "Kubernetes" || n.NodeType != "m5.large" {
		t.Errorf("node %+v", n)
	}
	// 48 hours of a 2-core node at $0.09 ($0.12 on demand: a 25% discount).
	if !near(n.TotalCost, 4.32) || !near(n.CPUCoreHours, 96) || !near(n.CPUCores, 2) || !near(n.RAMBytes, 8<<30) || !near(n.Minutes, 48*60) ||
		!near(n.Discount, 0.25) || !near(n.CPUCost+n.RAMCost, 5.76) || !near((n.CPUCost+n.RAMCost)*(1-n.Discount)+n.GPUCost+n.Adjustment, n.TotalCost) {
		t.Errorf("node costs %+v: want total 4.32, 96 core-hours, 2 cores, 8 GiB, 2880 minutes, discount 0.25 off 5.76", n)
	}
	// api requests 1 of 2 cores (and 4 of 8 GiB): half of each pool is idle.
	if n.CPUBreakdown == nil || !near(n.CPUBreakdown.Idle, 0.5) || !near(n.CPUBreakdown.User, 0.5) || n.RAMBreakdown == nil || !near(n.RAMBreakdown.Idle, 0.5) {
		t.Errorf("node breakdowns cpu %+v ram %+v: want half idle", n.CPUBreakdown, n.RAMBreakdown)
	}

	want := map[string]struct {
		typ, name string
		total     float64
	}{
		"AWS/111/__undefined__/Management/prod/ClusterManagement/Kubernetes/" + assetsEKS + "/" + assetsEKS: {"ClusterManagement", assetsEKS, 4.8},
		"AWS/111/__undefined__/Storage/prod/Disk/Kubernetes/vol-1/pvc-1":                                    {"Disk", "pvc-1", 0.48},
		"AWS/111/__undefined__/Network/prod/LoadBalancer/Kubernetes/" + assetsLB + "/shop/api":              {"LoadBalancer", "shop/api", 0.96},
	}
	var total float64
	for k, a := range set {
		total += a.TotalCost
		if a.Labels == nil {
			t.Errorf("%s: labels null, OpenCost's clients read a map", k)
		}
		if k == nodeKey {
			continue
		}
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected asset %s: %+v", k, a)
			continue
		}
		if a.Type != w.typ || a.Properties.Name != w.name || !near(a.TotalCost, w.total) {
			t.Errorf("%s: %s %s $%v, want %s %s $%v", k, a.Type, a.Properties.Name, a.TotalCost, w.typ, w.name, w.total)
		}
	}
	if len(set) != 4 {
		t.Errorf("%d assets, want 4: %v", len(set), keys(set))
	}
	if d := set["AWS/111/__undefined__/Storage/prod/Disk/Kubernetes/vol-1/pvc-1"]; d.VolumeName != "pvc-1" || d.ClaimName != "data-api-0" ||
		d.ClaimNamespace != "shop" || d.Breakdown == nil {
		t.Errorf("disk %+v: want volume pvc-1 of claim shop/data-api-0, with a breakdown", d)
	}
	// Its size from the bill's GB-months (bytes and byteHours were 0).
	if d := set["AWS/111/__undefined__/Storage/prod/Disk/Kubernetes/vol-1/pvc-1"]; math.Abs(d.Bytes/(100<<30)-1) > 1e-9 ||
		math.Abs(d.ByteHours/(48*100<<30)-1) > 1e-9 {
		t.Errorf("disk of %v bytes, %v byte-hours: want 100 GiB over 48 hours", d.Bytes, d.ByteHours)
	}
	// By the day, and aggregated by type: each day's 24 hours of it.
	var daily struct {
		Data []map[string]openCostAsset `json:"data"`
	}
	if resp := get(t, srv.URL+"/assets?aggregate=type&step=1d&window="+url.QueryEscape(window), &daily); resp.StatusCode != 200 || len(daily.Data) != 2 {
		t.Fatalf("step=1d: status %d, %d sets, want 2", resp.StatusCode, len(daily.Data))
	}
	for i, day := range daily.Data {
		if d := day["Disk"]; math.Abs(d.Bytes/(100<<30)-1) > 1e-9 || math.Abs(d.ByteHours/(24*100<<30)-1) > 1e-9 {
			t.Errorf("day %d: disks of %v bytes, %v byte-hours: want 100 GiB over 24 hours", i, d.Bytes, d.ByteHours)
		}
	}
	// The cluster's bill: 48 hours of $0.09 + $0.10 + $0.01 + $0.02.
	if !near(total, 48*0.22) {
		t.Errorf("assets total $%v, want the cluster's bill $%v", total, 48*0.22)
	}

	// The node's allocations and idle, by node with idle by node, cost
	// what its asset does.
	var got struct {
		Data []map[string]struct {
			Properties                openCostProperties `json:"properties"`
			CPUCost, RAMCost, GPUCost float64
			TotalCost, SharedCost     float64
		} `json:"data"`
	}
	get(t, srv.URL+"/allocation/compute?accumulate=true&aggregate=node&idleByNode=true&window="+url.QueryEscape(window), &got)
	var nodes float64
	for _, a := range got.Data[0] {
		if a.Properties.Node == "n1" {
			nodes += a.CPUCost + a.RAMCost + a.GPUCost
		}
	}
	if !near(nodes, n.TotalCost) {
		t.Errorf("allocations of node n1 cost $%v, its asset $%v", nodes, n.TotalCost)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestOpenCostAssetsAggregate: aggregate, filter and step, as OpenCost's.
func TestOpenCostAssetsAggregate(t *testing.T) {
	srv := assetsServer(t)
	window := "&window=" + url.QueryEscape(fixture.Day1.Format(time.RFC3339)+","+fixture.Day1.Add(assetsHours*time.Hour).Format(time.RFC3339))
	totals := func(set map[string]openCostAsset) map[string]float64 {
		out := map[string]float64{}
		for k, a := range set {
			out[k] = math.Round(a.TotalCost*1e9) / 1e9
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  map[string]float64
	}{
		{"aggregate=type", map[string]float64{"Node": 4.32, "ClusterManagement": 4.8, "Disk": 0.48, "LoadBalancer": 0.96}},
		{"aggregate=cluster", map[string]float64{"prod": 10.56}},
		{"aggregate=category,cluster", map[string]float64{"Compute/prod": 4.32, "Management/prod": 4.8, "Storage/prod": 0.48, "Network/prod": 0.96}},
		{"aggregate=label:kubernetes.io/created-for/pvc/namespace", map[string]float64{"kubernetes.io/created-for/pvc/namespace=shop": 0.48, "__undefined__": 10.08}},
		{"aggregate=type&filter=" + url.QueryEscape(`assetType:"node"`), map[string]float64{"Node": 4.32}},
		{"aggregate=type&filter=" + url.QueryEscape(`assetType:"disk","loadbalancer"+cluster:"prod"`), map[string]float64{"Disk": 0.48, "LoadBalancer": 0.96}},
		{`aggregate=type&filter=assetType:%22disk%22,%22loadbalancer%22+cluster:%22prod%22`, map[string]float64{"Disk": 0.48, "LoadBalancer": 0.96}}, // + left bare
		{"aggregate=type&filterTypes=Disk,ClusterManagement", map[string]float64{"Disk": 0.48, "ClusterManagement": 4.8}},
		{"aggregate=type&filter=" + url.QueryEscape(`cluster:"staging"`), map[string]float64{}},
		// The rest of OpenCost's language: operators, |, parentheses.
		{"aggregate=type&filter=" + url.QueryEscape(`assetType:"node" | (assetType<~:"dis" + cluster!:"staging")`), map[string]float64{"Node": 4.32, "Disk": 0.48}},
		{"aggregate=type&filter=" + url.QueryEscape(`assetType!~:"a","o"`), map[string]float64{"Disk": 0.48}},
		// OpenCost's cluster parameter (a comma list) is a filter ANDed with filter's.
		{"aggregate=type&cluster=staging", map[string]float64{}},
		{"aggregate=type&cluster=staging,prod&filter=" + url.QueryEscape(`assetType:"node"`), map[string]float64{"Node": 4.32}},
	} {
		got := totals(openCostAssetSet(t, srv.URL+"/assets?"+tc.query+window))
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
			continue
		}
		for k, v := range tc.want {
			if !near(got[k], v) {
				t.Errorf("%s: %s = %v, want %v (all %v)", tc.query, k, got[k], v, got)
			}
		}
	}
	// An aggregate of one type keeps the type's fields; of several, none.
	set := openCostAssetSet(t, srv.URL+"/assets?aggregate=cluster"+window)
	if a := set["prod"]; a.Type != "" || a.Properties.Cluster != "prod" || a.Properties.Name != "" {
		t.Errorf("aggregate=cluster: %+v: want no type, cluster prod, no name", a)
	}

	// With a step, a set per step.
	var stepped struct {
		Data []map[string]openCostAsset `json:"data"`
	}
	if resp := get(t, srv.URL+"/assets?aggregate=type&step=1d"+window, &stepped); resp.StatusCode != 200 || len(stepped.Data) != 2 {
		t.Fatalf("step=1d: status %d, %d sets, want 2", resp.StatusCode, len(stepped.Data))
	}
	for i, set := range stepped.Data {
		if n := set["Node"]; !near(n.TotalCost, 2.16) || !n.Window.Start.Equal(fixture.Day1.Add(time.Duration(i)*24*time.Hour)) || !near(n.CPUCoreHours, 48) {
			t.Errorf("step %d: node %+v, want $2.16 and 48 core-hours from day %d", i, n, i+1)
		}
	}

	// accumulate of a calendar period (OpenCost's day, week, month…): a set
	// per period the window touches, the period whole. (They were refused.)
	for _, tc := range []struct {
		query string
		sets  int
		node  float64
		start time.Time
	}{
		{"accumulate=day", 2, 2.16, fixture.Day1},
		{"accumulate=week", 1, 4.32, fixture.Day1.AddDate(0, 0, -1)}, // Day1 is a Monday; weeks start on Sunday
		{"accumulateBy=month", 1, 4.32, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)},
	} {
		var sets struct {
			Data []map[string]openCostAsset `json:"data"`
		}
		if resp := get(t, srv.URL+"/assets?aggregate=type&"+tc.query+window, &sets); resp.StatusCode != 200 || len(sets.Data) != tc.sets {
			t.Errorf("%s: status %d, %d sets, want %d", tc.query, resp.StatusCode, len(sets.Data), tc.sets)
			continue
		}
		for i, set := range sets.Data {
			if n := set["Node"]; !near(n.TotalCost, tc.node) || !n.Window.Start.Equal(tc.start.AddDate(0, 0, i)) {
				t.Errorf("%s: set %d: node $%v from %v, want $%v from %v", tc.query, i, n.TotalCost, n.Window.Start, tc.node, tc.start.AddDate(0, 0, i))
			}
		}
	}

	for _, tc := range []struct{ query, want string }{
		{"aggregate=namespace", `aggregate "namespace"`},
		{"filter=" + url.QueryEscape(`namespace:"shop"`), `filter "namespace:\"shop\"": position 1: "namespace": want type`},
		{"filterLabels=team", `filterLabels "team"`},
		{"accumulate=fortnight", `accumulate "fortnight"`},
		{"step=90m", `step 1h30m0s`},
		{"window=2026-01-01T00:00:00Z,2026-06-01T00:00:00Z", `assets are read from the hourly allocations and cover at most 92 days`},
	} {
		var body struct {
			Code    int
			Message string
		}
		resp := get(t, srv.URL+"/assets?"+tc.query+window, &body)
		raw, _ := json.Marshal(body)
		if resp.StatusCode != 400 || body.Code != 400 || !strings.Contains(body.Message, tc.want) {
			t.Errorf("%s: status %d, %s; want 400 naming %s", tc.query, resp.StatusCode, raw, tc.want)
		}
	}
}

// TestOpenCostAssetsDecode: every asset carries what OpenCost's own decoder
// reads without checking (a node's cpuBreakdown and ramBreakdown, a disk's
// breakdown, labels and properties objects): it panics on their absence.
func TestOpenCostAssetsDecode(t *testing.T) {
	srv := assetsServer(t)
	var raw struct {
		Data map[string]map[string]json.RawMessage `json:"data"`
	}
	get(t, srv.URL+"/assets?window=2d", &raw)
	if len(raw.Data) == 0 {
		t.Fatal("no assets")
	}
	for k, a := range raw.Data {
		need := []string{"properties", "labels", "window", "start", "end", "minutes", "adjustment", "totalCost", "type"}
		switch {
		case strings.Contains(k, "/Node/"):
			need = append(need, "cpuBreakdown", "ramBreakdown", "cpuCost", "ramCost", "gpuCost", "discount", "cpuCores", "ramBytes")
		case strings.Contains(k, "/Disk/"):
			need = append(need, "breakdown", "byteHours")
		}
		for _, f := range need {
			if v, ok := a[f]; !ok || string(v) == "null" {
				t.Errorf("%s: no %s", k, f)
			}
		}
	}
}
