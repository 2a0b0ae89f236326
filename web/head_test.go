package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestHeadRequests: every GET route answers HEAD as it answers GET, without
// a body (RFC 9110 §9.3.2: uptime checks, load balancers and curl -I send
// HEAD), and a route's Allow lists HEAD with GET. (HEAD /healthz answered
// 401, HEAD on every API route 405.)
func TestHeadRequests(t *testing.T) {
	srv := newServer(t)
	var token string
	bearers.Range(func(k, v any) bool {
		if k.(string) == srv.URL {
			token = v.(string)
		}
		return true
	})
	for _, tc := range []struct {
		path   string
		signed bool
		status int
		ctype  string
	}{
		{"/healthz", false, 200, "application/json"},
		{"/readyz", false, 200, "application/json"},
		{"/api/v1/allocations?window=2d", true, 200, "application/json"},
		{"/api/v1/allocations?window=2d&format=csv", true, 200, "text/csv"},
		{"/allocation/compute?window=2d", true, 200, "application/json"},
		{"/api/v1/allocations?window=2d", false, 401, "application/json"},
		{"/api/v1/allocations?window=bogus", true, 400, "application/json"},
	} {
		req, _ := http.NewRequest(http.MethodHead, srv.URL+tc.path, nil)
		if tc.signed {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || len(body) != 0 {
			t.Errorf("HEAD %s (signed in %v) = %d %q, %d bytes; want %d %s, no body", tc.path, tc.signed, resp.StatusCode,
				resp.Header.Get("Content-Type"), len(body), tc.status, tc.ctype)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/allocations", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("DELETE /api/v1/allocations = %d Allow %q, want 405 Allow \"GET, HEAD, OPTIONS\"", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
