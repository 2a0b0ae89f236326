package rightsizing

import (
	"testing"

	"github.com/tallyhq/tally"
)

// TestKeptSaysWhatWasRaised: a plan kept above the packing of its pods
// alone says whether the constraints raised its nodes or only their types'
// cost. The demo's compute group, planned for one namespace at as many
// nodes as its pods pack onto, read "kept 3 nodes (the pods alone pack
// onto 3)", which raised nothing it named.
func TestKeptSaysWhatWasRaised(t *testing.T) {
	m := tally.MustParseMoney("168.78", "USD")
	for _, tc := range []struct {
		k    Kept
		want string
	}{
		{Kept{Nodes: 4, PackedNodes: 1, Reasons: []string{"r"}}, "kept 4 nodes (the pods alone pack onto 1): r"},
		{Kept{Nodes: 4, PackedNodes: 1, PackedMonthly: &m, Reasons: []string{"r"}}, "kept 4 nodes (the pods alone pack onto 1, $168.78 a month): r"},
		{Kept{Nodes: 3, PackedNodes: 3, Reasons: []string{"r"}}, "kept 3 nodes of costlier types than the pods alone pack onto: r"},
		{Kept{Nodes: 2, PackedNodes: 3, PackedMonthly: &m, Reasons: []string{"r", "s"}},
			"kept 2 nodes of costlier types than the pods alone pack onto ($168.78 a month): r; s"},
	} {
		if got := tc.k.String(); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.k, got, tc.want)
		}
	}
}
