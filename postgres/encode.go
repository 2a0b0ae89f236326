package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tallyhq/tally"
)

// numeric returns m for a numeric column: its exact decimal text, which
// numericCodec encodes in the binary format directly.
func numeric(m tally.Money) any { return decimalText(m.Decimal()) }

// quantity returns a measured quantity for a numeric column.
func quantity(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return decimalText(strconv.FormatFloat(f, 'f', -1, 64))
}

// decimalText is a plain decimal ("-12.5", "0.000016") bound for a numeric
// column. numericCodec writes it in PostgreSQL's binary numeric format
// without the big.Int arithmetic pgx's own encoder does, which matters at
// millions of COPY rows.
type decimalText string

// numericCodec is pgx's NumericCodec plus a fast path for decimalText.
type numericCodec struct{ pgtype.NumericCodec }

func (c numericCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(decimalText); ok {
		if format == pgtype.BinaryFormatCode {
			return decimalBinaryPlan{}
		}
		return decimalTextPlan{}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

type decimalTextPlan struct{}

func (decimalTextPlan) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, value.(decimalText)...), nil
}

type decimalBinaryPlan struct{}

// Encode writes ndigits, weight, sign, dscale and base-10000 digits.
func (decimalBinaryPlan) Encode(value any, buf []byte) ([]byte, error) {
	s := string(value.(decimalText))
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, fracPart, _ := strings.Cut(s, ".")
	for _, p := range [2]string{intPart, fracPart} {
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return nil, fmt.Errorf("numeric %q: not a plain decimal", string(value.(decimalText)))
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	fracPart = strings.TrimRight(fracPart, "0")
	dscale := len(fracPart)
	if len(intPart) > 4*math.MaxInt16 || dscale > math.MaxInt16 {
		return nil, fmt.Errorf("numeric %q: out of range", string(value.(decimalText)))
	}
	// Base-10000 groups aligned on the decimal point.
	var digits [64]int16
	d := digits[:0]
	lead := len(intPart) % 4
	if lead == 0 && len(intPart) > 0 {
		lead = 4
	}
	for i := 0; i < len(intPart); {
		n := 4
		if i == 0 {
			n = lead
		}
		d = append(d, group(intPart[i:i+n]))
		i += n
	}
	weight := len(d) - 1
	for i := 0; i < len(fracPart); i += 4 {
		g := fracPart[i:min(i+4, len(fracPart))]
		v := group(g)
		for k := len(g); k < 4; k++ {
			v *= 10
		}
		d = append(d, v)
	}
	for len(d) > 0 && d[0] == 0 { // leading zero groups (0.000016)
		d = d[1:]
		weight--
	}
	for len(d) > 0 && d[len(d)-1] == 0 {
		d = d[:len(d)-1]
	}
	sign := uint16(0)
	if neg && len(d) > 0 {
		sign = 0x4000
	}
	if len(d) == 0 {
		weight = 0
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(d)))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	for _, g := range d {
		buf = binary.BigEndian.AppendUint16(buf, uint16(g))
	}
	return buf, nil
}

func group(s string) int16 {
	var v int16
	for i := 0; i < len(s); i++ {
		v = v*10 + int16(s[i]-'0')
	}
	return v
}

// registerTypes installs numericCodec on a new connection.
func registerTypes(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: numericCodec{}})
}

// jsonObject encodes a string map as a JSON object with sorted keys, for a
// jsonb column (nil for a nil map: NULL).
func jsonObject(m map[string]string) any {
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	n := 2
	for k, v := range m {
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	sort.Strings(keys)
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD
// and NUL is escaped (jsonb rejects a raw \u0000, so it is dropped).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == 0:
				// dropped: PostgreSQL cannot store \u0000 in jsonb text
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
