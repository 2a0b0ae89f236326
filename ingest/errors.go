package ingest

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tallyhq/tally"
)

// Errors that classify bad input. They are wrapped in a *LineError or a
// *tally.Error whose message says where.
var (
	// ErrMissingColumn is a required column absent from a file's header or schema.
	ErrMissingColumn = errors.New("missing required column")
	// ErrMixedCurrency is a billing period whose lines are in more than one currency.
	ErrMixedCurrency = errors.New("mixed currencies in one billing period")
	// ErrUnknownLineItemType is a CUR line item type Tally does not know how to amortize.
	ErrUnknownLineItemType = errors.New("unknown line item type")
	// ErrUnknownFormat is a file whose format (extension, header) is not recognized.
	ErrUnknownFormat = errors.New("unknown file format")
	// ErrNoRows is a run's input without a cost row to store: headers,
	// blank lines and empty files only, or rows that were all rejected.
	ErrNoRows = errors.New("no cost rows")
	// ErrCorruptParquet is a Parquet file whose bytes parquet-go failed
	// on: it panicked decoding them.
	ErrCorruptParquet = errors.New("corrupt Parquet data")
)

// LineError is a malformed row: which file, which line (or Parquet row),
// which column, the offending value and why. Line is 1-based; 0 means the
// error is about the file as a whole (its header or schema).
type LineError struct {
	File   string
	Line   int64
	Column string
	Value  string
	Reason string
	Err    error // a sentinel such as ErrMissingColumn, if any
}

func (e *LineError) Error() string {
	b := make([]byte, 0, 128)
	b = append(b, e.File...)
	if e.Line > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, e.Line, 10)
	}
	if e.Column != "" {
		b = append(b, ": column "...)
		b = append(b, e.Column...)
	}
	if e.Value != "" || e.Column != "" {
		b = append(b, " value "...)
		v := e.Value
		if len(v) > 80 {
			v = v[:80] + "…"
		}
		b = strconv.AppendQuote(b, v)
	}
	b = append(b, ": "...)
	b = append(b, e.Reason...)
	return string(b)
}

func (e *LineError) Unwrap() error { return e.Err }

// Reject converts the error to the row stored in ingest_rejects.
func (e *LineError) Reject() tally.IngestReject {
	return tally.IngestReject{File: e.File, Line: e.Line, Column: e.Column, Value: e.Value, Reason: e.Reason}
}

// FileError returns a *tally.Error (EInvalid) about a whole file, wrapping err.
func FileError(file string, err error) error {
	return tally.Errorf(tally.EInvalid, "%s: %w", file, err)
}

// MissingColumns returns the file-level error for required columns absent from a file.
func MissingColumns(file string, cols []string) error {
	return &LineError{File: file, Reason: fmt.Sprintf("missing required column(s) %v", cols), Err: ErrMissingColumn}
}
