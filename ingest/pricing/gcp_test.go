package pricing_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	billing "cloud.google.com/go/billing/apiv1"
	"cloud.google.com/go/billing/apiv1/billingpb"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

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
	prices, err := pricing.SyncGCP(ctx, client, pricing.GCPOptions{Regions: []string{"us-central1"}})
	if err != nil {
		t.Fatal(err)
	}
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
