package tally

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// units is a signed 128-bit two's-complement count of 10^-Scale currency
// units. It is Money's representation; nothing outside this file touches its
// bits.
type units struct {
	hi int64
	lo uint64
}

var pow10 = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

func unitsOf(n int64) units {
	if n < 0 {
		return units{hi: -1, lo: uint64(n)}
	}
	return units{lo: uint64(n)}
}

func (a units) sign() int {
	switch {
	case a.hi < 0:
		return -1
	case a.hi == 0 && a.lo == 0:
		return 0
	}
	return 1
}

func (a units) neg() units {
	lo, b := bits.Sub64(0, a.lo, 0)
	hi, _ := bits.Sub64(0, uint64(a.hi), b)
	return units{hi: int64(hi), lo: lo}
}

// add returns a+b and false on signed overflow.
func (a units) add(b units) (units, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(uint64(a.hi), uint64(b.hi), c)
	r := units{hi: int64(hi), lo: lo}
	if (a.hi < 0) == (b.hi < 0) && (r.hi < 0) != (a.hi < 0) {
		return units{}, false
	}
	return r, true
}

func (a units) cmp(b units) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a units) int64() (int64, bool) {
	if (a.hi == 0 && a.lo < 1<<63) || (a.hi == -1 && a.lo >= 1<<63) {
		return int64(a.lo), true
	}
	return 0, false
}

// mulSmall returns a×k for a non-negative or negative a, false on overflow.
func mulSmall(a units, k uint64) (units, bool) {
	q, _, ok := a.mulDiv(k, 1, false)
	return q, ok
}

// mulDiv returns a×num/den and the remainder of the magnitude division. With
// round set the quotient is rounded half to even, else truncated toward zero.
func (a units) mulDiv(num, den uint64, round bool) (q units, rem uint64, ok bool) {
	neg := a.hi < 0
	if neg {
		a = a.neg()
	}
	// 128×64 → 192 bits: p2:p1:p0.
	h0, p0 := bits.Mul64(a.lo, num)
	h1, l1 := bits.Mul64(uint64(a.hi), num)
	p1, c := bits.Add64(h0, l1, 0)
	p2 := h1 + c
	q2, r := bits.Div64(0, p2, den)
	q1, r := bits.Div64(r, p1, den)
	q0, r := bits.Div64(r, p0, den)
	if q2 != 0 || q1 >= 1<<63 {
		return units{}, 0, false
	}
	q = units{hi: int64(q1), lo: q0}
	if round {
		// Round half to even: compare 2r with den without overflowing.
		half := den - r
		if r > half || (r == half && q0&1 == 1) {
			q, ok = q.add(unitsOf(1))
			if !ok {
				return units{}, 0, false
			}
		}
	}
	if neg {
		q = q.neg()
	}
	return q, r, true
}

// decimal formats a as a plain decimal with trailing fractional zeros trimmed.
func (a units) decimal() string {
	neg := a.hi < 0
	if neg {
		a = a.neg()
	}
	// Split the magnitude into base-1e18 chunks top:mid:low (2^127 < 1e39).
	const base = 1e18
	qHi, r := bits.Div64(0, uint64(a.hi), base)
	qLo, low := bits.Div64(r, a.lo, base)
	top, mid := bits.Div64(qHi, qLo, base) // qHi < base, so the quotient fits
	var digits string
	if top != 0 {
		digits = fmt.Sprintf("%d%018d", top, mid)
	} else {
		digits = strconv.FormatUint(mid, 10)
	}
	digits += fmt.Sprintf("%018d", low)
	digits = strings.TrimLeft(digits, "0")
	if len(digits) <= Scale {
		digits = strings.Repeat("0", Scale-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-Scale], strings.TrimRight(digits[len(digits)-Scale:], "0")
	s := intPart
	if frac != "" {
		s += "." + frac
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// parseUnits parses [+-]digits[.digits][(e|E)[+-]digits], rounding half to
// even beyond Scale decimals.
func parseUnits(s string) (units, error) {
	orig := s
	bad := func(why string) (units, error) {
		return units{}, fmt.Errorf("amount %q: %s", orig, why)
	}
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 400 || e < -400 {
			return bad("bad exponent")
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return bad("no digits")
	}
	digits := intPart + frac
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return bad("not a decimal number")
		}
	}
	// The value is digits × 10^(exp − len(frac)); we want it × 10^Scale.
	shift := Scale + exp - len(frac)
	keep := digits
	var dropped string
	if shift < 0 {
		cut := len(digits) + shift
		if cut < 0 {
			dropped = strings.Repeat("0", -cut) + digits
			keep = ""
		} else {
			keep, dropped = digits[:cut], digits[cut:]
		}
		shift = 0
	}
	keep = strings.TrimLeft(keep, "0")
	if len(keep)+shift > 39 {
		return bad("out of range")
	}
	var a units
	for i := 0; i < len(keep); i++ {
		var ok bool
		if a, ok = mulSmall(a, 10); !ok {
			return bad("out of range")
		}
		if a, ok = a.add(unitsOf(int64(keep[i] - '0'))); !ok {
			return bad("out of range")
		}
	}
	for ; shift > 0; shift-- {
		var ok bool
		if a, ok = mulSmall(a, 10); !ok {
			return bad("out of range")
		}
	}
	if roundUp(dropped, a.lo&1 == 1) {
		var ok bool
		if a, ok = a.add(unitsOf(1)); !ok {
			return bad("out of range")
		}
	}
	if neg {
		a = a.neg()
	}
	return a, nil
}

// roundUp decides half-to-even rounding from the dropped digits.
func roundUp(dropped string, odd bool) bool {
	if dropped == "" {
		return false
	}
	switch {
	case dropped[0] > '5':
		return true
	case dropped[0] < '5':
		return false
	}
	if strings.TrimRight(dropped[1:], "0") != "" {
		return true
	}
	return odd
}
