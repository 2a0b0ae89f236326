package commitments

import (
	"testing"

	"github.com/tallyhq/tally"
)

// TestFlexibleCUDWithoutRegionCoversUsage: Offer says that empty scope
// fields match anything, and a Compute flexible (spend-based) CUD applies
// across regions. A held flexible CUD whose bill names no region (stored
// with no region scope, InventoryFromBilling) covered nothing: Covers
// compared its empty region with the usage's, so Recommend and the
// backtest took it for unused and recommended buying the usage again.
func TestFlexibleCUDWithoutRegionCoversUsage(t *testing.T) {
	o := OfferOf(tally.Commitment{Provider: "gcp", Kind: tally.CommitCUDFlexible, TermMonths: 12, Scope: map[string]string{}})
	s := Stream{Provider: "gcp", Region: "us-central1", InstanceType: "n2-compute"}
	if !o.Covers(s) {
		t.Errorf("%s does not cover %s", o, s)
	}
}
