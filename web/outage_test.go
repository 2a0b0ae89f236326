package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// TestDatabaseOutage: while the database does not answer, a request that
// needs it answers 503 "unavailable", which clients and load balancers
// retry, not a 500 "internal error", which says the server is broken; the
// cause is logged, and the answer does not name the database's address.
// Once the database answers again, so does the server.
func TestDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	outage := pgtest.NewOutage(t, pgtest.NewURL(t, true))
	db, err := postgres.Open(ctx, outage.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	viewer := apiToken(t, db, tally.RoleViewer)
	agent := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	var log logtest.Buffer
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db, Status: db,
		Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	t.Cleanup(srv.Close)
	do := func(method, path, token, body string) (int, map[string]string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&got)
		return resp.StatusCode, got
	}
	if status, _ := do(http.MethodGet, "/api/v1/status", viewer, ""); status != http.StatusOK {
		t.Fatalf("before the outage: GET /api/v1/status: %d", status)
	}

	outage.Cut()
	for _, r := range []struct{ method, path, token, body string }{
		{http.MethodGet, "/api/v1/status", viewer, ""},
		{http.MethodPost, "/api/v1/auth/login", "", `{"email":"ada@example.com","password":"correct horse battery"}`},
		{http.MethodPost, "/api/v1/ingest/agent", agent, `{}`},
	} {
		status, body := do(r.method, r.path, r.token, r.body)
		if status != http.StatusServiceUnavailable || body["code"] != tally.EUnavailable ||
			body["message"] != "the database does not answer: try again shortly" {
			t.Errorf("during the outage: %s %s: %d %v, want 503 unavailable, the database does not answer", r.method, r.path, status, body)
		}
	}
	logged := log.String()
	if !strings.Contains(logged, "level=WARN") || !strings.Contains(logged, "the database does not answer") ||
		!strings.Contains(logged, "path=/api/v1/status") || strings.Contains(logged, "level=ERROR") {
		t.Errorf("the outage is logged as a warning naming the request, not as the server's error:\n%s", logged)
	}
}

// slowStatus answers once the request is over: it tells started it has
// the request, then waits for its context to end.
type slowStatus struct{ started chan struct{} }

func (s slowStatus) DataStatus(ctx context.Context) (tally.DataStatus, error) {
	close(s.started)
	<-ctx.Done()
	return tally.DataStatus{}, fmt.Errorf("data status: %w", ctx.Err())
}

// TestClientGoneIsNoError: a request its client gives up on (a browser
// that moves to another page, closes the tab) fails with its context
// canceled; that is the client's doing, not the server's fault, and is not
// logged as an error (the demo logged `level=ERROR msg="request failed"
// path=/api/v1/status err="look up session: context canceled"`).
func TestClientGoneIsNoError(t *testing.T) {
	db := pgtest.New(t)
	viewer := apiToken(t, db, tally.RoleViewer)
	status := slowStatus{started: make(chan struct{})}
	var log logtest.Buffer
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Status: status,
		Logger: slog.New(slog.NewTextHandler(&log, nil))}))
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/status", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+viewer)
	go func() {
		<-status.started
		cancel()
	}()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("GET /api/v1/status answered %d, want the client to give up", resp.StatusCode)
	}
	srv.Close() // waits for the handler to finish
	if logged := log.String(); strings.Contains(logged, "level=ERROR") {
		t.Errorf("a request its client gave up on is logged as an error:\n%s", logged)
	}
}
