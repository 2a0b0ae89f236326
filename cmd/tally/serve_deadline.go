package main

import (
	"net/http"
	"time"
)

// httpWriteTimeout is how long the server waits for a client to take the
// next part of a response (writeChunk bytes) before it closes the
// connection, as nginx's send_timeout: a client that reads a response very
// slowly, or not at all, would otherwise hold a connection and a goroutine
// for ever. It bounds no whole response: a long CSV or pprof export, or
// an allocation query computed for minutes, is served as long as the
// client keeps reading (at least writeChunk bytes a timeout).
var httpWriteTimeout = time.Minute

// writeChunk is the most a write is given httpWriteTimeout for: a larger
// one is split, and each part gets the timeout afresh.
const writeChunk = 64 << 10

// writeProgressDeadline gives each write to the connection of a request's
// response d to complete (http.ResponseController.SetWriteDeadline):
// before each chunk the handler writes, before its header and before the
// server flushes what the handler left buffered. Time the handler spends
// computing does not count, only time a write waits for the client.
func writeProgressDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pw := &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: d}
		// A deadline left from an earlier request on the connection is past.
		pw.extend()
		h.ServeHTTP(pw, r)
		// The server flushes the buffered rest of the response after the
		// handler returns, however long it ran.
		pw.extend()
	})
}

// progressWriter is writeProgressDeadline's ResponseWriter. Unwrap lets
// http.ResponseController reach the server's writer (Flush, Hijack, …).
type progressWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

// extend sets the connection's write deadline d from now; a writer that has
// none (a test recorder) is left as it is.
func (w *progressWriter) extend() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.d)) }

func (w *progressWriter) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

func (w *progressWriter) Write(p []byte) (int, error) {
	var n int
	for len(p) > 0 {
		c := min(len(p), writeChunk)
		w.extend()
		m, err := w.ResponseWriter.Write(p[:c])
		n += m
		if err != nil {
			return n, err
		}
		p = p[c:]
	}
	return n, nil
}

// Flush implements http.Flusher, which middleware (chi's) asserts.
func (w *progressWriter) Flush() {
	w.extend()
	_ = w.rc.Flush()
}

// Unwrap returns the server's ResponseWriter, for http.ResponseController.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
