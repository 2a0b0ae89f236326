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
		cfg := config{server: server, interval: 10 * time.Second, frequency: 19, proc: "/nonexistent", bufferBytes: 1 << 20}
		err := run(context.Background(), cfg, log, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--server") {
			t.Errorf("--server %q: %v, want an error naming --server", server, err)
		}
	}
}

// TestRunRefusesEmptyBuffer: every batch passes through the upload buffer,
// so --buffer-bytes 0 ("no buffering") refused every batch, logged once an
// interval while nothing was ever shipped; it is refused at start.
func TestRunRefusesEmptyBuffer(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, b := range []int64{0, -1} {
		cfg := config{server: "https://tally.example.com", interval: 10 * time.Second, frequency: 19, proc: "/nonexistent", bufferBytes: b}
		err := run(context.Background(), cfg, log, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--buffer-bytes") {
			t.Errorf("--buffer-bytes %d: %v, want an error naming it", b, err)
		}
	}
}

// TestParseExitCodes: a bad flag exits 2, as tally's do, saying what is
// wrong and where the usage is (kong's own exit code for it is 80); --help
// exits 0; a good command line runs.
func TestParseExitCodes(t *testing.T) {
	var out, errOut strings.Builder
	if _, code, done := parse([]string{"--interval", "soon"}, &out, &errOut); !done || code != exitUsage ||
		!strings.Contains(errOut.String(), "--interval") || !strings.Contains(errOut.String(), "tally-agent --help") {
		t.Errorf("bad flag: done %v, code %d, stderr %q; want exit 2 naming --interval", done, code, errOut.String())
	}
	out.Reset()
	if _, code, done := parse([]string{"--help"}, &out, &errOut); !done || code != 0 || !strings.Contains(out.String(), "--server") {
		t.Errorf("--help: done %v, code %d, stdout %q", done, code, out.String())
	}
	c, _, done := parse([]string{"--server", "https://tally.example.com", "--interval", "30s"}, &out, &errOut)
	if done || c.Server != "https://tally.example.com" || c.Interval != 30*time.Second {
		t.Errorf("good flags: done %v, %+v", done, c)
	}
}
