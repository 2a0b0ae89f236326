package postgres

import (
	"encoding/binary"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tallyhq/tally"
)

// This file writes COPY's binary format (PGCOPY) directly, so that bulk
// loads of cost lines allocate nothing per field: pgx's CopyFrom takes
// []any rows, which boxes every string and encodes numerics through
// big.Int, and at millions of rows that costs more CPU than the server's
// own work. The stream goes through pgx's pgconn.CopyFrom.

var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// pgEpoch is 2000-01-01, where PostgreSQL timestamps count from.
const pgEpochMicros = 946684800 * 1000000

func appendField(buf []byte, b []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
	return append(buf, b...)
}

func appendNull(buf []byte) []byte { return binary.BigEndian.AppendUint32(buf, 0xffffffff) }

// appendText writes a text field; invalid UTF-8 and NUL (which PostgreSQL
// text cannot hold) become U+FFFD.
func appendText(buf []byte, s string) []byte {
	if clean(s) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
		return append(buf, s...)
	}
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0 || (r == utf8.RuneError && n == 1) {
			r = utf8.RuneError
		}
		buf = utf8.AppendRune(buf, r)
		i += n
	}
	binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	return buf
}

func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c >= utf8.RuneSelf {
			return c != 0 && utf8.ValidString(s[i:])
		}
	}
	return true
}

func appendInt64(buf []byte, v int64) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 8)
	return binary.BigEndian.AppendUint64(buf, uint64(v))
}

func appendTimestamptz(buf []byte, t time.Time) []byte {
	return appendInt64(buf, t.UnixMicro()-pgEpochMicros)
}

// appendMoney writes m as numeric.
func appendMoney(buf []byte, m tally.Money) []byte {
	u, ok := m.Units()
	if !ok {
		return appendDecimal(buf, m.Decimal())
	}
	neg := u < 0
	var scratch [24]byte
	var d []byte
	if neg {
		d = strconv.AppendUint(scratch[:0], uint64(-u), 10)
	} else {
		d = strconv.AppendUint(scratch[:0], uint64(u), 10)
	}
	if len(d) <= tally.Scale {
		return appendNumeric(buf, neg, nil, leftPad(d, tally.Scale))
	}
	return appendNumeric(buf, neg, d[:len(d)-tally.Scale], d[len(d)-tally.Scale:])
}

func leftPad(d []byte, n int) []byte {
	var p [tally.Scale]byte
	for i := range p {
		p[i] = '0'
	}
	copy(p[n-len(d):], d)
	return p[:]
}

// appendQuantity writes a measured quantity as numeric (NULL if not finite).
func appendQuantity(buf []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendNull(buf)
	}
	var scratch [32]byte
	return appendDecimalBytes(buf, strconv.AppendFloat(scratch[:0], f, 'f', -1, 64))
}

// appendDecimal writes a plain decimal ("-12.5") as numeric.
func appendDecimal(buf []byte, s string) []byte { return appendDecimalBytes(buf, []byte(s)) }

func appendDecimalBytes(buf []byte, s []byte) []byte {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	for i, c := range s {
		if c == '.' {
			return appendNumeric(buf, neg, s[:i], s[i+1:])
		}
	}
	return appendNumeric(buf, neg, s, nil)
}

// appendNumeric writes the numeric field for the decimal digits
// intPart.fracPart: ndigits, weight, sign and dscale, then base-10000
// digits aligned on the decimal point. Digits must be ASCII 0–9.
func appendNumeric(buf []byte, neg bool, intPart, fracPart []byte) []byte {
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	for len(fracPart) > 0 && fracPart[len(fracPart)-1] == '0' {
		fracPart = fracPart[:len(fracPart)-1]
	}
	var digits [48]int16
	d := digits[:0]
	lead := len(intPart) % 4
	if lead == 0 {
		lead = 4
	}
	for i := 0; i < len(intPart); {
		n := 4
		if i == 0 {
			n = lead
		}
		d = append(d, group(intPart[i:i+n], 0))
		i += n
	}
	weight := len(d) - 1
	for i := 0; i < len(fracPart); i += 4 {
		g := fracPart[i:min(i+4, len(fracPart))]
		d = append(d, group(g, 4-len(g)))
	}
	for len(d) > 0 && d[0] == 0 {
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
	buf = binary.BigEndian.AppendUint32(buf, uint32(8+2*len(d)))
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(d)))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(fracPart)))
	for _, g := range d {
		buf = binary.BigEndian.AppendUint16(buf, uint16(g))
	}
	return buf
}

// group reads up to four digits, then scales by 10^pad.
func group(s []byte, pad int) int16 {
	var v int16
	for _, c := range s {
		v = v*10 + int16(c-'0')
	}
	for ; pad > 0; pad-- {
		v *= 10
	}
	return v
}

// appendJSONB writes a string map as a jsonb field (NULL for nil). jsonb
// orders keys itself, so none is sorted here.
func appendJSONB(buf []byte, m map[string]string) []byte {
	if m == nil {
		return appendNull(buf)
	}
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0, 1, '{') // length placeholder, jsonb version 1
	first := true
	for k, v := range m {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		buf = appendJSONString(buf, v)
	}
	buf = append(buf, '}')
	binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	return buf
}

// appendJSONString appends s as a JSON string; invalid UTF-8 and NUL
// (which jsonb cannot hold) become U+FFFD.
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
				b = append(b, "\ufffd"...)
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

// appendCostLine writes one cost_lines tuple, in costLineColumns order.
func appendCostLine(buf []byte, key tally.BillingPeriodKey, runID int64, l *tally.CostLine) []byte {
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(costLineColumns)))
	buf = appendText(buf, key.BillingAccountID)
	buf = appendTimestamptz(buf, key.Start)
	buf = appendText(buf, key.Source)
	buf = appendInt64(buf, runID)
	buf = appendText(buf, l.Provider)
	buf = appendText(buf, l.BillingAccountName)
	buf = appendText(buf, l.SubAccountID)
	buf = appendText(buf, l.SubAccountName)
	buf = appendTimestamptz(buf, l.BillingPeriodEnd)
	buf = appendTimestamptz(buf, l.ChargePeriodStart)
	buf = appendTimestamptz(buf, l.ChargePeriodEnd)
	buf = appendText(buf, string(l.ChargeCategory))
	buf = appendText(buf, l.ChargeClass)
	buf = appendText(buf, l.ChargeDescription)
	buf = appendText(buf, l.ChargeFrequency)
	buf = appendText(buf, string(l.Currency()))
	buf = appendMoney(buf, l.BilledCost)
	buf = appendMoney(buf, l.EffectiveCost)
	buf = appendMoney(buf, l.ListCost)
	buf = appendMoney(buf, l.ContractedCost)
	buf = appendQuantity(buf, l.PricingQuantity)
	buf = appendText(buf, l.PricingUnit)
	buf = appendQuantity(buf, l.ConsumedQuantity)
	buf = appendText(buf, l.ConsumedUnit)
	buf = appendText(buf, l.PricingCategory)
	buf = appendText(buf, l.ServiceName)
	buf = appendText(buf, l.ServiceCategory)
	buf = appendText(buf, l.SkuID)
	buf = appendText(buf, l.SkuPriceID)
	buf = appendText(buf, l.RegionID)
	buf = appendText(buf, l.AvailabilityZone)
	buf = appendText(buf, l.ResourceID)
	buf = appendText(buf, l.ResourceName)
	buf = appendText(buf, l.ResourceType)
	buf = appendText(buf, l.CommitmentDiscountID)
	buf = appendText(buf, l.CommitmentDiscountCategory)
	buf = appendText(buf, l.CommitmentDiscountType)
	buf = appendText(buf, string(l.CommitmentDiscountStatus))
	buf = appendJSONB(buf, l.Tags)
	buf = appendJSONB(buf, l.Extras)
	return buf
}
