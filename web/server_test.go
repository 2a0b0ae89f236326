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
