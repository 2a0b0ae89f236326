package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRunRefusesServerWithoutScheme: a --server the client cannot post to
// (no scheme, no host) is refused at start, before anything is loaded,
// instead of being retried forever as "backend unavailable".
func TestRunRefusesServerWithoutScheme(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, server := range []string{"tally.example.com", "tally.example.com:8080", "ftp://tally.example.com", "https://", "http://%zz"} {
		cfg := config{server: server, interval: 10 * time.Second, frequency: 19, proc: "/nonexistent"}
		err := run(context.Background(), cfg, log, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--server") {
			t.Errorf("--server %q: %v, want an error naming --server", server, err)
		}
	}
}
