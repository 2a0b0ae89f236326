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
		resp := get(t, srv.URL+tc.path, nil)
		body, _ := io.ReadAll(resp.Body)
		var e struct{ Code, Message string }
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != 400 || e.Code != tally.EInvalid || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d %.200s, want 400 naming %s", tc.path, resp.StatusCode, body, tc.want)
		}
	}
	for _, path := range []string{
		"/api/v1/allocations?window=2d&format=json",
		"/api/v1/allocations?window=2d&format=csv",
		"/api/v1/functions?workload=shop/api&window=2d&format=json&top=2",
		"/api/v1/functions?workload=shop/api&window=2d&format=pprof",
		"/api/v1/functions?workload=shop/api&window=2d&baseImage=shop/api:0.9",
	} {
		if resp := get(t, srv.URL+path, nil); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}
