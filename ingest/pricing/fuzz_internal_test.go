package pricing

import (
	"math"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/billing/apiv1/billingpb"
	"github.com/tallyhq/tally"
)

func FuzzParsePriceListProduct(f *testing.F) {
	f.Add(`{"product":{"attributes":{"instanceType":"m5.large","vcpu":"2","memory":"8 GiB"}},"terms":{"OnDemand":{"a":{"priceDimensions":{"b":{"unit":"Hrs","pricePerUnit":{"USD":"0.096"}}}}}}}`)
	f.Add(`{"product":{"attributes":{"instanceType":"m5.large","vcpu":"2","memory":"8 GiB"}},"terms":{"Reserved":{"a":{"priceDimensions":{"b":{"unit":"Hrs","pricePerUnit":{"USD":"0.02"}},"c":{"unit":"Quantity","pricePerUnit":{"USD":"219"}}},"termAttributes":{"LeaseContractLength":"1yr","OfferingClass":"standard","PurchaseOption":"Partial Upfront"}}}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		prices, _, err := parsePriceListProduct(doc, "us-east-1", time.Unix(0, 0))
		if err == nil {
			for _, p := range prices {
				if p.HourlyPrice.Currency() != "USD" || !usable(p) {
					t.Fatalf("price %+v", p)
				}
			}
		}
	})
}

// usable reports whether p describes a real instance at a real price: a
// finite, positive number of vCPUs, no negative memory, GPUs or price.
func usable(p tally.InstancePrice) bool {
	return p.VCPUs > 0 && !math.IsInf(p.VCPUs, 0) && p.MemoryBytes >= 0 && p.GPUs >= 0 && p.HourlyPrice.Sign() >= 0
}

func FuzzClassifyGCPSku(f *testing.F) {
	f.Add("Spot Preemptible N2D AMD Instance Core running in Americas", "Preemptible")
	f.Add("Commitment v1: Nvidia L4 GPU in Americas for 1 Year", "Commit1Yr")
	f.Add("Commitment: Compute optimized Core running in Americas for 3 Year", "Commit3Yr")
	f.Add("Spot Preemptible N2 Custom Extended Instance Ram running in Paris", "Preemptible")
	f.Add("C4A Arm Instance Core running in Iowa", "OnDemand")
	f.Fuzz(func(t *testing.T, desc, usage string) {
		c, ok := classify(&billingpb.Sku{Description: desc, Category: &billingpb.Category{ResourceFamily: "Compute", UsageType: usage}})
		if !ok {
			return
		}
		if c.family == "" || (c.resource != "cpu" && c.resource != "ram" && c.resource != "ram-ext" && c.resource != "gpu") ||
			c.resource == "ram-ext" && (!strings.HasSuffix(c.family, "-custom") || !strings.Contains(desc, "Extended")) {
			t.Fatalf("%q (%s) = %+v", desc, usage, c)
		}
		switch c.option {
		case tally.PurchaseOnDemand:
			if usage != "OnDemand" || strings.Contains(desc, "Preemptible") || strings.HasPrefix(desc, "Commitment") {
				t.Fatalf("%q (%s) priced on demand", desc, usage)
			}
		case tally.PurchaseSpot:
			if strings.HasPrefix(desc, "Commitment") {
				t.Fatalf("%q (%s) priced spot", desc, usage)
			}
		case "cud-1y", "cud-3y":
			if usage != "Commit"+c.option[4:5]+"Yr" {
				t.Fatalf("%q (%s) priced %s", desc, usage, c.option)
			}
		default:
			t.Fatalf("%q (%s): option %q", desc, usage, c.option)
		}
	})
}
