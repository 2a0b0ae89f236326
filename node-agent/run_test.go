package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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
	// Placeholders say what a value is, as tally's do.
	for _, vague := range []string{"=STRING", "=INT"} {
		if strings.Contains(out.String(), vague) {
			t.Errorf("--help has a %s placeholder:\n%s", vague, out.String())
		}
	}
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("tly_secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, done := parse([]string{"--server", "https://tally.example.com", "--token-file", tok, "--interval", "30s"}, &out, &errOut)
	if done || c.Server != "https://tally.example.com" || c.Interval != 30*time.Second {
		t.Errorf("good flags: done %v, %+v", done, c)
	}
}

// TestParseRefusesBadValues: a value out of range is a bad command line
// like a malformed one: exit 2, naming the flag, before anything is
// loaded. --frequency 0 exited 1 after the agent had read the cgroup
// mounts and started the pod informer.
func TestParseRefusesBadValues(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("tly_secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := []string{"--server", "https://tally.example.com", "--token-file", tok}
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{append([]string{"--frequency", "0"}, srv...), "--frequency"},
		{append([]string{"--frequency", "1000"}, srv...), "--frequency"},
		{[]string{"--once", "--out", "/tmp/x", "--frequency", "-5"}, "--frequency"},
		{append([]string{"--interval", "500ms"}, srv...), "--interval"},
		{[]string{"--server", "tally.example.com"}, "--server"},
		{[]string{}, "--server"},
		{[]string{"--once"}, "--out"},
		{[]string{"--once", "--out", "/tmp/x", "--duration", "0s"}, "--duration"},
		{append([]string{"--buffer-bytes", "0"}, srv...), "--buffer-bytes"},
		{append([]string{"--buffer-memory", "-1"}, srv...), "--buffer-memory"},
		{append([]string{"--buffer-memory", "100000000"}, srv...), "--buffer-memory 100000000: more than --buffer-bytes 67108864"},
		// The backend takes no batch without an agent token: an agent
		// without one retried every upload forever, refused.
		{[]string{"--server", "https://tally.example.com"}, "--token-file is required with --server"},
		{[]string{"--server", "https://tally.example.com", "--token-file", "/nonexistent/token"}, "--token-file /nonexistent/token: open /nonexistent/token: no such file"},
		{[]string{"--server", "https://tally.example.com", "--token-file", empty}, "is empty"},
	} {
		var out, errOut strings.Builder
		_, code, done := parse(tt.args, &out, &errOut)
		if !done || code != exitUsage || !strings.Contains(errOut.String(), tt.flag) {
			t.Errorf("%q: done %v, code %d, stderr %q; want exit 2 naming %s", tt.args, done, code, errOut.String(), tt.flag)
		}
	}
}

// TestRunNamesTheFlagOfAPath: a path the agent cannot use is refused
// naming its flag. They said "detect cgroup mounts: open
// /nonexistent/self/mountinfo" and "kubernetes client config: stat …".
func TestRunNamesTheFlagOfAPath(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("tly_secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := config{server: "https://tally.example.com", tokenFile: tok, interval: 10 * time.Second, frequency: 19, proc: "/proc", bufferBytes: 1 << 20}
	proc, kube := base, base
	proc.proc = "/nonexistent"
	kube.kubeconfig = "/nonexistent/kubeconfig"
	for _, tt := range []struct {
		cfg  config
		want string
	}{
		{proc, "--proc /nonexistent: "},
		{kube, "--kubeconfig /nonexistent/kubeconfig: "},
	} {
		err := run(context.Background(), tt.cfg, log, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%v, want an error starting %q", err, tt.want)
		}
	}
}
