package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// TestServeDropsSlowAndIdleConnections: a client that sends a request's
// headers and then its body slowly (or never), or keeps a connection open
// idle, was served for ever, so enough of them exhausted the server's file
// descriptors. Connections that send no whole request within the read
// timeout, or idle beyond the idle timeout, are closed. (The timeouts are
// shortened here; the code is the same.)
func TestServeDropsSlowAndIdleConnections(t *testing.T) {
	defer func(r, i time.Duration) { httpReadTimeout, httpIdleTimeout = r, i }(httpReadTimeout, httpIdleTimeout)
	wantRead, wantIdle := httpReadTimeout, httpIdleTimeout
	if wantRead <= 0 || wantIdle <= 0 {
		t.Errorf("read timeout %s, idle timeout %s: want both set", wantRead, wantIdle)
	}
	httpReadTimeout, httpIdleTimeout = time.Second, time.Second

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	host, done := startServeHTTP(t, ctx, h)

	closedWithin := func(t *testing.T, c net.Conn, d time.Duration) bool {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}

	slow, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(t, slow, 5*time.Second) {
		t.Errorf("a request whose body never arrives kept its connection open")
	}

	idle, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := io.WriteString(idle, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("GET: %v %v", resp, err)
	}
	if !closedWithin(t, idle, 5*time.Second) {
		t.Errorf("an idle keep-alive connection stayed open")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// startServeHTTP runs serveHTTP with h on a free local port until ctx ends,
// and returns its host:port and the channel its result arrives on.
func startServeHTTP(t *testing.T, ctx context.Context, h http.Handler) (string, <-chan error) {
	t.Helper()
	a := &app{globals: &globals{}, log: newLogger("error", "json", io.Discard), stdout: io.Discard, stderr: os.Stderr}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.serveHTTP(ctx, "127.0.0.1:0", h, func(u string) error { addrc <- u; return nil }, 0)
	}()
	select {
	case u := <-addrc:
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Replace(pu.Host, "localhost", "127.0.0.1", 1), done
	case err := <-done:
		t.Fatal(err)
	}
	return "", nil
}
