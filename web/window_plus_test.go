package web_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestWindowOffsetPlusUnencoded: a window whose RFC 3339 bounds have a
// positive offset, sent with its "+" unencoded as clients and shells do
// (window=2026-10-05T01:00:00+01:00,…), is read as the same window as its
// "%2B" form by OpenCost's /allocation and /assets and by Tally's own API:
// the query decodes the "+" to a space, which RFC 3339 never has there. It
// was refused, `window bound "2026-10-05T01:00:00 01:00": want YYYY-MM-DD,
// RFC 3339 or Unix seconds`. A space anywhere else is still refused.
func TestWindowOffsetPlusUnencoded(t *testing.T) {
	srv := assetsServer(t)
	const raw = "2026-10-05T01:00:00+01:00,2026-10-06T01:00:00+01:00"
	encoded := strings.ReplaceAll(raw, "+", "%2B")
	for _, path := range []string{"/allocation?aggregate=namespace&window=", "/assets?window=",
		"/api/v1/allocations?aggregate=namespace&window=", "/api/v1/reconciliation?window="} {
		want, wantStatus := body(t, srv.URL+path+encoded)
		if wantStatus != http.StatusOK {
			t.Fatalf("GET %s%s: status %d, %s", path, encoded, wantStatus, want)
		}
		if got, status := body(t, srv.URL+path+raw); status != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("GET %s%s: status %d, %.300s\nwant 200 and the answer to %%2B: %.300s", path, raw, status, got, want)
		}
	}
	for _, window := range []string{
		"2026-10-05T01:00:00 01:00:00,2026-10-06T01:00:00Z", // not an offset's shape
		"2026-10-05 01:00:00+01:00,2026-10-06T01:00:00Z",    // a space that was never a "+"
		"2026-10-05T01:00:00++01:00,2026-10-06T01:00:00Z",
	} {
		if got, status := body(t, srv.URL+"/allocation?window="+strings.ReplaceAll(window, " ", "%20")); status != http.StatusBadRequest {
			t.Errorf("GET /allocation?window=%s: status %d, %.300s, want 400", window, status, got)
		}
	}
}

// body GETs url with the server's viewer token and returns the answer's
// body and status.
func body(t *testing.T, url string) ([]byte, int) {
	t.Helper()
	resp := get(t, url, nil)
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, resp.StatusCode
}
