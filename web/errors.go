package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

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
// logged and their text withheld from the client.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code, status := s.failed(r, err)
	writeJSON(w, status, errorBody{Code: code, Message: tally.ErrorMessage(err)})
}

// failed returns err's code and the HTTP status it answers with, and logs
// an internal error (one with no code of its own), whose message the
// answer does not show.
func (s *Server) failed(r *http.Request, err error) (code string, status int) {
	code = tally.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == tally.EInternal || !ok {
		s.log.ErrorContext(r.Context(), "request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	return code, status
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Answers are a signed-in user's (some carry secrets: a new token, the
	// CSRF token): no cache, shared or private, may keep them.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
