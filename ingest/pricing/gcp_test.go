package pricing_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	billing "cloud.google.com/go/billing/apiv1"
	"cloud.google.com/go/billing/apiv1/billingpb"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/pricing"
)

// catalog is an in-process CloudCatalog gRPC server with a few Compute
// Engine SKUs, served two per page.
type catalog struct {
	billingpb.UnimplementedCloudCatalogServer
	skus []*billingpb.Sku
}

func (c *catalog) ListSkus(ctx context.Context, req *billingpb.ListSkusRequest) (*billingpb.ListSkusResponse, error) {
	if req.Parent != pricing.ComputeEngineService {
		return &billingpb.ListSkusResponse{}, nil
	}
	start := 0
	if req.PageToken != "" {
		start, _ = strconv.Atoi(req.PageToken)
	}
	end := min(start+2, len(c.skus))
	resp := &billingpb.ListSkusResponse{Skus: c.skus[start:end]}
	if end < len(c.skus) {
		resp.NextPageToken = strconv.Itoa(end)
	}
	return resp, nil
}

func sku(id, desc, usage, unit string, units int64, nanos int32, regions ...string) *billingpb.Sku {
	return &billingpb.Sku{
		Name: "services/6F81-5844-456A/skus/" + id, SkuId: id, Description: desc,
		Category:       &billingpb.Category{ServiceDisplayName: "Compute Engine", ResourceFamily: "Compute", ResourceGroup: "CPU", UsageType: usage},
		ServiceRegions: regions,
		PricingInfo: []*billingpb.PricingInfo{{PricingExpression: &billingpb.PricingExpression{UsageUnit: unit, TieredRates: []*billingpb.PricingExpression_TierRate{
			{StartUsageAmount: 0, UnitPrice: &money.Money{CurrencyCode: "USD", Units: units, Nanos: nanos}}}}}},
	}
}

func TestSyncGCP(t *testing.T) {
	cat := &catalog{skus: []*billingpb.Sku{
		sku("CF4E", "N2 Instance Core running in Americas", "OnDemand", "h", 0, 31611000, "us-central1", "us-east1"),
		sku("F449", "N2 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4237000, "us-central1", "us-east1"),
		sku("S1", "Spot Preemptible N2 Instance Core running in Americas", "Preemptible", "h", 0, 7650000, "us-central1"),
		sku("S2", "Spot Preemptible N2 Instance Ram running in Americas", "Preemptible", "GiBy.h", 0, 1025000, "us-central1"),
		sku("C1", "Commitment v1: N2 Cpu in Americas for 1 Year", "Commit1Yr", "h", 0, 19915000, "us-central1"),
		sku("C2", "Commitment v1: N2 Ram in Americas for 1 Year", "Commit1Yr", "GiBy.h", 0, 2669000, "us-central1"),
		sku("N1", "N1 Predefined Instance Core running in Americas", "OnDemand", "h", 0, 31611000, "us-central1"),
		sku("N1R", "N1 Predefined Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4237000, "us-central1"),
		sku("X", "Network Internet Egress", "OnDemand", "GiBy", 0, 120000000, "us-central1"),
	}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	billingpb.RegisterCloudCatalogServer(srv, cat)
	go srv.Serve(lis)
	defer srv.Stop()
	ctx := context.Background()
	client, err := billing.NewCloudCatalogClient(ctx, option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	synced, err := pricing.SyncGCP(ctx, client, pricing.GCPOptions{Regions: []string{"us-central1"}})
	if err != nil {
		t.Fatal(err)
	}
	prices := synced.Prices
	got := map[string]string{}
	for _, p := range prices {
		got[p.InstanceType+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
		if p.Region != "us-central1" {
			t.Fatalf("region %s", p.Region)
		}
	}
	want := map[string]string{
		"n2-standard-4 on-demand": "0.194236",   // 4 × 0.031611 + 16 × 0.004237
		"n2-standard-4 spot":      "0.0470",     // 4 × 0.00765 + 16 × 0.001025
		"n2-standard-4 cud-1y":    "0.122364",   // 4 × 0.019915 + 16 × 0.002669
		"n2-highmem-2 on-demand":  "0.131014",   // 2 × 0.031611 + 16 × 0.004237
		"n1-standard-1 on-demand": "0.04749975", // 0.031611 + 3.75 × 0.004237
	}
	for k, v := range want {
		if got[k] != v && got[k]+"0" != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
}

// serveCatalog serves skus as the Cloud Billing Catalog API on a local port
// and returns a client of it.
func serveCatalog(t *testing.T, skus ...*billingpb.Sku) *billing.CloudCatalogClient {
	t.Helper()
	return serveCatalogOf(t, &catalog{skus: skus})
}

// serveCatalogOf serves cat as the Cloud Billing Catalog API on a local
// port and returns a client of it.
func serveCatalogOf(t *testing.T, cat billingpb.CloudCatalogServer) *billing.CloudCatalogClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	billingpb.RegisterCloudCatalogServer(srv, cat)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	client, err := billing.NewCloudCatalogClient(context.Background(), option.WithEndpoint(lis.Addr().String()), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// TestSyncGCPGPUMachineTypes: accelerator-optimized machine types (a2, a3,
// g2) are priced from their family's core and RAM SKUs plus their attached
// GPUs' SKUs, as many GPUs as the machine type has, on demand and spot; a
// machine type whose GPU has no price in the catalog is not priced (a price
// without its GPUs would be a fraction of what it costs). C2's SKUs, named
// "Compute optimized", price the c2 machine types.
func TestSyncGCPGPUMachineTypes(t *testing.T) {
	gpu := func(id, desc, usage string, units int64, nanos int32) *billingpb.Sku {
		s := sku(id, desc, usage, "h", units, nanos, "us-central1")
		s.Category.ResourceGroup = "GPU"
		return s
	}
	client := serveCatalog(t,
		sku("A2C", "A2 Instance Core running in Americas", "OnDemand", "h", 0, 31611000, "us-central1"),
		sku("A2R", "A2 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4237000, "us-central1"),
		sku("A2CS", "Spot Preemptible A2 Instance Core running in Americas", "Preemptible", "h", 0, 10000000, "us-central1"),
		sku("A2RS", "Spot Preemptible A2 Instance Ram running in Americas", "Preemptible", "GiBy.h", 0, 1000000, "us-central1"),
		gpu("A100", "Nvidia Tesla A100 GPU running in Americas", "OnDemand", 2, 933908000),
		gpu("A100S", "Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in Americas", "Preemptible", 1, 0),
		gpu("A100C", "Commitment v1: Nvidia Tesla A100 GPU in Americas for 1 Year", "Commit1Yr", 1, 848000000),
		gpu("A80", "Nvidia Tesla A100 80GB GPU running in Americas", "OnDemand", 3, 927000000),
		sku("A3C", "A3 Instance Core running in Americas", "OnDemand", "h", 0, 29000000, "us-central1"),
		sku("A3R", "A3 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 2500000, "us-central1"),
		gpu("H100", "Nvidia H100 80GB GPU running in Americas", "OnDemand", 10, 0),
		sku("G2C", "G2 Instance Core running in Americas", "OnDemand", "h", 0, 24000000, "us-central1"),
		sku("G2R", "G2 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 3000000, "us-central1"),
		gpu("L4", "Nvidia L4 GPU running in Americas", "OnDemand", 0, 560000000),
		sku("C2C", "Compute optimized Core running in Americas", "OnDemand", "h", 0, 33982000, "us-central1"),
		sku("C2R", "Compute optimized Ram running in Americas", "OnDemand", "GiBy.h", 0, 4555000, "us-central1"),
	)
	synced, err := pricing.SyncGCP(context.Background(), client, pricing.GCPOptions{Regions: []string{"us-central1"}})
	if err != nil {
		t.Fatal(err)
	}
	prices := synced.Prices
	got, gpus := map[string]string{}, map[string]int{}
	for _, p := range prices {
		got[p.InstanceType+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
		gpus[p.InstanceType] = p.GPUs
	}
	want := map[string]string{
		"a2-highgpu-1g on-demand":  "3.673385", // 12 × 0.031611 + 85 × 0.004237 + 2.933908
		"a2-highgpu-8g on-demand":  "29.38708", // 96 × 0.031611 + 680 × 0.004237 + 8 × 2.933908
		"a2-highgpu-1g spot":       "1.205",    // 12 × 0.01 + 85 × 0.001 + 1
		"a2-ultragpu-1g on-demand": "5.026622", // 12 × 0.031611 + 170 × 0.004237 + 3.927
		"a3-highgpu-8g on-demand":  "90.712",   // 208 × 0.029 + 1872 × 0.0025 + 8 × 10
		"g2-standard-4 on-demand":  "0.704",    // 4 × 0.024 + 16 × 0.003 + 0.56
		"g2-standard-24 on-demand": "1.984",    // 24 × 0.024 + 96 × 0.003 + 2 × 0.56
		"g2-standard-96 on-demand": "7.936",    // 96 × 0.024 + 384 × 0.003 + 8 × 0.56
		"c2-standard-4 on-demand":  "0.208808", // 4 × 0.033982 + 16 × 0.004555
	}
	for k, v := range want {
		if g := strings.TrimRight(got[k], "0"); g != strings.TrimRight(v, "0") {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	for k, n := range map[string]int{"a2-highgpu-1g": 1, "a2-highgpu-8g": 8, "a2-megagpu-16g": 16, "a2-ultragpu-8g": 8, "a3-highgpu-8g": 8, "g2-standard-4": 1, "g2-standard-48": 4} {
		if gpus[k] != n {
			t.Errorf("%s has %d GPUs, want %d", k, gpus[k], n)
		}
	}
	// No A100 commitment price without the A2 cores' and RAM's commitment
	// prices; no spot a3 or g2 price without their GPUs' spot prices.
	for _, k := range []string{"a2-highgpu-1g cud-1y", "a2-ultragpu-1g spot", "a3-highgpu-8g spot", "g2-standard-4 spot"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s = %s, want none", k, v)
		}
	}
}

// TestSyncGCPUnitPrices: the sync returns the on-demand and spot unit
// prices of every family in the regions asked for, those whose shapes Tally
// does not list (c4, m3) and custom machine types' (n2-custom, extended
// memory apart) included, and GPU models'; not commitments' (estimates
// never use them), nor other regions'. Families without known shapes get
// no machine-type price.
func TestSyncGCPUnitPrices(t *testing.T) {
	client := serveCatalog(t,
		sku("C4C", "C4 Instance Core running in Americas", "OnDemand", "h", 0, 34690000, "us-central1", "us-east1"),
		sku("C4R", "C4 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4060000, "us-central1", "us-east1"),
		sku("C4CS", "Spot Preemptible C4 Instance Core running in Americas", "Preemptible", "h", 0, 10000000, "us-central1"),
		sku("C4CC", "Commitment v1: C4 Cpu in Americas for 1 Year", "Commit1Yr", "h", 0, 21850000, "us-central1"),
		sku("N2CC", "N2 Custom Instance Core running in Americas", "OnDemand", "h", 0, 33191550, "us-central1"),
		sku("N2CR", "N2 Custom Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4448850, "us-central1"),
		sku("N2CE", "N2 Custom Extended Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 9550000, "us-central1"),
		sku("M3C", "M3 Memory-optimized Instance Core running in Americas", "OnDemand", "h", 0, 34800000, "us-central1"),
		sku("M3R", "M3 Memory-optimized Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 5100000, "us-central1"),
		sku("L4", "Nvidia L4 GPU running in Americas", "OnDemand", "h", 0, 560000000, "us-central1"),
		sku("C4E", "C4 Instance Core running in EMEA", "OnDemand", "h", 0, 38000000, "europe-west1"),
	)
	synced, err := pricing.SyncGCP(context.Background(), client, pricing.GCPOptions{Regions: []string{"us-central1", "us-east1"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range synced.Units {
		if u.Provider != "gcp" || u.Source != pricing.SourceGCPCatalog || u.EffectiveFrom.IsZero() || u.Price.Currency() != "USD" {
			t.Errorf("unit price %+v", u)
		}
		got[u.Region+" "+u.Family+" "+u.Unit+" "+u.PurchaseOption] = strings.TrimRight(u.Price.Decimal(), "0")
	}
	want := map[string]string{
		"us-central1 c4 vcpu on-demand":                       "0.03469",
		"us-central1 c4 memory-gib on-demand":                 "0.00406",
		"us-east1 c4 vcpu on-demand":                          "0.03469",
		"us-east1 c4 memory-gib on-demand":                    "0.00406",
		"us-central1 c4 vcpu spot":                            "0.01",
		"us-central1 n2-custom vcpu on-demand":                "0.03319155",
		"us-central1 n2-custom memory-gib on-demand":          "0.00444885",
		"us-central1 n2-custom extended-memory-gib on-demand": "0.00955",
		"us-central1 m3 vcpu on-demand":                       "0.0348",
		"us-central1 m3 memory-gib on-demand":                 "0.0051",
		"us-central1 l4 gpu on-demand":                        "0.56",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %s", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unit prices %v, want only %v", got, want)
	}
	for _, p := range synced.Prices {
		if strings.HasPrefix(p.InstanceType, "c4-") || strings.HasPrefix(p.InstanceType, "m3-") || strings.Contains(p.InstanceType, "custom") {
			t.Errorf("price of %s: its shape is not known", p.InstanceType)
		}
	}
}

// TestSyncGCPRegionWithoutPrices: a region the catalog has no Compute
// Engine price in (a typo) fails the sync, named; it was skipped, and the
// sync of the others said nothing of it.
func TestSyncGCPRegionWithoutPrices(t *testing.T) {
	client := serveCatalog(t,
		sku("CF4E", "N2 Instance Core running in Americas", "OnDemand", "h", 0, 31611000, "us-central1"),
		sku("F449", "N2 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4237000, "us-central1"),
		sku("X", "Network Internet Egress", "OnDemand", "GiBy", 0, 120000000, "us-cenrtal1"),
	)
	synced, err := pricing.SyncGCP(context.Background(), client, pricing.GCPOptions{Regions: []string{"us-central1", "us-cenrtal1"}})
	want := `gcp catalog: region "us-cenrtal1" has no Compute Engine core, RAM or GPU price: is the region code right (as in us-central1)?`
	if err == nil || err.Error() != want {
		t.Fatalf("%d prices, error %v\nwant %s", len(synced.Prices), err, want)
	}
	if tally.ErrorCode(err) != tally.ENotFound {
		t.Errorf("error code %q, want %q", tally.ErrorCode(err), tally.ENotFound)
	}
}

// flakyCatalog is catalog answering its first fails ListSkus calls with
// code, as the Cloud Billing Catalog API answers a caller over its quota
// (RESOURCE_EXHAUSTED) or while it is briefly down (UNAVAILABLE).
type flakyCatalog struct {
	catalog
	code  codes.Code
	mu    sync.Mutex
	fails int
	calls int
}

func (c *flakyCatalog) ListSkus(ctx context.Context, req *billingpb.ListSkusRequest) (*billingpb.ListSkusResponse, error) {
	c.mu.Lock()
	c.calls++
	fail := c.calls > 1 && c.fails > 0 // the second page, and those after it
	if fail {
		c.fails--
	}
	c.mu.Unlock()
	if fail {
		return nil, status.Error(c.code, "Quota exceeded for quota metric 'Read requests' of service 'cloudbilling.googleapis.com'")
	}
	return c.catalog.ListSkus(ctx, req)
}

// TestSyncGCPRetriesThrottling: a page the Catalog API refuses for quota
// (RESOURCE_EXHAUSTED) or while briefly unavailable is asked for again,
// waiting longer each time, up to ten attempts, each retry logged; the
// client's defaults retry nothing, so one throttled page of a sync's tens
// failed it whole. A page still refused after ten attempts fails the sync,
// saying how many attempts were made.
func TestSyncGCPRetriesThrottling(t *testing.T) {
	skus := []*billingpb.Sku{
		sku("CF4E", "N2 Instance Core running in Americas", "OnDemand", "h", 0, 31611000, "us-central1"),
		sku("F449", "N2 Instance Ram running in Americas", "OnDemand", "GiBy.h", 0, 4237000, "us-central1"),
		sku("C1", "Commitment v1: N2 Cpu in Americas for 1 Year", "Commit1Yr", "h", 0, 19915000, "us-central1"),
		sku("C2", "Commitment v1: N2 Ram in Americas for 1 Year", "Commit1Yr", "GiBy.h", 0, 2669000, "us-central1"),
	}
	for _, tc := range []struct {
		code    codes.Code
		fails   int
		wantErr string
	}{
		{codes.ResourceExhausted, 4, ""},
		{codes.Unavailable, 2, ""},
		{codes.ResourceExhausted, 10, "gcp catalog: list skus: page 2: refused 10 times, the last: rpc error: code = ResourceExhausted desc = Quota exceeded"},
	} {
		client := serveCatalogOf(t, &flakyCatalog{catalog: catalog{skus: skus}, code: tc.code, fails: tc.fails})
		var logged bytes.Buffer
		synced, err := pricing.SyncGCP(context.Background(), client, pricing.GCPOptions{Regions: []string{"us-central1"}, MaxBackoff: 5 * time.Millisecond,
			Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if tc.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("%s ×%d: err %v, want %q…", tc.code, tc.fails, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s ×%d: %v", tc.code, tc.fails, err)
			continue
		}
		if len(synced.Prices) == 0 {
			t.Errorf("%s ×%d: no prices", tc.code, tc.fails)
		}
		want := fmt.Sprintf(`level=WARN msg="gcp catalog refused a page; retrying" page=2 attempt=%d of=10 `, tc.fails)
		if !strings.Contains(logged.String(), want) {
			t.Errorf("%s ×%d: log lacks %s:\n%s", tc.code, tc.fails, want, logged.String())
		}
	}
}
