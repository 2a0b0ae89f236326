package web_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestRightsizingFilters: namespace filters across clusters as tally
// rightsize --namespace does (it answered 400 "namespace needs cluster"),
// and a cluster or namespace holding a '/' is refused: cluster=prod/shop
// was read as the namespace shop of cluster prod.
func TestRightsizingFilters(t *testing.T) {
	db := pgtest.New(t)
	rec := func(kind, target string) tally.Recommendation {
		return tally.Recommendation{Kind: kind, Target: target, CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			MonthlySavings: tally.MustParseMoney("1", "USD"), Explanation: "test"}
	}
	ctx := context.Background()
	if err := db.ReplaceRecommendations(ctx, tally.RecommendContainer, []tally.Recommendation{
		rec(tally.RecommendContainer, "prod/shop/Deployment/api/app"), rec(tally.RecommendContainer, "eu/shop/Deployment/api/app"),
		rec(tally.RecommendContainer, "prod/shopping/Deployment/web/app")}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendNode, []tally.Recommendation{rec(tally.RecommendNode, "prod/shop")}); err != nil {
		t.Fatal(err)
	}
	srv := serveDB(t, db, nil)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	targets := func(query string) string {
		var got struct{ Containers, Nodes []tally.Recommendation }
		get(t, srv.URL+"/api/v1/recommendations/rightsizing?"+query, &got)
		var out []string
		for _, r := range append(got.Containers, got.Nodes...) {
			out = append(out, r.Target)
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		"namespace=shop":              "eu/shop/Deployment/api/app prod/shop/Deployment/api/app",
		"cluster=prod&namespace=shop": "prod/shop/Deployment/api/app",
		"cluster=prod":                "prod/shop prod/shop/Deployment/api/app prod/shopping/Deployment/web/app",
	} {
		if got := targets(query); got != want {
			t.Errorf("?%s: %q, want %q", query, got, want)
		}
	}
	for query, want := range map[string]string{
		"cluster=prod/shop":                "cluster \\\"prod/shop\\\": a cluster's name has no '/'",
		"cluster=prod&namespace=shop/Depl": "namespace \\\"shop/Depl\\\": a namespace's name has no '/'",
	} {
		resp := get(t, srv.URL+"/api/v1/recommendations/rightsizing?"+query, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), want) {
			t.Errorf("?%s: %d %s, want 400 saying %s", query, resp.StatusCode, body, want)
		}
	}
}
