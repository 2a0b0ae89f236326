package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// newServer serves the OneNode fixture, attributed, two days after it starts.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	return attributedServer(t, 48, fixture.Day1.Add(47*time.Hour), nil)
}

// attributedServer serves the OneNode fixture with usage added, its first
// hours attributed, at now.
func attributedServer(t *testing.T, hours int, now time.Time, usage []tally.ContainerUsage) *httptest.Server {
	t.Helper()
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	if err := db.UpsertUsage(context.Background(), usage); err != nil {
		t.Fatal(err)
	}
	return serveAttributed(t, db, hours, now)
}

// serveAttributed attributes the first hours of db's fixture and serves
// its API as of now.
func serveAttributed(t *testing.T, db *postgres.DB, hours int, now time.Time) *httptest.Server {
	t.Helper()
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(time.Duration(hours) * time.Hour)}
	if _, err := job.Attribute(context.Background(), w, false); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Allocations: db, Functions: db, Metrics: db,
		Now: func() time.Time { return now }, Auth: db, Tokens: db, Settings: db, Status: db}))
	t.Cleanup(srv.Close)
	bearers.Store(srv.URL, apiToken(t, db, tally.RoleViewer))
	return srv
}

// bearers holds each test server's viewer API token, by server URL.
var bearers sync.Map

// apiToken stores an API token of role and returns its bearer value.
func apiToken(t testing.TB, db *postgres.DB, role string) string {
	t.Helper()
	secret, tok := web.NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, role, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return secret
}

func get(t *testing.T, url string, v any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	bearers.Range(func(k, v any) bool {
		if strings.HasPrefix(url, k.(string)+"/") {
			req.Header.Set("Authorization", "Bearer "+v.(string))
		}
		return true
	})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp
}

func TestAllocationsAPI(t *testing.T) {
	srv := newServer(t)
	var got struct {
		Currency string `json:"currency"`
		Total    string `json:"totalCost"`
		Groups   []struct {
			Name  string `json:"name"`
			Total struct {
				TotalCost  string  `json:"totalCost"`
				Efficiency float64 `json:"efficiency"`
			} `json:"total"`
			Steps []json.RawMessage `json:"steps"`
		} `json:"groups"`
	}
	resp := get(t, srv.URL+"/api/v1/allocations?window=2d&step=1d&aggregate=namespace&idle=separate&shared=separate", &got)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	names := map[string]string{}
	for _, g := range got.Groups {
		names[g.Name] = g.Total.TotalCost
		if len(g.Steps) != 2 {
			t.Errorf("%s: %d steps, want 2", g.Name, len(g.Steps))
		}
	}
	if got.Currency != "USD" || got.Total != "9.12" || names[tally.SharedName] != "4.8" {
		t.Fatalf("response = %+v", got)
	}

	resp = get(t, srv.URL+"/api/v1/allocations?window=2d&aggregate=label:team&format=csv", nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %q", ct)
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][1] != "label:team" {
		t.Fatalf("csv = %v, %v", recs, err)
	}

	resp = get(t, srv.URL+"/api/v1/allocations?window=bogus", nil)
	if resp.StatusCode != 400 {
		t.Fatalf("bad window: status %d", resp.StatusCode)
	}
}

func TestOpenCostAllocationCompute(t *testing.T) {
	srv := newServer(t)
	var got struct {
		Code int                                     `json:"code"`
		Data []map[string]map[string]json.RawMessage `json:"data"`
	}
	get(t, srv.URL+"/allocation/compute?window=2d&aggregate=namespace&accumulate=true&shareIdle=false", &got)
	if got.Code != 200 || len(got.Data) != 1 {
		t.Fatalf("response = %+v", got)
	}
	shop := got.Data[0]["shop"]
	for _, field := range []string{"name", "properties", "window", "start", "end", "cpuCoreHours", "cpuCoreRequestAverage",
		"cpuCoreUsageAverage", "cpuCost", "ramByteHours", "ramCost", "gpuCost", "pvCost", "networkCost", "sharedCost",
		"totalCost", "totalEfficiency"} {
		if _, ok := shop[field]; !ok {
			t.Errorf("allocation lacks OpenCost field %q", field)
		}
	}
	var props map[string]string
	_ = json.Unmarshal(shop["properties"], &props)
	if props["namespace"] != "shop" {
		t.Fatalf("properties = %v", props)
	}
	if _, ok := got.Data[0][tally.IdleName]; !ok {
		t.Fatalf("includeIdle defaults to true: want %s", tally.IdleName)
	}
}

func TestCostRate(t *testing.T) {
	srv := newServer(t)
	var rate tally.CostRate
	resp := get(t, srv.URL+tally.CostRatePath+"?workload=shop/api&window=2d", &rate)
	price, err := rate.Price()
	if resp.StatusCode != 200 || err != nil || rate.Currency != "USD" {
		t.Fatalf("cost rate = %+v (%v), status %d", rate, err, resp.StatusCode)
	}
	// api gets half of the node's CPU pool and 1 core-hour an hour.
	if got := price.Round(6).Decimal(); got != "0.029294" { // 0.09 × 0.063222/0.097118 / 2
		t.Fatalf("core-hour cost = %s", got)
	}
	if resp := get(t, srv.URL+tally.CostRatePath+"?workload=shop/nope&window=2d", nil); resp.StatusCode != 404 {
		t.Fatalf("unknown workload: status %d", resp.StatusCode)
	}
}
