package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// heldStore is the real store, whose StoreAgentData waits for release
// once it has begun (begun), so a test holds a batch in the server.
type heldStore struct {
	*postgres.DB
	begun, release chan struct{}
}

func (s *heldStore) StoreAgentData(ctx context.Context, in tally.AgentIngest) error {
	s.begun <- struct{}{}
	<-s.release
	return s.DB.StoreAgentData(ctx, in)
}

// TestIngestAgentDecodeBudget: the batches a server decodes and stores at
// once are bounded by their size (Config.AgentDecodeBudget): one beyond
// the budget waits, and after Config.AgentDecodeWait is answered 429 with
// Retry-After, which agents retry. Each request was decoded at once
// whatever the others held: twelve 1 MB gzipped batches at once took the
// server from 0.39 to 2.0 GB.
func TestIngestAgentDecodeBudget(t *testing.T) {
	start := time.Date(2026, 11, 21, 10, 59, 55, 0, time.UTC)
	db := pgtest.New(t)
	store := &heldStore{DB: db, begun: make(chan struct{}, 1), release: make(chan struct{})}
	srv := web.NewServer(web.Config{Readiness: db, Auth: db, Agents: store, Now: func() time.Time { return start.Add(time.Hour) },
		AgentDecodeBudget: 1, AgentDecodeWait: 200 * time.Millisecond})
	token := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	body := gz(t, testBatch(t, start))

	first := make(chan int)
	go func() { first <- post(srv, token, body).Code }()
	<-store.begun // the first batch is decoded and being stored
	second := make(chan *httptest.ResponseRecorder, 1)
	go func() { second <- post(srv, token, body) }()
	var rec *httptest.ResponseRecorder
	select {
	case rec = <-second:
	case <-time.After(5 * time.Second):
		close(store.release)
		t.Fatal("a batch beyond the budget was not answered: it was decoded beside the first")
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), "the server is decoding and storing other agent batches") {
		t.Errorf("a batch beyond the budget: %d %q (Retry-After %q); want 429 with Retry-After", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	close(store.release)
	if code := <-first; code != http.StatusAccepted {
		t.Errorf("the first batch: %d, want 202", code)
	}
	go func() { <-store.begun }()
	if rec := post(srv, token, body); rec.Code != http.StatusAccepted {
		t.Errorf("a batch after the first was stored: %d %s, want 202", rec.Code, rec.Body)
	}
}
