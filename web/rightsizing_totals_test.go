package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestRightsizingTotalsSavingsApart: a recommendation that costs more (a
// node group grown to relieve pressure, −296.27 a month) is not netted
// into the savings: each kind's total sums the recommendations that save,
// and its added cost those that cost more, each in its currency. The nodes'
// total was 100 − 296.27, a "saving" of −196.27.
func TestRightsizingTotalsSavingsApart(t *testing.T) {
	db := pgtest.New(t)
	rec := func(kind, target, savings string) tally.Recommendation {
		return tally.Recommendation{Kind: kind, Target: target, CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			MonthlySavings: tally.MustParseMoney(savings, "USD"), Explanation: "test"}
	}
	ctx := context.Background()
	if err := db.ReplaceRecommendations(ctx, tally.RecommendContainer, []tally.Recommendation{
		rec(tally.RecommendContainer, "prod/shop/api/app", "1200"), rec(tally.RecommendContainer, "prod/shop/web/app", "-40.5")}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendNode, []tally.Recommendation{
		rec(tally.RecommendNode, "prod/general", "100"), rec(tally.RecommendNode, "prod/memory", "-296.27")}); err != nil {
		t.Fatal(err)
	}
	srv := serveDB(t, db, nil)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	type totals struct{ Containers, ContainersAdded, Nodes, NodesAdded tally.Money }
	var got struct {
		MonthlySavings map[string]totals `json:"monthlySavings"`
	}
	get(t, srv.URL+"/api/v1/recommendations/rightsizing", &got)
	usd := got.MonthlySavings["USD"]
	for _, c := range []struct {
		name string
		got  tally.Money
		want string
	}{
		{"containers", usd.Containers, "1200"}, {"containersAdded", usd.ContainersAdded, "40.5"},
		{"nodes", usd.Nodes, "100"}, {"nodesAdded", usd.NodesAdded, "296.27"},
	} {
		if c.got.Decimal() != c.want || c.got.Currency() != "USD" {
			t.Errorf("monthlySavings.USD.%s = %s %s, want %s USD", c.name, c.got.Decimal(), c.got.Currency(), c.want)
		}
	}
	if len(got.MonthlySavings) != 1 {
		t.Errorf("monthlySavings = %+v, want USD only", got.MonthlySavings)
	}
}
