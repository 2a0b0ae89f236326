package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestRequireAgent: the ingest endpoint's guard admits agent tokens only.
func TestRequireAgent(t *testing.T) {
	s := NewServer(Config{})
	var cluster tally.ClusterID
	s.router.With(s.requireAgent).Post("/test/ingest", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		cluster = p.Cluster
		w.WriteHeader(http.StatusAccepted)
	})
	tests := []struct {
		name   string
		p      *Principal
		status int
		body   string
	}{
		{"no auth configured", nil, 503, "not configured"},
		{"session", &Principal{Kind: "session", Role: tally.RoleAdmin, Email: "a@b"}, 403, "only agent tokens"},
		{"api token", &Principal{Kind: tally.TokenAPI, Role: tally.RoleAdmin}, 403, "only agent tokens"},
		{"agent token", &Principal{Kind: tally.TokenAgent, Role: tally.RoleAgent, Cluster: "prod"}, 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/test/ingest", nil)
			if tt.p != nil {
				req = req.WithContext(withPrincipal(req.Context(), tt.p))
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.body) {
				t.Fatalf("= %d %s, want %d containing %q", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
	if cluster != "prod" {
		t.Fatalf("the handler sees the token's cluster: %q", cluster)
	}
}
