package pricing

import (
	"testing"
	"time"
)

func FuzzParsePriceListProduct(f *testing.F) {
	f.Add(`{"product":{"attributes":{"instanceType":"m5.large","vcpu":"2","memory":"8 GiB"}},"terms":{"OnDemand":{"a":{"priceDimensions":{"b":{"unit":"Hrs","pricePerUnit":{"USD":"0.096"}}}}}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		prices, _, err := parsePriceListProduct(doc, "us-east-1", time.Unix(0, 0))
		if err == nil {
			for _, p := range prices {
				if p.HourlyPrice.Currency() != "USD" {
					t.Fatalf("price %+v", p)
				}
			}
		}
	})
}
