package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeCutsStalledReadersButNotSlowOnes: the server had read and idle
// timeouts but none for writing, so a client that asked for a large answer
// and never read it held the connection and the handler's goroutine for
// ever, blocked in Write. A write that makes no progress for the write
// timeout now fails and the connection is closed, while a client that
// keeps reading, however long the whole answer takes, and a handler that
// computes longer than the timeout before answering, are served. (The
// timeout is shortened here; the code is the same.)
func TestServeCutsStalledReadersButNotSlowOnes(t *testing.T) {
	if httpWriteTimeout <= 0 {
		t.Fatalf("write timeout %s: want it set", httpWriteTimeout)
	}
	defer func(w time.Duration) { httpWriteTimeout = w }(httpWriteTimeout)
	const timeout = 500 * time.Millisecond
	httpWriteTimeout = timeout

	chunk := []byte(strings.Repeat("x", 1<<20))
	bigDone := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		// 256 MiB: far more than the kernel buffers between server and client.
		for range 256 {
			if _, err := w.Write(chunk); err != nil {
				bigDone <- err
				return
			}
		}
		bigDone <- nil
	})
	mux.HandleFunc("/medium", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(32*len(chunk)))
		for range 32 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * timeout)
		w.WriteHeader(http.StatusNoContent)
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host, done := startServeHTTP(t, ctx, mux)
	// A small receive buffer, so that the server's writes block soon.
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<10) }); err != nil {
			return err
		}
		return serr
	}}

	t.Run("stalled reader", func(t *testing.T) {
		c, err := dialer.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-bigDone:
			if err == nil {
				t.Fatal("the whole answer was written to a client that read none of it")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a client that reads nothing of a large answer held its handler blocked in Write for 10 s")
		}
	})

	t.Run("slow reader and slow handler", func(t *testing.T) {
		// Default buffers: a small window stalls for the kernel's zero
		// window probes, whose back-off exceeds the shortened timeout.
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReaderSize(c, 1024)
		if _, err := io.WriteString(c, "GET /medium HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		// 32 MiB (more than the kernel buffers) read 1 MiB every 100 ms:
		// some 3 s, six write timeouts.
		start := time.Now()
		var got int64
		buf := make([]byte, 1<<20)
		for {
			n, err := io.ReadFull(resp.Body, buf)
			got += int64(n)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				t.Fatalf("after %d bytes in %s: %v", got, time.Since(start), err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if want := int64(32 * len(chunk)); got != want {
			t.Fatalf("slow reader got %d bytes of %d in %s", got, want, time.Since(start))
		}
		if took := time.Since(start); took < 2*timeout {
			t.Errorf("the slow read took %s: not longer than the write timeout, it tests nothing", took)
		}
		// The same connection: a handler that computes longer than the
		// timeout before it answers.
		if _, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err = http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("a handler computing for %s: %v", 3*timeout, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("a handler computing for %s: %s", 3*timeout, resp.Status)
		}
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
