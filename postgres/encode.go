package postgres

import (
	"math/big"
	"sort"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tallyhq/tally"
)

// numeric returns m for a numeric column in COPY's binary format without
// going through text: the exact 10^-12 units, trailing zeros dropped.
func numeric(m tally.Money) any {
	u, ok := m.Units()
	if !ok {
		return m.Decimal() // beyond ±9.2 million units: let pgx parse the text
	}
	exp := int32(-tally.Scale)
	for exp < 0 && u%10 == 0 && u != 0 {
		u /= 10
		exp++
	}
	if u == 0 {
		exp = 0
	}
	return pgtype.Numeric{Int: big.NewInt(u), Exp: exp, Valid: true}
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
