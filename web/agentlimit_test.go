package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestIngestAgentRateLimitedPerToken: the agent endpoint took any number
// of batches from one agent token, so a leaked token could fill the
// database as fast as it could post. Beyond its rate, a token's batches
// are refused with 429 and Retry-After, before they are read; other
// tokens are not affected.
func TestIngestAgentRateLimitedPerToken(t *testing.T) {
	db := pgtest.New(t)
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	// One batch every 100 s, two at once.
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db, AgentRate: 0.01, AgentBurst: 2}))
	defer srv.Close()
	prod := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	staging := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "staging")
	send := func(token string, i int) *http.Response {
		t.Helper()
		b := testBatch(t, start.Add(time.Duration(i)*10*time.Second))
		if token == staging { // another instance: one cannot run in two clusters
			b.Node.ProviderID = "aws:///us-east-1a/i-0def"
		}
		resp := postBatch(t, srv.URL, token, b)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for i := range 2 {
		if resp := send(prod, i); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("batch %d within the burst: %s", i, resp.Status)
		}
	}
	resp := send(prod, 2)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third batch at once, beyond a burst of 2: %s, want 429", resp.Status)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 90 || secs > 100 {
		t.Errorf("Retry-After %q: want about 100 s (the next batch's turn)", resp.Header.Get("Retry-After"))
	}
	var body struct{ Code, Message string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Code != tally.ERateLimited {
		t.Errorf("body %+v, %v: want code %s", body, err, tally.ERateLimited)
	}
	if resp := send(staging, 0); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("another cluster's token: %s", resp.Status)
	}
}

// TestIngestAgentRateSharedByServers: each serve process kept its own
// buckets, so behind a load balancer over two a token sent twice its rate.
// Two servers on one database share them: of 20 batches sent at once
// through both in turn, with a burst of 10 and a batch a second, 10 are
// taken and at most one more a second they took, and the others are told
// to retry in 1 s (rounded up from under a second).
func TestIngestAgentRateSharedByServers(t *testing.T) {
	db := pgtest.New(t)
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	var servers []*httptest.Server
	for range 2 {
		srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db, AgentRate: 1, AgentBurst: 10}))
		defer srv.Close()
		servers = append(servers, srv)
	}
	token := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	const sent = 20
	var took [2]int
	t0 := time.Now()
	for i := range sent {
		b := testBatch(t, start.Add(time.Duration(i)*10*time.Second))
		resp := postBatch(t, servers[i%2].URL, token, b)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusAccepted:
			took[i%2]++
		case http.StatusTooManyRequests:
			if got := resp.Header.Get("Retry-After"); got != "1" {
				t.Errorf("batch %d refused with Retry-After %q, want 1 (s, a batch a second)", i, got)
			}
		default:
			t.Fatalf("batch %d: %s", i, resp.Status)
		}
	}
	elapsed := time.Since(t0)
	most := 10 + int(elapsed.Seconds()) // the burst and what refilled meanwhile
	if n := took[0] + took[1]; n < 10 || n > most {
		t.Errorf("%d of %d batches taken in %s (%v by each server), want 10 to %d: a burst of 10 and a batch a second between them",
			n, sent, elapsed.Round(time.Millisecond), took, most)
	}
}

// postBatch sends agent batch b to the server at url with agent token
// token, over HTTP.
func postBatch(t *testing.T, url, token string, b *tally.AgentBatch) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/ingest/agent", bytes.NewReader(gz(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
