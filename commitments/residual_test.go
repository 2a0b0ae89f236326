package commitments

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestResidualCountsHeldCapacityOnce: a pool's planned position is all it
// will hold, what is in force included (plan plans max(target, existing)).
// A held EC2 Instance Savings Plan covering 5/h of the 10/h of m5 usage,
// planned at that level, leaves the Compute Savings Plan pool 5/h. Counting
// the held plan and the planned one both, residual left it nothing.
func TestResidualCountsHeldCapacityOnce(t *testing.T) {
	u := flatUsage(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 10, "USD") // 10/h of m5.xlarge in eu-west-1
	ec2 := Offer{Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 12, Payment: NoUpfront, Region: "eu-west-1", Family: "m5"}
	pools := Pools(u.Streams, PoolOptions{EC2Instance: true, Compute: true})
	for _, sunk := range []bool{false, true} {
		d := &Decision{Now: u.Hours() - 1, Visible: u, Pools: pools, Next: 24, SunkFirst: sunk,
			Positions: []Position{{Offer: ec2, Fee: NanosOf(3.15), Start: 0, End: u.Hours() + 100}}} // 37% off: covers 5/h
		planned := []Position{plannedPosition(pools[0], NanosOf(3.15))}
		if pools[0].Offer.Kind != tally.CommitEC2SP || pools[1].Offer.Kind != tally.CommitComputeSP {
			t.Fatalf("pools %v", pools)
		}
		got := residual(d, pools[1], planned, 0, u.Hours())
		for h, r := range got {
			if r < 4.99 || r > 5.01 {
				t.Fatalf("sunk first %v: hour %d: the Compute Savings Plan pool's residual %.3f/h, want 5/h", sunk, h, r)
			}
		}
	}
}
