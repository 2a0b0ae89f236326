// Package csvtable reads CSV files whose first row names the columns, for
// the parsers of Tally's own file formats (usage traces, commitment usage):
// columns are found by name in any order and case, and every error says
// file:line (and the column and value, where there is one) and wraps the
// caller's sentinel. Field and Text make the fields Tally writes safe to
// read back and to open in a spreadsheet.
package csvtable

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Reader reads the rows after the header; each must have as many fields.
type Reader struct {
	cr   *csv.Reader
	name string
	bad  error
	col  map[string]int // column name (lower case) → field index
	n    int            // fields in the header
}

// Open reads the header of r (name is used in errors, which wrap bad) and
// checks it has every column in required; want describes the expected
// header in the errors. '#' lines are comments; a byte-order mark is ignored.
func Open(r io.Reader, name string, bad error, required []string, want string) (*Reader, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	cr.Comment = '#'
	t := &Reader{cr: cr, name: name, bad: bad, col: map[string]int{}}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w: empty file, want a header %s", name, bad, want)
	}
	if err != nil {
		return nil, t.readError(nil, err)
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := t.col[h]; dup {
			return nil, fmt.Errorf("%s:1: %w: column %q appears twice", name, bad, h)
		}
		t.col[h] = i
	}
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			return nil, fmt.Errorf("%s:1: %w: missing column %q (want %s)", name, bad, c, want)
		}
	}
	t.n = len(header)
	cr.FieldsPerRecord = t.n
	return t, nil
}

// Row is one row after the header. Its fields are valid until the next
// call of Next.
type Row struct {
	Line int // line of the file the row starts on
	rec  []string
	t    *Reader
}

// Next reads the next row; it returns io.EOF after the last. A malformed
// row (a bare quote, a field count other than the header's) is an error
// that says file:line and wraps the sentinel.
func (t *Reader) Next() (Row, error) {
	rec, err := t.cr.Read()
	if err != nil {
		if err == io.EOF {
			return Row{}, io.EOF
		}
		return Row{}, t.readError(rec, err)
	}
	line, _ := t.cr.FieldPos(0)
	return Row{Line: line, rec: rec, t: t}, nil
}

// readError says where the csv package's err is; rec is the record Read
// returned with it, if any.
func (t *Reader) readError(rec []string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", t.name, err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Errorf("%s:%d: %w: %d fields, the header has %d", t.name, pe.StartLine, t.bad, len(rec), t.n)
	}
	return fmt.Errorf("%s:%d: %w: byte %d of the line: %v", t.name, pe.Line, t.bad, pe.Column, pe.Err)
}

// Field returns column c's value with surrounding space trimmed; "" when
// the header has no column c.
func (r Row) Field(c string) string {
	i, ok := r.t.col[c]
	if !ok {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// Bad returns the error for column c's value: file:line, the column, its
// value and why, wrapping the sentinel.
func (r Row) Bad(c, why string) error {
	return fmt.Errorf("%s:%d: %w: column %s: value %q: %s", r.t.name, r.Line, r.t.bad, c, r.Field(c), why)
}

// Field returns s as a field of a row Open reads back as s: quoted when it
// holds a comma, a quote or a line break, or starts with '#' (unquoted, the
// row would be read as a comment).
func Field(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") || strings.HasPrefix(s, "#") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// Text returns untrusted text (a name from a bill or an agent batch) as a
// spreadsheet shows it as text: one starting with =, +, -, @, a tab or a
// carriage return, which a spreadsheet would run as a formula, gets a
// leading quote.
func Text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
