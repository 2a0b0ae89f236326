package ingest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

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

// MissingColumns returns the file-level error for required columns absent
// from a file whose columns are header, read as source's bill ("focus",
// "aws-cur", "gcp-billing"). When header is another source's bill, it says
// so: a FOCUS export given to the CUR reader lacks every CUR column.
func MissingColumns(file string, cols, header []string, source string) error {
	reason := fmt.Sprintf("missing required column(s) %v", cols)
	if bill, other := billOf(header); other != "" && other != source {
		reason += fmt.Sprintf(": its columns are %s: the %s source reads it", bill, other)
	}
	return &LineError{File: file, Reason: reason, Err: ErrMissingColumn}
}

// billOf tells whose bill header is by columns only that bill has, compared
// in lower case without separators (lineItem/LineItemType is
// line_item_line_item_type): the bill, and the source reading it.
func billOf(header []string) (bill, source string) {
	have := map[string]bool{}
	for _, h := range header {
		have[strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, h)] = true
	}
	switch {
	case have["billedcost"] && have["chargecategory"]:
		return "a FOCUS export's", "focus"
	case have["lineitemlineitemtype"]:
		return "an AWS CUR's", "aws-cur"
	case have["billingaccountid"] && have["usagestarttime"] && have["cost"]:
		return "a GCP billing export's", "gcp-billing"
	}
	return "", ""
}
