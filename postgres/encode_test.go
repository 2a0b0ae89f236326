package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

var decimalCases = []string{"0", "-0", "0.096", "0.0000160599", "-12.5", "1557.4364", "10000", "123456789012.000000000001",
	"0.1", "99999999", "-0.00001", "1.000", "000123.4500", "7", "-5", "0.3752"}

// TestDecimalBinaryMatchesPgx compares the fast encoder with pgx's own.
func TestDecimalBinaryMatchesPgx(t *testing.T) {
	m := pgtype.NewMap()
	for _, in := range decimalCases {
		var n pgtype.Numeric
		if err := n.Scan(in); err != nil {
			t.Fatal(err)
		}
		want, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, n, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decimalBinaryPlan{}.Encode(decimalText(in), nil)
		if err != nil {
			t.Fatal(err)
		}
		// pgx keeps trailing zeros' scale ("1.000" has dscale 3); compare values by decoding both.
		var a, b pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, got, &a); err != nil {
			t.Fatalf("%s: decode ours: %v", in, err)
		}
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, want, &b); err != nil {
			t.Fatal(err)
		}
		av, _ := a.Value()
		bv, _ := b.Value()
		fa, _ := a.Float64Value()
		fb, _ := b.Float64Value()
		if fa != fb || (av == nil) != (bv == nil) {
			t.Errorf("%s: ours %v (% x), pgx %v (% x)", in, av, got, bv, want)
		}
	}
}

func FuzzDecimalBinary(f *testing.F) {
	for _, c := range decimalCases {
		f.Add(c)
	}
	m := pgtype.NewMap()
	f.Fuzz(func(t *testing.T, s string) {
		got, err := decimalBinaryPlan{}.Encode(decimalText(s), nil)
		if err != nil {
			return
		}
		var n pgtype.Numeric
		if err := m.Scan(pgtype.NumericOID, pgtype.BinaryFormatCode, got, &n); err != nil {
			t.Fatalf("%q: encoded % x does not decode: %v", s, got, err)
		}
	})
}
