package web_test

import (
	"io"
	"strings"
	"testing"
)

// TestAllocationStepsWholeHours: costs are hourly, so a step that is not a
// whole number of hours is a 400 naming it. (step=90m answered steps
// alternately holding two hours and one, each labelled 90 minutes.)
func TestAllocationStepsWholeHours(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{
		"/api/v1/allocations?window=2d&step=90m",
		"/api/v1/allocations?window=2d&step=1h30m&format=csv",
		"/allocation/compute?window=2d&step=90m",
	} {
		resp := get(t, srv.URL+path, nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "step 1h30m0s") {
			t.Errorf("GET %s: %d %.200s, want 400 naming the step", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/api/v1/allocations?window=2d&step=2h", "/api/v1/allocations?window=2d&step=1d", "/allocation/compute?window=2d&step=6h", "/api/v1/allocations?window=2d&step=25h"} {
		if resp := get(t, srv.URL+path, nil); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}
