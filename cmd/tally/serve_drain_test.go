package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestServeDrainsBeforeClosing: on SIGTERM serve keeps answering for
// --drain-delay, /readyz saying 503 "shutting down", before it closes its
// listener, so load balancers and kube-proxy, which learn of a pod's end
// while it stops, stop sending it requests before it refuses them. It
// closed the listener at once: a rolling update refused connections.
func TestServeDrainsBeforeClosing(t *testing.T) {
	db := pgtest.New(t)
	a := &app{globals: &globals{}, log: newLogger("error", "json", io.Discard), stdout: io.Discard, stderr: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- a.serveHTTP(ctx, "127.0.0.1:0", web.NewServer(web.Config{Readiness: db}), func(u string) error { addrc <- u; return nil }, 2*time.Second)
	}()
	base := strings.Replace(<-addrc, "localhost", "127.0.0.1", 1)
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Fatalf("/readyz before: %d %s", code, body)
	}
	cancel()
	time.Sleep(300 * time.Millisecond)
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz while draining: %d %s; want 503 shutting down", code, body)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Errorf("/healthz while draining: %d %s; want 200, still served", code, body)
	}
	select {
	case err := <-done:
		t.Fatalf("serveHTTP returned %v before the drain delay", err)
	default:
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code, _ := get("/healthz"); code != 0 {
		t.Errorf("/healthz after: %d, want the connection refused", code)
	}
}
