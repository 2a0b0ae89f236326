package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
)

// TestOpenCostModelPrefix: Kubecost and older OpenCost clients call the
// API under /model/; it answers there as at the root, with the same
// authentication. (/model/allocation/compute answered 404.)
func TestOpenCostModelPrefix(t *testing.T) {
	srv := newServer(t)
	read := func(path string) (int, string) {
		t.Helper()
		resp := get(t, srv.URL+path, nil)
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	for _, path := range []string{
		"/allocation/compute?window=2d&aggregate=namespace&accumulate=true",
		"/allocation?window=2d&aggregate=controller",
	} {
		status, want := read(path)
		got, body := read("/model" + path)
		if status != 200 || got != 200 || body != want {
			t.Errorf("/model%s: status %d, %.200s; want %d, %.200s as %s", path, got, body, status, want, path)
		}
		// Without a token: refused, as at the root.
		resp, err := http.Get(srv.URL + "/model" + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/model%s without a token: status %d, want 401", path, resp.StatusCode)
		}
	}
}

// TestOpenCostAssetsModelPrefix: /model/assets is Kubecost's assets API,
// which kubectl cost node reads: the assets of /assets, their data a list
// of sets (one over the window), as Kubecost's. It was /assets' one set, a
// map, and kubectl cost failed to decode it ("cannot unmarshal object into
// Go struct field … of type []map[string]…").
func TestOpenCostAssetsModelPrefix(t *testing.T) {
	srv := assetsServer(t)
	for _, q := range []string{"?window=2d", "?window=2d&aggregate=type", "?window=2d&aggregate=&accumulate=true&disableAdjustments=false&filterTypes=Node"} {
		var set, sets struct {
			Code int             `json:"code"`
			Data json.RawMessage `json:"data"`
		}
		a, b := get(t, srv.URL+"/assets"+q, &set), get(t, srv.URL+"/model/assets"+q, &sets)
		if a.StatusCode != 200 || b.StatusCode != 200 || sets.Code != 200 {
			t.Fatalf("%s: status %d and %d", q, a.StatusCode, b.StatusCode)
		}
		var list []map[string]struct {
			Type      string  `json:"type"`
			TotalCost float64 `json:"totalCost"`
		}
		if err := json.Unmarshal(sets.Data, &list); err != nil || len(list) != 1 {
			t.Errorf("/model/assets%s: data %.200s (%v), want a list of one set", q, sets.Data, err)
		} else if want := "[" + string(set.Data) + "]"; compactJSON(t, sets.Data) != compactJSON(t, []byte(want)) {
			t.Errorf("/model/assets%s: %.300s\nwant /assets' set in a list: %.300s", q, sets.Data, want)
		}
		resp, err := http.Get(srv.URL + "/model/assets" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("/model/assets%s without a token: status %d, want 401", q, resp.StatusCode)
		}
	}
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
	return buf.String()
}

// TestOpenCostAssetsBesideStatic: /assets needs a token while the
// dashboard's static files under /assets/ stay public.
func TestOpenCostAssetsBesideStatic(t *testing.T) {
	srv := assetsServer(t)
	resp, err := http.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	script := regexp.MustCompile(`/assets/[^"]+\.js`).FindString(string(page))
	if script == "" {
		t.Fatalf("no script under /assets/ in the sign-in page: %.300s", page)
	}
	for path, want := range map[string]int{script: http.StatusOK, "/assets?window=2d": http.StatusUnauthorized} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without a token: status %d, want %d", path, resp.StatusCode, want)
		}
	}
}
