// Package csvtable reads CSV files whose first row names the columns, for
// the parsers of Tally's own file formats (usage traces, commitment usage):
// columns are found by name in any order and case, and a bad header is an
// error that says file:line and wraps the caller's sentinel.
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
// Errors of Read are the csv package's: the caller says where.
type Reader struct {
	*csv.Reader
	Col map[string]int // column name (lower case) → field index
}

// Open reads the header of r (name is used in errors, which wrap bad) and
// checks it has every column in required; want describes the expected
// header in the errors. '#' lines are comments; a byte-order mark is ignored.
func Open(r io.Reader, name string, bad error, required []string, want string) (*Reader, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	cr.Comment = '#'
	t := &Reader{Reader: cr, Col: map[string]int{}}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w: empty file, want a header %s", name, bad, want)
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d: %w: %v", name, pe.Line, bad, pe.Err)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := t.Col[h]; dup {
			return nil, fmt.Errorf("%s:1: %w: column %q appears twice", name, bad, h)
		}
		t.Col[h] = i
	}
	for _, c := range required {
		if _, ok := t.Col[c]; !ok {
			return nil, fmt.Errorf("%s:1: %w: missing column %q (want %s)", name, bad, c, want)
		}
	}
	cr.FieldsPerRecord = len(header)
	return t, nil
}
