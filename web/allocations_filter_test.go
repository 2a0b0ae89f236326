package web_test

import (
	"net/url"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestAllocationsFilteredIdle: a filter within clusters (namespace,
// workload, label…) shows only the idle and shared cost its allocations
// would take if they were spread (idle=share, shared=weighted), as OpenCost
// does for idle; not the whole clusters'. A filter matching nothing is an
// empty view (it showed the organization's idle and shared costs: the
// dashboard's "namespace: nope" cost $277.69, 100% idle).
func TestAllocationsFilteredIdle(t *testing.T) {
	org := fixture.Org{Start: fixture.Day1, Days: 3, Scale: 1}
	srv, db := orgServer(t, org)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	type view struct {
		Total  string `json:"totalCost"`
		Groups []struct {
			Name  string `json:"name"`
			Total struct {
				TotalCost  string `json:"totalCost"`
				IdleCost   string `json:"idleCost"`
				SharedCost string `json:"sharedCost"`
			} `json:"total"`
		} `json:"groups"`
	}
	alloc := func(filter, idle, shared string) (view, map[string]string) {
		t.Helper()
		var v view
		q := url.Values{"window": {org.Start.Format("2006-01-02T15:04:05Z") + "," + org.End().Format("2006-01-02T15:04:05Z")},
			"aggregate": {"namespace"}, "filter": {filter}, "idle": {idle}, "shared": {shared}, "step": {"1d"}}
		if resp := get(t, srv.URL+"/api/v1/allocations?"+q.Encode(), &v); resp.StatusCode != 200 {
			t.Fatalf("%s idle=%s shared=%s: status %d", filter, idle, shared, resp.StatusCode)
		}
		totals := map[string]string{}
		for _, g := range v.Groups {
			totals[g.Name] = g.Total.TotalCost
		}
		return v, totals
	}

	if v, _ := alloc(`namespace:"nope"`, "separate", "separate"); len(v.Groups) != 0 {
		t.Errorf("a namespace that does not exist: total %s, groups %+v; want none", v.Total, v.Groups)
	}

	_, whole := alloc("", "separate", "separate")
	spread, _ := alloc(`namespace:"shop"`, "share", "weighted")
	if len(spread.Groups) != 1 || spread.Groups[0].Name != "shop" {
		t.Fatalf("shop with idle and shared spread: %+v", spread.Groups)
	}
	shop := spread.Groups[0].Total
	separate, got := alloc(`namespace:"shop"`, "separate", "separate")
	if got[tally.IdleName] != shop.IdleCost || got[tally.SharedName] != shop.SharedCost || separate.Total != spread.Total {
		t.Errorf("shop with idle and shared separate: %v, total %s; want __idle__ %s and __shared__ %s, shop's shares of them, total %s "+
			"(the clusters' idle is %s, shared %s)", got, separate.Total, shop.IdleCost, shop.SharedCost, spread.Total,
			whole[tally.IdleName], whole[tally.SharedName])
	}
}
