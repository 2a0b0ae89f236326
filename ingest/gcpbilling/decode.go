package gcpbilling

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf8"

	jsoniter "github.com/json-iterator/go"
)

// fastJSON decodes export rows as encoding/json does, about three times
// faster: decoding was two thirds of a GCP ingest's CPU (the export is
// read twice, see ingest.AmortizingParser).
var fastJSON = jsoniter.ConfigCompatibleWithStandardLibrary

// decodeRow decodes the JSON object b into row. encoding/json's result and
// errors (jsonError words them) are the reference, and FuzzDecodeRow checks
// that decodeRow agrees with it. fastJSON decodes a row only when it has
// nothing fastJSON reads otherwise (see plain). Any other row, and a row
// fastJSON refuses, is decoded by encoding/json.
func decodeRow(b []byte, row *Row) error {
	if plain(b) && fastJSON.Unmarshal(b, row) == nil {
		return nil
	}
	*row = Row{}
	return json.Unmarshal(b, row)
}

// plain reports whether fastJSON decodes b as encoding/json does: b is
// valid UTF-8 (encoding/json replaces invalid bytes), without control
// characters (JSON allows tab, newline and carriage return between tokens,
// never in a string; fastJSON takes them in strings), \u escapes
// (fastJSON replaces a lone surrogate before a pair with three U+FFFD, and
// keys could be escaped), ſ or K (encoding/json matches "coſt" to cost by
// Unicode case folding, fastJSON does not) or null (encoding/json leaves a
// string that a duplicate key set before, fastJSON empties it), nor a
// negative number fastJSON reads and encoding/json refuses (see
// badNegative). An export row rarely has any.
func plain(b []byte) bool {
	if bytes.Contains(b, []byte(`\u`)) || badNegative(b) {
		return false
	}
	ok, ascii := scanBytes(b)
	if !ok {
		return false
	}
	return ascii || utf8.Valid(b) && !bytes.Contains(b, []byte("ſ")) && !bytes.Contains(b, []byte("\u212a"))
}

// scanBytes reports whether b has neither a control character (a byte
// below 0x20) nor "null", and whether it is all ASCII. It reads eight bytes
// at a time: a loop over the bytes was a quarter of a row's decoding, and
// bytes.Contains(b, "null") stops at every n of the row's names.
func scanBytes(b []byte) (ok, ascii bool) {
	const ones, highs, lows = 0x0101010101010101, 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	var high uint64
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte below 0x20 borrows into its own high bit, and only such a
		// byte does: bytes with the high bit set are masked by ^x.
		if (x-0x20*ones)&^x&highs != 0 {
			return false, false
		}
		high |= x & highs
		// The high bit of each byte that is 'l', exactly; then of each
		// second l of "ll", this word's first byte's with the last word's.
		y := x ^ 'l'*ones
		l := ^((y&lows + lows) | y | lows)
		pairs := l & (l << 8)
		if i > 0 && b[i-1] == 'l' {
			pairs |= l & 0x80
		}
		for ; pairs != 0; pairs &= pairs - 1 {
			if j := i + bits.TrailingZeros64(pairs)/8; j >= 3 && b[j-3] == 'n' && b[j-2] == 'u' {
				return false, false
			}
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c < 0x20 || c == 'l' && i >= 3 && string(b[i-3:i+1]) == "null" {
			return false, false
		}
		high |= uint64(c & 0x80)
	}
	return true, high == 0
}

// badNegative reports whether b may hold a negative number that JSON does
// not allow and fastJSON reads: a minus sign, as a value starts, before a
// point (-.6) or before a 0 that a digit follows (-01). A minus inside a
// string after a colon, comma or bracket counts too; such a row is only
// decoded by encoding/json.
func badNegative(b []byte) bool {
	for i := bytes.IndexByte(b, '-'); i >= 0 && i+1 < len(b); {
		next := b[i+1]
		bad := next == '.' || next == '0' && i+2 < len(b) && '0' <= b[i+2] && b[i+2] <= '9'
		if bad && valueStart(b[:i]) {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '-')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// valueStart reports whether a value may start after b: its last byte
// other than a space is a colon, a comma or an opening bracket.
func valueStart(b []byte) bool {
	b = bytes.TrimRight(b, " ")
	if len(b) == 0 {
		return false
	}
	c := b[len(b)-1]
	return c == ':' || c == ',' || c == '['
}
