package attribution

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestAggregateNamesDoNotRepeatKeys: a group's name joins its keys, each
// without the key before it that it starts with: a controller's key is
// namespace/name and a container's namespace/controller/container, so by
// namespace,controller a group read "analytics/analytics/clickhouse" and
// by controller,container "shop/api/shop/api/app". Its keys are unchanged.
// (The keys of the other dimensions are the users' values, kept whole.)
func TestAggregateNamesDoNotRepeatKeys(t *testing.T) {
	w := tally.Window{Start: t0, End: t0.Add(24 * time.Hour)}
	for _, tc := range []struct {
		dims []string
		keys []string
		want string
	}{
		{[]string{"namespace", "controller"}, []string{"analytics", "analytics/clickhouse"}, "analytics/clickhouse"},
		{[]string{"cluster", "namespace", "controller", "container"}, []string{"prod", "shop", "shop/api", "shop/api/app"}, "prod/shop/api/app"},
		{[]string{"controller", "container"}, []string{"shop/api", "shop/api/app"}, "shop/api/app"},
		// A label's value is the user's: it keeps what it starts with, or
		// team "shop/pay" and team "pay" of shop would be one group.
		{[]string{"namespace", "label:team"}, []string{"shop", "shop/pay"}, "shop/shop/pay"},
		{[]string{"cluster", "namespace"}, []string{"prod", "shop"}, "prod/shop"},
		{[]string{"namespace", "controller"}, []string{"", "x/y"}, tally.UnallocatedName + "/x/y"},
	} {
		var dims []Dimension
		for _, d := range tc.dims {
			dim, err := ParseDimension(d)
			if err != nil {
				t.Fatal(err)
			}
			dims = append(dims, dim)
		}
		r := Row{Start: w.Start, End: w.End, Keys: tc.keys, Cluster: "prod", CostKind: tally.CostCPU, Cost: usd("1")}
		gs, err := Aggregate([]Row{r}, Query{Window: w, Aggregate: dims, Idle: IdleSeparate, Shared: SharedSeparate})
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != 1 || gs[0].Name != tc.want || !slices.Equal(gs[0].Keys, tc.keys) && tc.keys[0] != "" {
			t.Errorf("by %v, keys %q: groups %+v, want one named %q with those keys", tc.dims, tc.keys, gs, tc.want)
		}
	}
}
