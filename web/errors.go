package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tallyhq/tally"
)

// statusOf maps Tally's error codes to HTTP statuses.
var statusOf = map[string]int{
	tally.EConflict:         http.StatusConflict,
	tally.EInternal:         http.StatusInternalServerError,
	tally.EInvalid:          http.StatusBadRequest,
	tally.ENotFound:         http.StatusNotFound,
	tally.EUnauthorized:     http.StatusUnauthorized,
	tally.EForbidden:        http.StatusForbidden,
	tally.EUnavailable:      http.StatusServiceUnavailable,
	tally.ETooLarge:         http.StatusRequestEntityTooLarge,
	tally.ENotReady:         http.StatusServiceUnavailable,
	tally.ENotConfigured:    http.StatusServiceUnavailable,
	tally.EMethodNotAllowed: http.StatusMethodNotAllowed,
	tally.ERateLimited:      http.StatusTooManyRequests,
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// error writes err as JSON with the status of its code. Internal errors are
// logged and their text withheld from the client. On OpenCost's routes it
// is OpenCost's envelope, whatever refused the request (sign-in, a method,
// a path): its clients read "code" as a number.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	if isOpenCostPath(r.URL.Path) {
		s.openCostError(w, r, err)
		return
	}
	code, status, msg := s.failed(r, err)
	writeJSON(w, status, errorBody{Code: code, Message: msg})
}

// msgDatabaseDown is the answer to a request that failed while the
// database did not answer. It does not name the database: the answer may
// go to anyone (sign-in), and the log says which it is.
const msgDatabaseDown = "the database does not answer: try again shortly"

// statusClientClosed is the status of a request its client gave up on
// (nginx's 499 "client closed request"): no client reads it, the request
// log does.
const statusClientClosed = 499

// failed returns err's code, the HTTP status it answers with and the
// message it shows. An internal error (one with no code of its own) is
// logged and its text withheld; one that came while the database does
// not answer (Readiness) is the database's outage, a 503 "unavailable"
// that clients retry, not a fault of the server's (500), and is logged at
// warn level. One whose client went away (a browser that left the page)
// is the client's doing: a 499, logged at debug level.
func (s *Server) failed(r *http.Request, err error) (code string, status int, msg string) {
	code, msg = tally.ErrorCode(err), tally.ErrorMessage(err)
	status, ok := statusOf[code]
	if ok && code != tally.EInternal {
		return code, status, msg
	}
	if errors.Is(r.Context().Err(), context.Canceled) {
		s.log.DebugContext(r.Context(), "request failed: its client went away", slog.String("path", r.URL.Path), slog.Any("err", err))
		return code, statusClientClosed, msg
	}
	if s.databaseDown(r.Context()) {
		s.log.WarnContext(r.Context(), "request failed: "+msgDatabaseDown, slog.String("path", r.URL.Path), slog.Any("err", err))
		return tally.EUnavailable, http.StatusServiceUnavailable, msgDatabaseDown
	}
	s.log.ErrorContext(r.Context(), "request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	if !ok {
		status = http.StatusInternalServerError
	}
	return code, status, msg
}

// databaseDown reports whether the database does not answer within
// readyTimeout. It asks whatever became of the request: a client that
// went away does not make the database down.
func (s *Server) databaseDown(ctx context.Context) bool {
	if s.ready == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyTimeout)
	defer cancel()
	return tally.ErrorCode(s.ready.Ready(ctx)) == tally.EUnavailable
}

// writeJSON writes v as JSON with status; a v that JSON cannot hold is a
// 500 with an internal error instead.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Answers are a signed-in user's (some carry secrets: a new token, the
	// CSRF token): no cache, shared or private, may keep them.
	w.Header().Set("Cache-Control", "no-store")
	// Encoded before the status is written: a value JSON cannot hold (a
	// time past year 9999) answered 200 with an empty body.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(errorBody{Code: tally.EInternal, Message: "the answer cannot be written as JSON: " + err.Error()})
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// list returns s, or an empty slice for nil: JSON answers hold lists, empty
// ones [], never null, so clients read them one way whatever the query.
func list[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// isOpenCostPath reports whether path is one of OpenCost's API routes (or
// under one), also under /model/ where Kubecost's clients call them.
func isOpenCostPath(path string) bool {
	p := strings.TrimPrefix(path, "/model")
	return p == "/allocation" || strings.HasPrefix(p, "/allocation/") || p == "/assets"
}
