package rightsizing

import (
	"strings"
	"testing"
)

// TestPlanCommittedNodesKeptNamesCommitments: a plan that keeps nodes a
// commitment covers says so among what kept them. The demo's
// prod-usw2/compute read "kept 4 nodes (the pods alone pack onto 1)" with
// the zone spread as the only reason, while the nodes were kept because
// their commitments' fees are paid whatever runs; here the spread needs
// 3 nodes, which r5.large would hold for half the price.
func TestPlanCommittedNodesKeptNamesCommitments(t *testing.T) {
	cat, g, ri := reservedMemoryGroup()
	ps := placedPods(3, 0.5, 2*GiB, "a", "b", "c")
	for i := range ps {
		ps[i].Spread = "kafka/StatefulSet/broker"
	}
	plan, err := PlanCommittedNodes(g, ps, cat, []NodeCommitment{ri})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Kept == nil {
		t.Fatalf("nothing kept: %s", plan.Explanation)
	}
	want := "3 of the planned nodes are covered by Reserved Instance arn:aws:ec2:us-west-2:1:reserved-instances/r until " + cudEnd.Format("2006-01-02") +
		": its fee is paid until then whatever runs, so no mix of fewer or cheaper nodes costs less while it runs"
	if s := plan.Kept.String(); !strings.Contains(s, "kafka/StatefulSet/broker") || !strings.HasSuffix(s, "; "+want) {
		t.Errorf("kept says %q\nwant the spread and then %q", s, want)
	}
}
