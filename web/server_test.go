package web

import (
	"context"
	"errors"
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
		{"healthz", nil, "/healthz", 200, `"ok"`},
		{"ready", nil, "/readyz", 200, `"ready"`},
		{"not migrated", tally.Errorf(tally.ENotReady, "schema at version 1, need 5"), "/readyz", 503, "schema at version 1"},
		{"db down", tally.Errorf(tally.EUnavailable, "database at db:5432: connection refused"), "/readyz", 503, "connection refused"},
		{"internal withheld", errors.New("secret internals"), "/readyz", 500, `"internal error"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(Config{Readiness: readiness{tt.ready}})
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("GET %s = %d %s, want %d containing %s", tt.path, rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
}
