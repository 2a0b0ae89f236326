package ingest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EachCSV reads a CSV bill from r: it hands the header (BOM and spaces
// trimmed) to header, then every record with its 1-based line number to
// record, which may reuse nothing of rec after it returns. Malformed CSV
// and records whose field count differs from the header's go to emit as
// row errors; file names the input in errors.
func EachCSV(ctx context.Context, file string, r io.Reader, emit Emit, header func([]string) error, record func(line int64, rec []string) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	h, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return FileError(file, errors.New("empty file: no header"))
		}
		return FileError(file, err)
	}
	cols := make([]string, len(h))
	for i, c := range h {
		cols[i] = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
	}
	if err := header(cols); err != nil {
		return err
	}
	for n := 0; ; n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return FileError(file, err)
			}
			if e := emit(int64(pe.Line), nil, &LineError{File: file, Line: int64(pe.Line), Reason: "malformed CSV: " + pe.Err.Error()}); e != nil {
				return e
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols) {
			if e := emit(int64(line), nil, &LineError{File: file, Line: int64(line), Reason: fmt.Sprintf("%d fields, header has %d", len(rec), len(cols))}); e != nil {
				return e
			}
			continue
		}
		if err := record(int64(line), rec); err != nil {
			return err
		}
	}
}
