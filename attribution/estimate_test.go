package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestSpotEstimateWithoutSpotPrice: a spot node whose type has no spot price
// in the catalog (tally pricing sync aws fetches none) is estimated at the
// on-demand price, and the run says so: otherwise its hours show up to
// three times what spot costs, with nothing to tell why.
func TestSpotEstimateWithoutSpotPrice(t *testing.T) {
	s := newScenario().node("n1", "i-1", 2, 8*gib, 0, t0.Add(-time.Hour), time.Time{})
	s.in.Nodes[0].Lifecycle = tally.LifecycleSpot
	s.in.Prices = []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: tally.PurchaseOnDemand,
		HourlyPrice: usd("0.096")}}
	s.in.BilledThrough = map[string]time.Time{"111": t0}
	var allocs []tally.Allocation
	sum, err := NewEngine(simplePolicy).Run(s.in, func(_ tally.Hour, as []tally.Allocation) error { allocs = append(allocs, as...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	check(t, byKey(allocs), map[string]string{"__idle__/cpu": "0.048", "__idle__/ram": "0.048"})
	if sum.EstimatedNodeHrs != 1 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "no spot price for aws m5.large in us-east-1") ||
		!strings.Contains(sum.Warnings[0], "on-demand price") {
		t.Errorf("summary = %+v, want one estimated node-hour and a warning that spot node n1 is estimated at the on-demand price", sum)
	}
}
