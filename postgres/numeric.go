package postgres

import (
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tallyhq/tally"
)

// numeric is a Money bound for a numeric column or parameter. The codec
// registered on every connection (registerNumeric) writes it in
// PostgreSQL's binary numeric format straight from its integer units; given
// a decimal string instead, pgx first fails a binary plan, then parses the
// string into a big.Int and divides it into base-10000 digits, which was
// most of the client's time copying allocations.
type numeric tally.Money

// money is m as a numeric parameter.
func money(m tally.Money) numeric { return numeric(m) }

// registerNumeric replaces the numeric type of tm with one whose codec
// encodes numeric values directly and leaves every other value to pgx.
func registerNumeric(tm *pgtype.Map) {
	tm.RegisterType(&pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: numericCodec{}})
}

// numericCodec is pgx's numeric codec with a plan for numeric values.
type numericCodec struct{ pgtype.NumericCodec }

// PlanEncode implements pgtype.Codec.
func (c numericCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(numeric); ok {
		switch format {
		case pgtype.BinaryFormatCode:
			return numericBinaryPlan{m: m, oid: oid}
		case pgtype.TextFormatCode:
			return numericTextPlan{}
		}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

type numericTextPlan struct{}

func (numericTextPlan) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, tally.Money(value.(numeric)).Decimal()...), nil
}

type numericBinaryPlan struct {
	m   *pgtype.Map
	oid uint32
}

func (p numericBinaryPlan) Encode(value any, buf []byte) ([]byte, error) {
	m := tally.Money(value.(numeric))
	u, ok := m.Units()
	if !ok {
		// Beyond ±9.2 million: rare enough for pgx's general path.
		var n pgtype.Numeric
		if err := n.Scan(m.Decimal()); err != nil {
			return nil, fmt.Errorf("encode %s as numeric: %w", m.Decimal(), err)
		}
		return p.m.Encode(p.oid, pgtype.BinaryFormatCode, n, buf)
	}
	return appendNumericUnits(buf, u), nil
}

// appendNumericUnits appends u × 10^-tally.Scale in PostgreSQL's binary
// numeric format: digit count, weight (the power of 10000 of the first
// digit), sign, display scale, then base-10000 digits, most significant
// first, without leading or trailing zero digits. The display scale is the
// number of decimals the amount really has, as the text input would give.
func appendNumericUnits(buf []byte, u int64) []byte {
	const fracDigits = tally.Scale / 4 // base-10000 digits after the point
	sign := uint16(0)
	abs := uint64(u)
	if u < 0 {
		sign, abs = 0x4000, -abs
	}
	if abs == 0 {
		return binary.BigEndian.AppendUint64(buf, 0) // no digits, weight 0, positive, scale 0
	}
	dscale := tally.Scale
	for v := abs; dscale > 0 && v%10 == 0; v /= 10 {
		dscale--
	}
	var digits [8]uint16 // 2^64 < 10000^5, plus the fractional digits
	n := 0
	for v := abs; v > 0 || n < fracDigits; v /= 10000 {
		digits[n] = uint16(v % 10000) // least significant first
		n++
	}
	weight := n - 1 - fracDigits
	for digits[n-1] == 0 { // leading zeros
		n--
		weight--
	}
	lo := 0
	for digits[lo] == 0 { // trailing zeros
		lo++
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(n-lo))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	for i := n - 1; i >= lo; i-- {
		buf = binary.BigEndian.AppendUint16(buf, digits[i])
	}
	return buf
}
