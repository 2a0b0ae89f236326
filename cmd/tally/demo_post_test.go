package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestDemoPostBatchWaitsOutRateLimit: the agent endpoint answers 429 with
// Retry-After beyond a token's rate; the demo's loader, which posts months
// of batches with one token per cluster, waits and posts again instead of
// failing the load.
func TestDemoPostBatchWaitsOutRateLimit(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	start := time.Now()
	if err := postBatch(context.Background(), srv.Client(), srv.URL+agentIngestPath, "tly_x", []byte("{}")); err != nil {
		t.Fatalf("postBatch after a 429: %v", err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d posts, want 2", n)
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("posted again after %s, before the Retry-After of 1 s", took)
	}
}
