package forecast

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// WideSeries is one row of a wide competition file: an id and its values in
// time order (NaN where a value is missing).
type WideSeries struct {
	ID     string
	Values []float64
	Line   int // line of the file the row starts on
}

// ErrBadInput is wrapped by every error ReadWide returns for malformed input,
// and by Evaluate's for test series that do not match the training series.
// Its text follows the place in the message, as in the other file formats'
// errors: "f.csv:2: bad series file: …".
var ErrBadInput = errors.New("bad series file")

// ReadWide reads the wide CSV layout of public forecasting competitions (M3,
// M4, tourism): one series per row, the series id in the first column, then
// its values in time order. Fields may be quoted or not; rows may have
// different lengths, and trailing empty or NA fields (padding of shorter
// rows) are ignored. An empty, NA or NaN field between values is a missing value. A
// first row whose value columns are not numbers (such as "V1","V2",…) is a
// header. Errors name the file (name), line, column and value, and wrap
// ErrBadInput.
func ReadWide(r io.Reader, name string) ([]WideSeries, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	var out []WideSeries
	seen := map[string]int{}
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %w: column %d: %v", name, pe.Line, ErrBadInput, pe.Column, pe.Err)
			}
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		isFirst := first
		first = false
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if isFirst && isHeader(rec) {
			continue
		}
		id := strings.TrimSpace(rec[0])
		if id == "" {
			return nil, fmt.Errorf("%s:%d: %w: column 1: empty series id", name, line, ErrBadInput)
		}
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("%s:%d: %w: column 1: series %q repeated (first on line %d)", name, line, ErrBadInput, id, prev)
		}
		seen[id] = line
		last := len(rec) - 1
		for last > 0 && isMissing(rec[last]) {
			last--
		}
		if last == 0 {
			return nil, fmt.Errorf("%s:%d: %w: series %q has no values", name, line, ErrBadInput, id)
		}
		vals := make([]float64, last)
		for i := 1; i <= last; i++ {
			v, err := parseValue(rec[i])
			if err != nil {
				fl, col := cr.FieldPos(i)
				return nil, fmt.Errorf("%s:%d:%d: %w: field %d (value %d of series %q): %q: %v", name, fl, col, ErrBadInput, i+1, i, id, rec[i], err)
			}
			vals[i-1] = v
		}
		out = append(out, WideSeries{ID: id, Values: vals, Line: line})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no series", name, ErrBadInput)
	}
	return out, nil
}

func isMissing(s string) bool {
	switch strings.TrimSpace(s) {
	case "", "NA", "NaN", "nan", "NULL":
		return true
	}
	return false
}

func parseValue(s string) (float64, error) {
	if isMissing(s) {
		return math.NaN(), nil
	}
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("not a number")
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}

// isHeader reports whether rec looks like a header: none of its value
// columns holds a number (M4's header is "V1","V2",…).
func isHeader(rec []string) bool {
	text := false
	for _, f := range rec[1:] {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, err := strconv.ParseFloat(f, 64); err == nil {
			return false
		}
		text = true
	}
	return text
}

// WriteWide writes series in the layout ReadWide reads, the way the M4
// files are written: a header "V1","V2",… as wide as the longest row, every
// field quoted, shorter rows padded with empty fields, missing values empty.
func WriteWide(w io.Writer, series []WideSeries) error {
	width := 0
	for _, s := range series {
		width = max(width, len(s.Values))
	}
	bw := bufio.NewWriter(w)
	row := func(fields []string) {
		for i, f := range fields {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteByte('"')
			bw.WriteString(strings.ReplaceAll(f, `"`, `""`))
			bw.WriteByte('"')
		}
		bw.WriteByte('\n')
	}
	fields := make([]string, width+1)
	for i := range fields {
		fields[i] = "V" + strconv.Itoa(i+1)
	}
	row(fields)
	for _, s := range series {
		fields[0] = s.ID
		for i := 1; i <= width; i++ {
			fields[i] = ""
			if i-1 < len(s.Values) && !math.IsNaN(s.Values[i-1]) {
				fields[i] = strconv.FormatFloat(s.Values[i-1], 'f', -1, 64)
			}
		}
		row(fields)
	}
	return bw.Flush()
}
