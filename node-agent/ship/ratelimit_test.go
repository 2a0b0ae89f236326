package ship

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestShipperHonoursRetryAfter: a 429 (the backend's per-cluster rate) was
// retried after the agent's own back-off, from a second (here 10 ms), and
// again and again while the backend asked for more: a cluster's agents
// hammered a backend that had told them when to come back. The agent now
// waits the Retry-After it is given, keeps the batch meanwhile, and then
// delivers it and the batches behind it, in order.
func TestShipperHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		times = append(times, time.Now())
		if len(times) == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"code":"rate_limited"}`, http.StatusTooManyRequests)
			return
		}
		got = append(got, string(body))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	b, err := NewBuffer(1000, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{URL: srv.URL, Buffer: b, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	b.Push(bytes.Repeat([]byte{'A'}, 10))
	b.Push(bytes.Repeat([]byte{'B'}, 10))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Pending > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if st := s.Stats(); len(got) != 2 || got[0] != "AAAAAAAAAA" || got[1] != "BBBBBBBBBB" || st.Rejected != 0 || st.Dropped != 0 {
		t.Fatalf("delivered %q, stats %+v: want both batches, in order, after the 429", got, st)
	}
	if wait := times[1].Sub(times[0]); wait < time.Second {
		t.Errorf("retried %s after a 429 with Retry-After: 1", wait.Round(time.Millisecond))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"7", 7 * time.Second}, {" 7 ", 7 * time.Second}, {"-3", 0}, {"soon", 0},
		{"99999999999", maxRetryAfter}, {"Mon, 23 Nov 2026 03:00:30 GMT", 30 * time.Second},
		{"Mon, 23 Nov 2026 02:00:00 GMT", 0}, {"Tue, 24 Nov 2026 03:00:00 GMT", maxRetryAfter},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
