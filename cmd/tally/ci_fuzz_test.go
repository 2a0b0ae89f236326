package main

import (
	"math"
	"testing"
)

// FuzzDecodeCostRate: any answer either decodes to a usable rate or is an error.
func FuzzDecodeCostRate(f *testing.F) {
	f.Add([]byte(`{"workload":"shop/checkout","currency":"USD","corehourCost":"0.0213","coreHoursPerYear":12345.6,"window":{"start":"2026-10-01T00:00:00Z","end":"2026-10-31T00:00:00Z"}}`))
	f.Add([]byte(`{"workload":"shop/checkout","currency":"usd","corehourCost":"-1","coreHoursPerYear":1}`))
	f.Add([]byte(`{"workload":"shop/checkout","currency":"USD","corehourCost":"1e400","coreHoursPerYear":1e400}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		rate, err := decodeCostRate(body, "shop/checkout", "http://tally")
		if err != nil {
			return
		}
		p, err := rate.Price()
		if err != nil || p.Sign() < 0 || p.Currency() == "" || math.IsNaN(rate.CoreHoursPerYear) || math.IsInf(rate.CoreHoursPerYear, 0) || rate.CoreHoursPerYear < 0 {
			t.Fatalf("accepted an unusable rate %+v (price %v, %v)", rate, p, err)
		}
	})
}
