package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestSpotZonePriceNotYetInEffect (a review's finding): README promises unbilled hours
// "are estimated from the catalog at the price in effect in each hour".
// The catalog has had the regional spot price ($0.038, the zones' mean)
// for a month; the first price of zone us-east-1b ($0.041) takes effect
// the day after the hour estimated (the first zone-aware sync after
// upgrading, or a zone that starts offering the type). zonePrice asks
// index.price for the zone's key, which answers a key's first price for an
// hour before it ("or, for an hour before the first, the first"), so the
// hour was estimated at the zone's future price instead of the regional
// price in effect then.
func TestSpotZonePriceNotYetInEffect(t *testing.T) {
	s := newScenario().node("n1", "i-1", 2, 8<<30, 0, t0.Add(-time.Hour), time.Time{})
	n := &s.in.Nodes[0]
	n.Zone, n.Lifecycle = "us-east-1b", tally.LifecycleSpot
	month := t0.AddDate(0, -1, 0)
	price := func(option, zone, amount string, from time.Time) tally.InstancePrice {
		return tally.InstancePrice{Provider: "aws", Region: "us-east-1", Zone: zone, InstanceType: "m5.large", PurchaseOption: option,
			OperatingSystem: "linux", HourlyPrice: usd(amount), VCPUs: 2, MemoryBytes: 8 << 30, EffectiveFrom: from}
	}
	s.in.Prices = []tally.InstancePrice{
		price(tally.PurchaseOnDemand, "", "0.096", month),
		price(tally.PurchaseSpot, "", "0.038", month),
		price(tally.PurchaseSpot, "us-east-1b", "0.041", t0.Add(24*time.Hour)),
	}
	s.in.BilledThrough = map[string]time.Time{"111": t0}
	total := tally.Zero("USD")
	if _, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error {
		for _, a := range as {
			total, _ = total.Add(a.EffectiveCost)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimRight(total.Decimal(), "0") != "0.038" {
		t.Errorf("spot node-hour estimated at %s, want 0.038 (the regional price in effect; us-east-1b's takes effect a day later)", total.Decimal())
	}
}
