package pricing

import (
	"math"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func FuzzParsePriceListProduct(f *testing.F) {
	f.Add(`{"product":{"attributes":{"instanceType":"m5.large","vcpu":"2","memory":"8 GiB"}},"terms":{"OnDemand":{"a":{"priceDimensions":{"b":{"unit":"Hrs","pricePerUnit":{"USD":"0.096"}}}}}}}`)
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
