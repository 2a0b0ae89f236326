package postgres

import (
	"encoding/binary"
	"math/big"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

var decimalCases = []string{"0", "-0", "0.096", "0.0000160599", "-12.5", "1557.4364", "10000", "123456789012.000000000001",
	"0.1", "99999999", "-0.00001", "1.000", "000123.4500", "7", "-5", "0.3752", "12345.6789"}

// TestNumericMatchesPgx decodes the fast encoder's output with pgx's
// numeric decoder and compares values.
func TestNumericMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	for _, in := range decimalCases {
		field := appendDecimal(nil, in)
		if n := binary.BigEndian.Uint32(field); int(n) != len(field)-4 {
			t.Fatalf("%s: length %d, field %d", in, n, len(field)-4)
		}
		var got, want pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, field[4:], &got); err != nil {
			t.Fatalf("%s: decode: %v", in, err)
		}
		if err := want.Scan(in); err != nil {
			t.Fatal(err)
		}
		gv, _ := got.Value()
		wv, _ := want.Value()
		gf, _ := got.Float64Value()
		wf, _ := want.Float64Value()
		if gf != wf {
			t.Errorf("%s: got %v, want %v", in, gv, wv)
		}
	}
}

func FuzzNumeric(f *testing.F) {
	for _, c := range decimalCases {
		f.Add(c)
	}
	m := pgtype.NewMap()
	f.Fuzz(func(t *testing.T, s string) {
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < '0' || c > '9') && c != '.' && !(i == 0 && (c == '-' || c == '+')) {
				return // appendDecimal takes plain decimals only
			}
		}
		if len(s) > 150 || strings.Count(s, ".") > 1 {
			return
		}
		field := appendDecimal(nil, s)
		if n := binary.BigEndian.Uint32(field); int(n) != len(field)-4 {
			t.Fatalf("%q: length %d, field %d", s, n, len(field)-4)
		}
		var n pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, field[4:], &n); err != nil {
			t.Fatalf("%q: % x does not decode: %v", s, field, err)
		}
		// What decodes is the number written (a decimal without digits is 0).
		want, ok := new(big.Rat).SetString(strings.TrimRight(s, "."))
		if !ok {
			want = new(big.Rat)
		}
		got := new(big.Rat).SetInt(n.Int)
		scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(n.Exp, -n.Exp))), nil))
		if n.Exp < 0 {
			got.Quo(got, scale)
		} else {
			got.Mul(got, scale)
		}
		if !n.Valid || n.NaN || got.Cmp(want) != 0 {
			t.Fatalf("%q: % x decodes as %v, want %v", s, field, got.RatString(), want.RatString())
		}
	})
}
