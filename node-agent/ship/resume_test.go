package ship

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/logtest"
)

// TestShipperSaysWhenDeliveriesResume: after an outage the agent's last
// words were "backend unavailable; retrying … pending 7" while it had
// delivered everything, and the batches a previous run left on disk were
// delivered without a word. It says when the backend answers again and
// when the batches held back are all delivered, once each.
func TestShipperSaysWhenDeliveriesResume(t *testing.T) {
	for _, tc := range []struct {
		name       string
		down       int // attempts answered 503 first
		leftBefore int // batches a previous run left in the buffer's directory
		want       []string
	}{
		{"outage", 3, 0, []string{`msg="backend reachable again; delivering the batches buffered meanwhile"`, "failedAttempts=3",
			`msg="delivered the buffered batches" batches=3`}},
		{"previous run", 0, 2, []string{`msg="delivering the batches a previous run left in the buffer" pending=2`,
			`msg="delivered the buffered batches" batches=2`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts, delivered atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if attempts.Add(1) <= int64(tc.down) {
					http.Error(w, "down", http.StatusServiceUnavailable)
					return
				}
				delivered.Add(1)
				w.WriteHeader(http.StatusAccepted)
			}))
			defer srv.Close()
			dir := t.TempDir()
			if tc.leftBefore > 0 {
				prev, err := NewBuffer(DefaultBufferBytes, DefaultMemoryBytes, dir)
				if err != nil {
					t.Fatal(err)
				}
				for range tc.leftBefore {
					prev.Push([]byte("batch"))
				}
				if err := prev.Persist(); err != nil {
					t.Fatal(err)
				}
			}
			buf, err := NewBuffer(DefaultBufferBytes, DefaultMemoryBytes, dir)
			if err != nil {
				t.Fatal(err)
			}
			for range tc.down {
				buf.Push([]byte("batch"))
			}
			var logs logtest.Buffer
			s := New(Config{URL: srv.URL, Buffer: buf, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go s.Run(ctx)
			want := int64(tc.down + tc.leftBefore)
			deadline := time.Now().Add(5 * time.Second)
			for (delivered.Load() < want || !strings.Contains(logs.String(), "delivered the")) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			// One batch more, after the backlog: no more words.
			s.Enqueue(batchAt(0))
			for delivered.Load() < want+1 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			cancel()
			out := logs.String()
			for _, w := range tc.want {
				if strings.Count(out, w) != 1 {
					t.Errorf("logs:\n%s\nwant once: %s", out, w)
				}
			}
			if n := strings.Count(out, "delivered the buffered batches"); n != 1 {
				t.Errorf("logs:\n%s\nsay %d times that the buffered batches were delivered, want once", out, n)
			}
		})
	}
}

// batchAt is a node's batch of the i-th 10 s interval.
func batchAt(i int) *tally.AgentBatch {
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 10 * time.Second)
	return &tally.AgentBatch{Version: tally.AgentBatchVersion, Node: tally.AgentNode{Name: "n"},
		Intervals: []tally.AgentInterval{{Start: start, End: start.Add(10 * time.Second)}}}
}
