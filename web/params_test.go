package web_test

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestParamsNotIgnored: a parameter value an endpoint cannot read is a 400
// with the error shape, naming the parameter and value, not silently the
// default (format=xml answered JSON, top=ten fifty functions, and
// baseWindow with baseImage compared windows only).
func TestParamsNotIgnored(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ path, want string }{
		{"/api/v1/allocations?window=2d&format=xml", `format \"xml\"`},
		{"/api/v1/allocations?window=2d&format=CSV", `format \"CSV\"`},
		{"/api/v1/functions?workload=shop/api&window=2d&format=svg", `format \"svg\"`},
		{"/api/v1/functions?workload=shop/api&window=2d&top=ten", `top \"ten\"`},
		{"/api/v1/functions?workload=shop/api&window=2d&top=0", `top \"0\"`},
		{"/api/v1/functions?workload=shop/api&window=2d&baseWindow=1d&baseImage=shop/api:0.9", "baseWindow or baseImage"},
	} {
		wantInvalid(t, srv.URL, tc.path, tc.want)
	}
	wantOK(t, srv.URL,
		"/api/v1/allocations?window=2d&format=json",
		"/api/v1/allocations?window=2d&format=csv",
		"/api/v1/functions?workload=shop/api&window=2d&format=json&top=2",
		"/api/v1/functions?workload=shop/api&window=2d&format=pprof",
		"/api/v1/functions?workload=shop/api&window=2d&baseImage=shop/api:0.9",
	)
}

// TestParamsDeclared: each route of Tally's API declares the parameters it
// takes, each once. A misspelled one (windw=1d) was ignored and a repeated
// one (window=1d&window=7d) read as its first value, answering another
// question than the one asked; both are a 400 naming the parameter, the
// unknown one with the parameters the route takes. OpenCost's routes ignore
// parameters they do not know and read a repeated one's first value, as
// OpenCost does, so its clients work unchanged.
func TestParamsDeclared(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct{ path, want string }{
		{"/api/v1/allocations?window=1d&window=7d", `window given 2 times`},
		{"/api/v1/allocations?windw=1d", `unknown parameter windw: /api/v1/allocations takes aggregate, basis, filter, format, idle, shared, shareNamespaces, step, window`},
		{"/api/v1/allocations?window=1d&step=1d&step=1h&format=csv", `step given 2 times`},
		{"/api/v1/functions?workload=shop/api&window=2d&top=3&top=4", `top given 2 times`},
		{"/api/v1/functions?workload=shop/api&windows=2d", `unknown parameter windows: /api/v1/functions takes`},
		{"/api/v1/functions/workloads?window=2d&workload=shop/api", `unknown parameter workload: /api/v1/functions/workloads takes window`},
		{"/api/v1/status?verbose=1", `unknown parameter verbose: /api/v1/status takes no parameters`},
		{"/api/v1/workloads/cost-rate?workload=shop/api&cluster=a&cluster=b", `cluster given 2 times`},
	} {
		wantInvalid(t, srv.URL, tc.path, tc.want)
	}
	wantOK(t, srv.URL,
		"/api/v1/allocations?window=2d&step=1d&aggregate=namespace&idle=separate&shared=separate&basis=billed&filter=&shareNamespaces=kube-system",
		"/allocation/compute?window=2d&resolution=1m&includeProportionalAssetResourceCosts=false",
		"/allocation/compute?window=2d&window=1d&aggregate=namespace",
		"/model/allocation?window=2d&aggregate=namespace&aggregate=pod",
	)
}

// wantInvalid checks that GET base+path is a 400 invalid error whose body
// holds want.
func wantInvalid(t *testing.T, base, path, want string) {
	t.Helper()
	resp := get(t, base+path, nil)
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message string }
	_ = json.Unmarshal(body, &e)
	if resp.StatusCode != 400 || e.Code != tally.EInvalid || !strings.Contains(string(body), want) {
		t.Errorf("GET %s: %d %.300s, want 400 saying %s", path, resp.StatusCode, body, want)
	}
}

// wantOK checks that GET base+path is a 200 for each of paths.
func wantOK(t *testing.T, base string, paths ...string) {
	t.Helper()
	for _, path := range paths {
		if resp := get(t, base+path, nil); resp.StatusCode != 200 {
			body, _ := io.ReadAll(resp.Body)
			t.Errorf("GET %s: %d %.300s", path, resp.StatusCode, body)
		}
	}
}
