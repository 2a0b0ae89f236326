package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// TestBenchDashboard measures, on a 90-day organization, the latency of
// every API call behind a dashboard page (60 sequential requests each, p50
// and p95, and the ratio of p95 to an authenticated no-op measured in the
// same run), then the overview's first load in chromium (5 cold runs).
// Run it with `make bench-dashboard`.
func TestBenchDashboard(t *testing.T) {
	if os.Getenv("TALLY_BENCH") != "dashboard" {
		t.Skip("set TALLY_BENCH=dashboard (make bench-dashboard)")
	}
	days := 90
	org := fixture.Org{Start: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -days), Days: days, Scale: 1}
	srv, db := orgServer(t, org, func(c *web.Config, db *postgres.DB) { c.Commitments = db })
	c := newClient(t, srv.URL)
	c.bearer = apiToken(t, db, tally.RoleAdmin)
	mid := org.Midpoint()
	calls := []struct{ page, path string }{
		{"baseline", "/api/v1/auth/me"},
		{"overview", "/api/v1/status"},
		{"overview", "/api/v1/allocations?window=30d&step=1d&aggregate=namespace&idle=separate"},
		{"overview", "/api/v1/allocations?window=30d&step=1d&aggregate=cluster&idle=separate&basis=billed"},
		{"allocations", "/api/v1/allocations?window=7d&aggregate=namespace&step=1d"},
		{"allocations", "/api/v1/allocations?window=7d&aggregate=label:team&step=1d"},
		{"allocations", "/api/v1/allocations?window=7d&aggregate=controller&step=1d&filter=namespace:%22shop%22"},
		{"allocations", "/api/v1/allocations?window=7d&aggregate=pod&step=1d&filter=namespace:%22shop%22%2Bcontroller:%22shop/api%22"},
		{"allocations", "/api/v1/allocations?window=7d&aggregate=container&step=1d&filter=namespace:%22shop%22%2Bcontroller:%22shop/api%22"},
		{"allocations", "/api/v1/allocations?window=7d&aggregate=namespace&step=1d&format=csv"},
		{"functions", "/api/v1/allocations?window=7d&aggregate=controller&idle=hide&shared=separate"},
		{"functions", "/api/v1/functions?workload=shop/api&window=7d"},
		{"functions", "/api/v1/functions?workload=shop/api&window=30d&image=shop/api:1.1&baseImage=shop/api:1.0"},
		{"functions", "/api/v1/functions?workload=shop/api&window=7d&baseWindow=" + mid.Format(time.RFC3339) + "," + mid.AddDate(0, 0, 7).Format(time.RFC3339)},
		{"rightsizing", "/api/v1/recommendations/rightsizing"},
		{"commitments", "/api/v1/commitments?window=90d"},
		{"settings", "/api/v1/settings/cost"},
		{"settings", "/api/v1/tokens"},
	}
	const n = 60
	var base time.Duration
	fmt.Printf("dashboard API latency, %d days × %d nodes, %d requests each, sequential, over loopback:\n", days, 6, n)
	fmt.Printf("%-12s %9s %9s %6s  %s\n", "page", "p50", "p95", "p95/no-op", "call")
	for _, call := range calls {
		var ds []time.Duration
		for i := 0; i < n+3; i++ {
			start := time.Now()
			code, body, _ := c.do(http.MethodGet, call.path, "")
			d := time.Since(start)
			if code != 200 {
				t.Fatalf("%s = %d %s", call.path, code, body)
			}
			if i >= 3 { // warm-up
				ds = append(ds, d)
			}
		}
		slices.Sort(ds)
		p50, p95 := ds[len(ds)/2], ds[len(ds)*95/100]
		if call.page == "baseline" {
			base = p95
		}
		fmt.Printf("%-12s %9s %9s %6.1f×  %s\n", call.page, p50.Round(10*time.Microsecond), p95.Round(10*time.Microsecond), float64(p95)/float64(base), call.path)
	}

	node := requireBrowser(t)
	createUser(t, db, "bench@example.com", "bench password", tally.RoleAdmin)
	out, _ := filepath.Abs("../test-output/bench")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/dashboard.mjs")
	cmd.Dir = "ui"
	cmd.Env = append(os.Environ(), "TALLY_URL="+srv.URL, "TALLY_EMPTY_URL="+srv.URL, "TALLY_EMAIL=bench@example.com", "TALLY_PASSWORD=bench password",
		"TALLY_OUT="+out, "CHROMIUM="+chromium, "TALLY_ONLY=first load", "TALLY_FIRST_LOAD_RUNS=5")
	b, err := cmd.CombinedOutput()
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "first-load") || strings.HasPrefix(l, "FAIL") {
			fmt.Println(l)
		}
	}
	if err != nil {
		t.Fatalf("first-load run: %v\n%s", err, b)
	}
}
