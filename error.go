package tally

import (
	"errors"
	"fmt"
)

// Error codes classify failures for callers that must react to them (only
// web/ maps them to HTTP statuses; the CLI maps them to exit codes).
const (
	EConflict         = "conflict"           // the action conflicts with current state
	EInternal         = "internal"           // a bug or an unexpected failure
	EInvalid          = "invalid"            // bad input: the message says what and where
	ENotFound         = "not_found"          // the thing asked for does not exist
	EUnauthorized     = "unauthorized"       // no or bad credentials
	EForbidden        = "forbidden"          // credentials lack the permission
	EUnavailable      = "unavailable"        // a dependency (database, cloud API) is not reachable
	ENotConfigured    = "not_configured"     // the server is not set up for this (no store or configuration behind it)
	ETooLarge         = "too_large"          // the input exceeds a size limit
	ENotReady         = "not_ready"          // data needed for the answer has not arrived yet
	EMethodNotAllowed = "method_not_allowed" // the resource exists but not with this method (HTTP)
	ERateLimited      = "rate_limited"       // too many attempts: the message says when to try again
)

// Error is an error with a code and a message meant for the user.
type Error struct {
	Code    string
	Message string // the whole text, the cause's included
	Err     error  // the cause, if any, for errors.Is and errors.As
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message. A %w verb wraps the cause.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for other errors (whose text may hold internals).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
