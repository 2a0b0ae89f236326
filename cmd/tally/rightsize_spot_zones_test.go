package main

import (
	"testing"

	"github.com/tallyhq/tally"
)

// TestSpotInZones: a node group's spot offers are the mean of its zones'
// spot prices, a zone without one at the region's mean; on-demand prices
// and groups of no known zone keep the region's. Node plans priced every
// group's spot nodes at the region's mean, a group in the dearest zone
// too.
func TestSpotInZones(t *testing.T) {
	price := func(option, zone, amount string) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", Zone: zone, InstanceType: "m5.large", PurchaseOption: option,
			OperatingSystem: "linux", HourlyPrice: tally.MustParseMoney(amount, "USD")}
	}
	prices := []tally.InstancePrice{
		price(tally.PurchaseOnDemand, "", "0.096"),
		price(tally.PurchaseSpot, "", "0.038"),
		price(tally.PurchaseSpot, "us-east-1a", "0.035"),
		price(tally.PurchaseSpot, "us-east-1b", "0.041"),
	}
	for _, tt := range []struct {
		zones []string
		spot  string
	}{
		{nil, "0.038"},
		{[]string{"us-east-1b"}, "0.041"},
		{[]string{"us-east-1a", "us-east-1b"}, "0.038"},
		{[]string{"us-east-1b", "us-east-1c"}, "0.0395"}, // 1c has no price: the region's 0.038
	} {
		got, err := spotInZones(prices, tt.zones)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].HourlyPrice.Decimal() != "0.096" || got[1].HourlyPrice.Decimal() != tt.spot || got[1].Zone != "" {
			t.Errorf("zones %v: %+v, want on-demand 0.096 and spot %s, region-wide", tt.zones, got, tt.spot)
		}
	}
}
