package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// terminalSafe returns w itself unless it is a terminal, and then a writer
// that shows control characters escaped (ESC as \x1b), tabs and newlines
// excepted. What Tally prints carries names it does not choose: pod
// annotations and names from agent batches, tags from bills, token names
// from the API. Written raw to a terminal, an escape sequence in one would
// drive it: rewrite or hide lines of a table, set the window title, or
// (OSC 52) put text in the clipboard. Redirected to a file or a pipe, the
// output is left byte for byte as it is.
func terminalSafe(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &controlEscaper{w: w}
	}
	return w
}

// controlEscaper escapes C0 and C1 control characters (but tab and
// newline), DEL and bytes that are not UTF-8. A character split across
// two writes is held until its end arrives.
type controlEscaper struct {
	w       io.Writer
	pending []byte
}

func (e *controlEscaper) Write(p []byte) (int, error) {
	buf := append(e.pending, p...)
	e.pending = nil
	out := make([]byte, 0, len(buf))
	for len(buf) > 0 {
		if !utf8.FullRune(buf) {
			e.pending = append([]byte(nil), buf...)
			break
		}
		r, size := utf8.DecodeRune(buf)
		switch {
		case r == utf8.RuneError && size == 1:
			out = fmt.Appendf(out, `\x%02x`, buf[0])
		case r == '\n' || r == '\t':
			out = append(out, buf[:size]...)
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			q := strconv.QuoteRune(r)
			out = append(out, q[1:len(q)-1]...)
		default:
			out = append(out, buf[:size]...)
		}
		buf = buf[size:]
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// tableCell shows the tabs and line breaks of a name as escapes (\t, \n),
// for a cell of a table: tabwriter splits cells at tabs and rows at line
// breaks, so a name holding them (an annotation's value, a tag) would
// shift its row's columns or add rows of its own, terminal or not.
func tableCell(s string) string {
	if !strings.ContainsAny(s, "\t\n\v\f\r\u0085\u2028\u2029") {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
