package web_test

import (
	"net/http"
	"testing"
)

// TestSignedInAnswersNotCached: every answer to a signed-in principal is
// cost data (or a secret) that no cache, shared or private, may keep. The
// JSON answers said so, but the CSV export, the pprof export and /metrics
// carried no Cache-Control, so a proxy or the browser's disk cache could
// keep a copy of the organization's costs after sign-out.
func TestSignedInAnswersNotCached(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{
		"/api/v1/allocations?window=2d&format=csv",
		"/api/v1/functions?workload=shop/api&window=2d&format=pprof",
		"/metrics",
		"/api/v1/allocations?window=2d",
	} {
		resp := get(t, srv.URL+path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, got)
		}
	}
	// The dashboard's code stays cacheable.
	resp := get(t, srv.URL+"/favicon.svg", nil)
	if got := resp.Header.Get("Cache-Control"); got == "no-store" {
		t.Errorf("GET /favicon.svg: Cache-Control %q, want the assets' own", got)
	}
}
