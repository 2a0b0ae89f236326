package ingest

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxRecordBytes is the longest CSV record or NDJSON line a reader
// accepts. encoding/csv and a JSON decoder hold a whole record in memory,
// and an unclosed quote makes one record of the rest of the file: a 509 KiB
// gzipped CSV allocated 3.8 GiB growing its line and field buffers. A
// billing line is a few kilobytes; 64 MiB leaves room for any tag set.
const MaxRecordBytes = 64 << 20

// errRecordTooLong is recordLimit's error: the record being read is longer
// than MaxRecordBytes.
var errRecordTooLong = fmt.Errorf("longer than %d MiB", MaxRecordBytes>>20)

// recordLimit is an io.Reader that fails once the bytes read past start,
// the offset where the current record begins, exceed max (plus what
// csv.Reader's buffer reads ahead).
type recordLimit struct {
	r          io.Reader
	read       int64
	start, max int64
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.read-l.start > l.max {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// EachCSV reads a CSV bill from r: it skips a UTF-8 byte order mark the
// file starts with, hands the header (spaces trimmed) to header, then every
// record with its 1-based line number to record, which may reuse nothing of
// rec after it returns. Malformed CSV and records whose field count differs
// from the header's go to emit as row errors; a record longer than
// MaxRecordBytes (an unclosed quote) is a row error at the line it starts
// on that ends the file. file names the input in errors.
func EachCSV(ctx context.Context, file string, r io.Reader, emit Emit, header func([]string) error, record func(line int64, rec []string) error) error {
	lim := &recordLimit{r: r, max: MaxRecordBytes}
	br := bufio.NewReader(lim) // csv.Reader reads through it, not a buffer of its own
	bom := SkipBOM(br)
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	h, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return FileError(file, errors.New("empty file: no header"))
		}
		if errors.Is(err, errRecordTooLong) {
			return FileError(file, fmt.Errorf("header %w (an unclosed quote?)", err))
		}
		return FileError(file, err)
	}
	next := recordEnd(cr, h) + 1 // the line the next record starts on, if no blank line comes first
	lim.start = bom + cr.InputOffset()
	cols := make([]string, len(h))
	for i, c := range h {
		cols[i] = strings.TrimSpace(c)
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
		if errors.Is(err, errRecordTooLong) {
			// Not a row to skip: the rest of the file is one record.
			return &LineError{File: file, Line: next, Reason: fmt.Sprintf("malformed CSV: the record starting at byte %d is %v (an unclosed quote?)", lim.start, err)}
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) { // the input failed: say how far it was read
				return &LineError{File: file, Line: next, Reason: err.Error(), Err: err}
			}
			if e := emit(int64(pe.Line), nil, &LineError{File: file, Line: int64(pe.Line), Reason: parseReason(pe)}); e != nil {
				return e
			}
			next, lim.start = int64(pe.Line)+1, bom+cr.InputOffset()
			continue
		}
		next, lim.start = recordEnd(cr, rec)+1, bom+cr.InputOffset()
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

// utf8BOM is the byte order mark some tools write at the start of UTF-8
// text: Azure's FOCUS exports, Excel's "CSV UTF-8".
const utf8BOM = "\ufeff"

// SkipBOM discards a UTF-8 byte order mark at the start of br and returns
// its length, 0 when there is none. Left in, it is part of the first
// field of a CSV file, and a quoted first field is then malformed CSV; it
// makes an NDJSON file's first line no JSON.
func SkipBOM(br *bufio.Reader) int64 {
	if b, _ := br.Peek(len(utf8BOM)); string(b) != utf8BOM {
		return 0
	}
	n, _ := br.Discard(len(utf8BOM))
	return int64(n)
}

// recordEnd is the line the record rec, just read by cr, ends on: its last
// field's line plus the line breaks quoted in that field.
func recordEnd(cr *csv.Reader, rec []string) int64 {
	if len(rec) == 0 {
		return 0
	}
	line, _ := cr.FieldPos(len(rec) - 1)
	return int64(line + strings.Count(rec[len(rec)-1], "\n"))
}

// parseReason says what csv.Reader found wrong and where in the line
// (ParseError's Column is a byte of the line, not a field: the reader does
// not say which field it was in).
func parseReason(pe *csv.ParseError) string {
	where := fmt.Sprintf("at byte %d of the line", pe.Column)
	if pe.StartLine != pe.Line {
		where += fmt.Sprintf(", in a record starting on line %d", pe.StartLine)
	}
	return fmt.Sprintf("malformed CSV %s: %v", where, pe.Err)
}
