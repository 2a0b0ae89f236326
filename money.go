package tally

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Scale is the number of decimal places Money keeps. Amounts are exact
// multiples of 10^-Scale of the currency unit. Bills carry up to 11 decimals
// (the FOCUS sample has BilledCost 0.00001605990), so nano-units would round;
// 12 places keep every published bill exact. Digits beyond the 12th are
// rounded half to even.
const Scale = 12

// Errors returned by Money arithmetic.
var (
	// ErrCurrencyMismatch is returned when two amounts in different currencies are combined.
	ErrCurrencyMismatch = errors.New("currency mismatch")
	// ErrOverflow is returned when a result does not fit Money's range (about ±1.7e26 units).
	ErrOverflow = errors.New("money overflow")
	// ErrZeroWeights is returned by Split when the weights sum to zero.
	ErrZeroWeights = errors.New("weights sum to zero")
)

// Currency is an ISO 4217 code such as "USD". The empty Currency belongs to
// the zero Money, which takes on the currency of whatever is added to it.
type Currency string

// ParseCurrency validates an ISO 4217 code (three ASCII letters, any case).
func ParseCurrency(s string) (Currency, error) {
	s = strings.TrimSpace(s)
	if len(s) != 3 {
		return "", fmt.Errorf("currency %q: want a three-letter ISO 4217 code", s)
	}
	for i := 0; i < 3; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return "", fmt.Errorf("currency %q: want a three-letter ISO 4217 code", s)
		}
	}
	return Currency(strings.ToUpper(s)), nil
}

// Money is an exact amount of one currency. The zero value is zero with no
// currency; it is the identity of Add for every currency.
type Money struct {
	amt units
	cur Currency
}

// Zero returns zero in cur.
func Zero(cur Currency) Money { return Money{cur: cur} }

// FromUnits returns n × 10^-Scale of cur.
func FromUnits(n int64, cur Currency) Money { return Money{amt: unitsOf(n), cur: cur} }

// FromInt returns n whole units of cur (n dollars for USD).
func FromInt(n int64, cur Currency) Money {
	m, _ := mulSmall(unitsOf(n), pow10[Scale])
	return Money{amt: m, cur: cur}
}

// ParseMoney parses a decimal such as "-12.5", "0.00001605990", "1e-5" or
// "+3." in cur. Digits beyond Scale are rounded half to even.
func ParseMoney(s string, cur Currency) (Money, error) {
	a, err := parseUnits(s)
	if err != nil {
		return Money{}, err
	}
	return Money{amt: a, cur: cur}, nil
}

// MustParseMoney is ParseMoney for constants in code and tests; it panics on error.
func MustParseMoney(s string, cur Currency) Money {
	m, err := ParseMoney(s, cur)
	if err != nil {
		panic(err)
	}
	return m
}

// FromFloat converts a binary float, as some bills (CUR 2.0 parquet, GCP
// exports) store costs, by way of its shortest decimal representation, so
// 0.1 becomes exactly 0.1.
func FromFloat(f float64, cur Currency) (Money, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Money{}, fmt.Errorf("amount %v: not a finite number", f)
	}
	return ParseMoney(strconv.FormatFloat(f, 'g', -1, 64), cur)
}

// Currency returns m's currency ("" for the zero Money).
func (m Money) Currency() Currency { return m.cur }

// IsZero reports whether the amount is zero, whatever the currency.
func (m Money) IsZero() bool { return m.amt == units{} }

// Sign returns -1, 0 or +1.
func (m Money) Sign() int { return m.amt.sign() }

// Units returns the amount in 10^-Scale units and whether it fits an int64
// (amounts up to about ±9.2 million currency units do).
func (m Money) Units() (int64, bool) { return m.amt.int64() }

// Neg returns -m.
func (m Money) Neg() Money { return Money{amt: m.amt.neg(), cur: m.cur} }

// Abs returns |m|.
func (m Money) Abs() Money {
	if m.amt.sign() < 0 {
		return m.Neg()
	}
	return m
}

// Add returns m + o. Adding different currencies is ErrCurrencyMismatch,
// except that a zero Money without currency adopts the other's.
func (m Money) Add(o Money) (Money, error) {
	cur, err := m.common(o)
	if err != nil {
		return Money{}, err
	}
	s, ok := m.amt.add(o.amt)
	if !ok {
		return Money{}, fmt.Errorf("%v + %v: %w", m, o, ErrOverflow)
	}
	return Money{amt: s, cur: cur}, nil
}

// Sub returns m − o, with the rules of Add.
func (m Money) Sub(o Money) (Money, error) { return m.Add(o.Neg()) }

// Cmp compares m and o: -1 if m < o, 0 if equal, +1 if m > o. Comparing
// different currencies is ErrCurrencyMismatch.
func (m Money) Cmp(o Money) (int, error) {
	if _, err := m.common(o); err != nil {
		return 0, err
	}
	return m.amt.cmp(o.amt), nil
}

// Equal reports whether m and o are the same amount in the same currency
// (zero amounts are equal whatever their currency).
func (m Money) Equal(o Money) bool {
	if m.IsZero() && o.IsZero() {
		return true
	}
	return m.cur == o.cur && m.amt == o.amt
}

// MulRatio returns m × num / den, rounded half to even.
func (m Money) MulRatio(num, den uint64) (Money, error) {
	if den == 0 {
		return Money{}, fmt.Errorf("%v × %d/0: division by zero", m, num)
	}
	q, _, ok := m.amt.mulDiv(num, den, true)
	if !ok {
		return Money{}, fmt.Errorf("%v × %d/%d: %w", m, num, den, ErrOverflow)
	}
	return Money{amt: q, cur: m.cur}, nil
}

// Split divides m into len(weights) parts proportional to weights whose sum
// is exactly m: each part is rounded down and the leftover units go to the
// largest remainders (ties to the lower index). This is how attribution
// conserves every cent.
func (m Money) Split(weights []uint64) ([]Money, error) {
	var total uint64
	for _, w := range weights {
		s, c := bits.Add64(total, w, 0)
		if c != 0 {
			return nil, fmt.Errorf("split: weights overflow uint64")
		}
		total = s
	}
	if total == 0 {
		return nil, ErrZeroWeights
	}
	neg := m.amt.sign() < 0
	mag := m.amt
	if neg {
		mag = mag.neg()
	}
	parts := make([]Money, len(weights))
	rems := make([]uint64, len(weights))
	left := mag
	for i, w := range weights {
		q, r, ok := mag.mulDiv(w, total, false)
		if !ok {
			return nil, fmt.Errorf("split %v: %w", m, ErrOverflow)
		}
		parts[i], rems[i] = Money{amt: q, cur: m.cur}, r
		left, _ = left.add(q.neg())
	}
	// left < len(weights) units: hand them out by largest remainder.
	n, _ := left.int64()
	for ; n > 0; n-- {
		best := -1
		for i, r := range rems {
			if weights[i] != 0 && (best < 0 || r > rems[best]) {
				best = i
			}
		}
		parts[best].amt, _ = parts[best].amt.add(unitsOf(1))
		rems[best] = 0
	}
	if neg {
		for i := range parts {
			parts[i] = parts[i].Neg()
		}
	}
	return parts, nil
}

// Round returns m rounded half to even to places decimals (0 ≤ places ≤ Scale).
func (m Money) Round(places int) Money {
	if places >= Scale {
		return m
	}
	if places < 0 {
		places = 0
	}
	step := pow10[Scale-places]
	q, _, _ := m.amt.mulDiv(1, step, true)
	r, _ := mulSmall(q, step)
	return Money{amt: r, cur: m.cur}
}

// Float64 returns an approximation for charts and statistics. Never sum or
// store the result as money.
func (m Money) Float64() float64 {
	f, _ := strconv.ParseFloat(m.amt.decimal(), 64)
	return f
}

// Decimal returns the exact amount as a plain decimal without trailing zeros,
// such as "-12.5" or "0.0000160599". It is what Postgres numeric accepts.
func (m Money) Decimal() string { return m.amt.decimal() }

// Format returns the amount rounded half to even to places decimals, padded
// with zeros: Format(2) of 3.005 is "3.00", of 3.015 is "3.02".
func (m Money) Format(places int) string {
	s := m.Round(places).amt.decimal()
	if places <= 0 {
		return s
	}
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return s + "." + strings.Repeat("0", places)
	}
	return s + strings.Repeat("0", places-(len(s)-dot-1))
}

// currencySymbols are the symbols people write before amounts of the
// currencies that have a well-known one.
var currencySymbols = map[Currency]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}

// Symbol is the symbol people write before an amount in c ("$", "€"), or
// "" for a currency without a well-known one, whose code goes after the
// amount instead ("1,204 CHF").
func (c Currency) Symbol() string { return currencySymbols[c] }

// Label writes m for people to places decimals, thousands separated, with
// its currency as the dashboard writes it: "$1,204.50", "-€0.705", and
// "1,204 CHF" for a currency without a symbol (the amount alone without a
// currency).
func (m Money) Label(places int) string {
	whole, frac, _ := strings.Cut(m.Abs().Format(places), ".")
	var b strings.Builder
	if m.Round(places).Sign() < 0 {
		b.WriteByte('-')
	}
	b.WriteString(m.cur.Symbol())
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if m.cur.Symbol() == "" && m.cur != "" {
		b.WriteString(" " + string(m.cur))
	}
	return b.String()
}

// String returns the exact amount and its currency, e.g. "12.5 USD".
func (m Money) String() string {
	if m.cur == "" {
		return m.Decimal()
	}
	return m.Decimal() + " " + string(m.cur)
}

type moneyJSON struct {
	Amount   string   `json:"amount"`
	Currency Currency `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"12.5","currency":"USD"}; the amount is
// a string so no JSON reader turns it into a float.
func (m Money) MarshalJSON() ([]byte, error) {
	return json.Marshal(moneyJSON{Amount: m.Decimal(), Currency: m.cur})
}

// UnmarshalJSON decodes the form MarshalJSON writes.
func (m *Money) UnmarshalJSON(b []byte) error {
	var v moneyJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	p, err := ParseMoney(v.Amount, v.Currency)
	if err != nil {
		return err
	}
	*m = p
	return nil
}

func (m Money) common(o Money) (Currency, error) {
	switch {
	case m.cur == o.cur:
		return m.cur, nil
	case m.cur == "" && m.IsZero():
		return o.cur, nil
	case o.cur == "" && o.IsZero():
		return m.cur, nil
	}
	return "", fmt.Errorf("%s and %s: %w", m.cur, o.cur, ErrCurrencyMismatch)
}
