package web_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

func TestFunctionsAPI(t *testing.T) {
	srv := newServer(t)
	var got struct {
		Total     struct{ Amount string } `json:"total"`
		Functions []struct {
			Name       string                  `json:"name"`
			Self       struct{ Amount string } `json:"self"`
			Total      struct{ Amount string } `json:"total"`
			SelfAnnual struct{ Amount string } `json:"selfAnnual"`
		} `json:"functions"`
		Flame struct {
			Name     string  `json:"name"`
			Value    float64 `json:"value"`
			Children []struct {
				Name string `json:"name"`
			} `json:"children"`
		} `json:"flame"`
		Images []struct{ Image string } `json:"images"`
	}
	get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=2d", &got)
	total2d := got.Total.Amount
	// api's CPU cost: half the node's CPU pool (1 of 2 cores) every hour.
	if len(got.Functions) != 3 || got.Functions[0].Name != "main.main" || got.Functions[0].Total.Amount != got.Total.Amount {
		t.Fatalf("functions = %+v, total %s", got.Functions, got.Total.Amount)
	}
	byName := map[string]string{}
	for _, f := range got.Functions {
		byName[f.Name+"/self"] = f.Self.Amount
		byName[f.Name+"/total"] = f.Total.Amount
	}
	if byName["shop.hot/self"] == "" || byName["shop.handle/total"] != got.Total.Amount || byName["main.main/self"] != "0" {
		t.Fatalf("self/total = %v", byName)
	}
	if got.Flame.Name != "all" || len(got.Flame.Children) != 1 || got.Flame.Children[0].Name != "main.main" || got.Flame.Value <= 0 {
		t.Fatalf("flame = %+v", got.Flame)
	}
	if len(got.Images) != 1 || got.Images[0].Image != "shop/api:1.0" {
		t.Fatalf("images = %+v", got.Images)
	}

	resp := get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=2d&format=pprof", nil)
	body, _ := io.ReadAll(resp.Body)
	p, err := profile.ParseData(body)
	if err != nil || len(p.Sample) != 2 || p.SampleType[1].Type != "cost" {
		t.Fatalf("pprof = %v, %v", p, err)
	}
	path := filepath.Join(t.TempDir(), "dollars.pb.gz")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "shop.hot") || !strings.Contains(string(out), "microdollars") {
		t.Fatalf("go tool pprof -top: %v\n%s", err, out)
	}
	t.Logf("go tool pprof -top:\n%s", out)

	get(t, srv.URL+"/api/v1/functions?workload=shop/api&window=1d&baseWindow=2026-10-05T00:00:00Z,2026-10-06T00:00:00Z", &got)
	// The base's top list is cut at top like the head's; headFunctions
	// still gives the base's cost of every head function.
	type cost struct {
		Name        string                  `json:"name"`
		TotalAnnual struct{ Amount string } `json:"totalAnnual"`
	}
	type diff struct {
		Functions []cost `json:"functions"`
		Base      struct {
			Functions     []cost `json:"functions"`
			HeadFunctions []cost `json:"headFunctions"`
		} `json:"base"`
	}
	var full, cut diff
	const diffURL = "/api/v1/functions?workload=shop/api&window=1d&baseWindow=2026-10-04T00:00:00Z,2026-10-06T00:00:00Z"
	get(t, srv.URL+diffURL, &full)
	get(t, srv.URL+diffURL+"&top=2", &cut)
	baseAnnual := map[string]string{}
	for _, f := range full.Base.Functions {
		baseAnnual[f.Name] = f.TotalAnnual.Amount
	}
	if len(full.Base.Functions) != 3 || len(cut.Functions) != 2 || len(cut.Base.Functions) != 2 || len(cut.Base.HeadFunctions) != 2 {
		t.Fatalf("diff top=2: %+v (untruncated base %+v)", cut, full.Base.Functions)
	}
	for i, f := range cut.Base.HeadFunctions {
		if f.Name != cut.Functions[i].Name || f.TotalAnnual.Amount != baseAnnual[f.Name] || f.TotalAnnual.Amount == "0" {
			t.Errorf("headFunctions[%d] = %+v, want %s's base cost %s", i, f, cut.Functions[i].Name, baseAnnual[cut.Functions[i].Name])
		}
	}
	if resp := get(t, srv.URL+"/api/v1/functions?workload=bad", nil); resp.StatusCode != 400 {
		t.Fatalf("bad workload: status %d", resp.StatusCode)
	}
	// A bad baseWindow is named as such: the error said only "window".
	var bad struct{ Code, Message string }
	if resp := get(t, srv.URL+"/api/v1/functions?workload=shop/api&baseWindow=bogus", &bad); resp.StatusCode != 400 || !strings.HasPrefix(bad.Message, `baseWindow: window "bogus": `) {
		t.Fatalf("bad baseWindow: status %d, %+v", resp.StatusCode, bad)
	}

	// The workloads with profiles, for the page to start at: api, at what
	// its functions cost; none in a window before the profiles.
	var profiled struct {
		Workloads []struct {
			Namespace, Workload string
			Cost                struct{ Amount, Currency string }
		}
	}
	get(t, srv.URL+"/api/v1/functions/workloads?window=2d", &profiled)
	if w := profiled.Workloads; len(w) != 1 || w[0].Namespace != "shop" || w[0].Workload != "api" || w[0].Cost.Amount != total2d || w[0].Cost.Currency != "USD" {
		t.Fatalf("profiled workloads = %+v, want shop/api at %s USD", w, total2d)
	}
	resp = get(t, srv.URL+"/api/v1/functions/workloads?window=2026-01-01T00:00:00Z,2026-01-02T00:00:00Z", &profiled)
	if resp.StatusCode != 200 || profiled.Workloads == nil || len(profiled.Workloads) != 0 {
		t.Fatalf("profiled workloads before the profiles: status %d, %+v (want [])", resp.StatusCode, profiled.Workloads)
	}
	if resp := get(t, srv.URL+"/api/v1/functions/workloads?window=7x", nil); resp.StatusCode != 400 {
		t.Fatalf("bad window: status %d", resp.StatusCode)
	}
}
