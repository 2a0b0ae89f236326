package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

type readiness struct{ err error }

func (r readiness) Ready(context.Context) error { return r.err }

func TestHealthAndReadiness(t *testing.T) {
	tests := []struct {
		name   string
		ready  error
		path   string
		status int
		body   string
	}{
		{"healthz", nil, "/healthz", 200, `{"status":"ok"}`},
		{"ready", nil, "/readyz", 200, `{"status":"ready"}`},
		{"not migrated", tally.Errorf(tally.ENotReady, "schema at version 1, need 5"), "/readyz", 503, notReady},
		{"db down", tally.Errorf(tally.EUnavailable, "database at db.internal:5432: connection refused"), "/readyz", 503, notReady},
		{"internal", errors.New("secret internals"), "/readyz", 503, notReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			s := NewServer(Config{Readiness: readiness{tt.ready}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.status || strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Fatalf("GET %s = %d %s, want %d %s", tt.path, rec.Code, rec.Body, tt.status, tt.body)
			}
			// The probe is public: why it is not ready goes to the log only.
			if tt.ready != nil && !strings.Contains(log.String(), tt.ready.Error()) {
				t.Errorf("log %q does not say why: %v", log.String(), tt.ready)
			}
		})
	}
}

const notReady = `{"code":"not_ready","message":"not ready"}`

// noAuth is an AuthStore for requests that carry no credentials, which
// never reach it.
type noAuth struct{ AuthStore }

// costSettings is a SettingsStore with the defaults.
type costSettings struct{}

func (costSettings) CostSettings(context.Context) (tally.CostSettings, error) {
	return tally.CostSettings{}, nil
}

func (costSettings) SaveCostSettings(context.Context, tally.CostSettings, string) error { return nil }

// TestMethodNotAllowed: a route asked with a method it lacks is a JSON 405
// listing its methods in Allow, to signed-in callers; anyone else gets the
// 401 an unknown route gets.
func TestMethodNotAllowed(t *testing.T) {
	tests := []struct {
		method, path string
		signedIn     bool
		status       int
		allow, body  string
	}{
		{http.MethodDelete, "/api/v1/functions?workload=shop/api", true, 405, "GET, HEAD, OPTIONS",
			`{"code":"method_not_allowed","message":"method DELETE not allowed on /api/v1/functions: use GET, HEAD, OPTIONS"}`},
		{http.MethodPost, "/api/v1/settings/cost", true, 405, "GET, HEAD, PUT, OPTIONS", `"code":"method_not_allowed"`},
		{http.MethodPost, "/healthz", true, 405, "GET, HEAD, OPTIONS", `"code":"method_not_allowed"`},
		{http.MethodGet, "/api/v1/functions?workload=shop/api", true, 200, "", `"workload":"shop/api"`},
		{http.MethodDelete, "/api/v1/functions", false, 401, "", `"code":"unauthorized"`},
		{http.MethodPost, "/metrics", true, 405, "GET, HEAD, OPTIONS", `"code":"method_not_allowed"`},
	}
	s := NewServer(Config{Readiness: readiness{}, Functions: stacksByImage{}, Settings: costSettings{}, Auth: noAuth{}})
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.signedIn {
			req = asViewer(req)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("%s %s = %d Allow %q %s, want %d Allow %q containing %s", tt.method, tt.path, rec.Code, rec.Header().Get("Allow"),
				rec.Body, tt.status, tt.allow, tt.body)
		}
	}
}

// TestOptions: OPTIONS on a route is a 204 listing its methods in Allow,
// before sign-in, and a CORS preflight gets no CORS headers (the dashboard
// is same-origin; other origins are not offered access). OPTIONS answered
// 405, and a preflight 401. An unknown path is answered as before: 401
// signed out, 404 signed in.
func TestOptions(t *testing.T) {
	tests := []struct {
		path     string
		signedIn bool
		status   int
		allow    string
	}{
		{"/api/v1/functions?workload=shop/api", false, 204, "GET, HEAD, OPTIONS"},
		{"/api/v1/functions", true, 204, "GET, HEAD, OPTIONS"},
		{"/api/v1/settings/cost", false, 204, "GET, HEAD, PUT, OPTIONS"},
		{"/api/v1/auth/login", false, 204, "POST, OPTIONS"},
		{"/healthz", false, 204, "GET, HEAD, OPTIONS"},
		{"/assets/index.js", false, 204, "GET, HEAD, OPTIONS"},
		{"/metrics", false, 204, "GET, HEAD, OPTIONS"},
		{"/api/v1/nope", false, 401, ""},
		{"/api/v1/nope", true, 404, ""},
	}
	s := NewServer(Config{Readiness: readiness{}, Functions: stacksByImage{}, Settings: costSettings{}, Auth: noAuth{}})
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodOptions, tt.path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", "GET")
		if tt.signedIn {
			req = asViewer(req)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("OPTIONS %s = %d Allow %q %s, want %d Allow %q", tt.path, rec.Code, rec.Header().Get("Allow"), rec.Body, tt.status, tt.allow)
		}
		for k := range rec.Header() {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("OPTIONS %s: %s: %s, want no CORS headers", tt.path, k, rec.Header().Get(k))
			}
		}
	}
}
