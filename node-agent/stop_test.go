package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/prereq"
)

// TestRunSaysStoppedOnceStopped: "stopped" is the agent's last word on
// SIGTERM, and a rollout reads it as the agent being gone. It was logged
// before the agent closed its metrics listener, detached its BPF program
// from every CPU and stopped its informers, which all ran after it. When
// it is logged, the agent holds no perf event or BPF object any more and
// its metrics address refuses connections.
func TestRunSaysStoppedOnceStopped(t *testing.T) {
	prereq.Require(t, "the agent", prereq.Root, prereq.BTF)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer backend.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tly_secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := &stopWatcher{started: make(chan struct{})}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ran := make(chan error, 1)
	go func() {
		ran <- run(ctx, config{server: backend.URL, tokenFile: tokenFile, node: "stop-node", frequency: 19, interval: time.Minute,
			bufferBytes: 1 << 20, metricsAddr: "127.0.0.1:0", proc: "/proc"}, slog.New(log), io.Discard)
	}()
	select {
	case <-log.started:
	case err := <-ran:
		t.Fatalf("the agent stopped before serving its metrics: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the agent did not serve its metrics in a minute")
	}
	if held := bpfFDs(); len(held) == 0 {
		t.Fatal("the running agent holds no perf event or BPF object: the test cannot tell")
	}
	stop()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if !log.stopped {
		t.Fatal(`the agent did not log "stopped"`)
	}
	if len(log.held) > 0 {
		t.Errorf(`when "stopped" was logged the agent still held %s`, strings.Join(log.held, ", "))
	}
	if log.listening {
		t.Errorf(`when "stopped" was logged the metrics address %s still took connections`, log.metrics)
	}
}

// stopWatcher is a slog handler that notes, when "stopped" is logged,
// what the agent still holds.
type stopWatcher struct {
	started   chan struct{} // closed at the "metrics" record
	mu        sync.Mutex
	metrics   string // the metrics address
	stopped   bool
	held      []string // perf events and BPF objects open at "stopped"
	listening bool     // the metrics address took a connection at "stopped"
}

func (w *stopWatcher) Enabled(context.Context, slog.Level) bool { return true }
func (w *stopWatcher) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *stopWatcher) WithGroup(string) slog.Handler            { return w }

func (w *stopWatcher) Handle(_ context.Context, r slog.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch r.Message {
	case "metrics":
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "addr" {
				w.metrics = a.Value.String()
			}
			return true
		})
		close(w.started)
	case "stopped":
		w.stopped = true
		w.held = bpfFDs()
		if c, err := net.DialTimeout("tcp", w.metrics, time.Second); err == nil {
			c.Close()
			w.listening = true
		}
	}
	return nil
}

// bpfFDs lists this process's open perf events and BPF objects (programs,
// maps, links), as /proc/self/fd names them.
func bpfFDs() []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var held []string
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && (strings.Contains(target, "perf_event") || strings.Contains(target, "bpf")) {
			held = append(held, target)
		}
	}
	return held
}
