package web_test

import (
	"testing"
)

// TestFutureWindowsAreRefused: a window that starts after now has no
// costs yet, on Tally's routes a 400 saying so; it answered an empty 200,
// as if nothing had run then. OpenCost's routes keep OpenCost's empty
// answer.
func TestFutureWindowsAreRefused(t *testing.T) {
	srv := newServer(t)
	const future = "2030-01-01T00:00:00Z,2030-01-02T00:00:00Z"
	for _, path := range []string{
		"/api/v1/allocations?window=" + future,
		"/api/v1/functions?workload=shop/api&window=" + future,
		"/api/v1/functions?workload=shop/api&window=2d&baseWindow=" + future,
		"/api/v1/functions/workloads?window=" + future,
		"/api/v1/workloads/cost-rate?workload=shop/api&window=" + future,
	} {
		wantInvalid(t, srv.URL, path, `starts after now (`)
	}
	wantOK(t, srv.URL, "/allocation/compute?window="+future)
}
