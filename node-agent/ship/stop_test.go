package ship

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestStopKeepsOrDelivers: when the agent stops (SIGTERM at every rollout
// and node drain), the batches its buffer holds in memory were lost: the
// buffer's directory only held what had spilled past --buffer-memory
// (8 MiB, some minutes of batches). Stop delivers what it can in its time
// and keeps the rest on disk, where the next start finds it.
func TestStopKeepsOrDelivers(t *testing.T) {
	var up atomic.Bool
	var delivered atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		delivered.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	stopAgent := func(dir string, batches int) (*Buffer, error) {
		buf, err := NewBuffer(DefaultBufferBytes, DefaultMemoryBytes, dir)
		if err != nil {
			t.Fatal(err)
		}
		s := New(Config{URL: srv.URL, Buffer: buf, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		for i := range batches {
			if err := s.Enqueue(batchAt(i)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
		<-done
		stop, cancelStop := context.WithTimeout(context.Background(), time.Second)
		defer cancelStop()
		return buf, s.Stop(stop)
	}

	// The backend is down: the three batches are kept on disk.
	dir := t.TempDir()
	if _, err := stopAgent(dir, 3); err != nil {
		t.Fatalf("stop with the backend down: %v", err)
	}
	again, err := NewBuffer(DefaultBufferBytes, DefaultMemoryBytes, dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Len() != 3 {
		t.Fatalf("the next start finds %d batches, want 3", again.Len())
	}
	// It is back: Stop delivers what the buffer holds, the kept batches too.
	up.Store(true)
	buf, err := stopAgent(dir, 0)
	if err != nil || buf.Len() != 0 || delivered.Load() != 3 {
		t.Fatalf("stop with the backend up: %v, %d left, %d delivered; want all 3 delivered", err, buf.Len(), delivered.Load())
	}
	// Without a directory, a loss is said.
	up.Store(false)
	if _, err := stopAgent("", 2); err == nil || !strings.Contains(err.Error(), "2 undelivered batches lost") {
		t.Fatalf("stop without a directory: %v, want the loss said", err)
	}
}
