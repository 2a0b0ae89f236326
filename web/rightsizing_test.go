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

// The endpoint's happy path runs against PostgreSQL in cmd/tally's
// TestRightsizeStoredWorkloads; these are the answers given before any store is asked.
func TestRightsizingRequestErrors(t *testing.T) {
	tests := []struct {
		name, query string
		status      int
		body        string
	}{
		{"no store", "", 503, `"code":"not_configured","message":"recommendations are not available`},
		{"bad kind", "?kind=pods", 400, `kind \"pods\": want container or node`},
		{"cluster with a slash", "?cluster=prod/shop", 400, `cluster \"prod/shop\": a cluster's name has no '/'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(Config{Readiness: readiness{}})
			if tt.name != "no store" {
				s.recs = failingStore{}
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/v1/recommendations/rightsizing"+tt.query, nil)
			s.ServeHTTP(rec, asViewer(req))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("GET %s = %d %s, want %d containing %s", tt.query, rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
}

// failingStore fails if it is ever asked: validation must answer first.
type failingStore struct{}

func (failingStore) Recommendations(ctx context.Context, kind string) ([]tally.Recommendation, error) {
	return nil, errors.New("store must not be called")
}

// asViewer signs a request in as a viewer API token, for tests that need no auth store.
func asViewer(r *http.Request) *http.Request {
	return r.WithContext(withPrincipal(r.Context(), &Principal{Kind: tally.TokenAPI, Role: tally.RoleViewer, TokenID: "t"}))
}
