package commitments

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tallyhq/tally"
)

// Nanos is an amount of money in billionths of the currency unit. The
// simulator and the backtest sum money in Nanos, so their totals are exact
// sums of per-hour amounts (each rounded once, to a nano, when a discount is
// applied); int64 holds ±9.2 billion units.
type Nanos int64

// NanosOf rounds a float amount (a usage file's value, a forecast) to Nanos.
func NanosOf(f float64) Nanos {
	if math.IsNaN(f) {
		return 0
	}
	return Nanos(math.Round(f * 1e9))
}

// ErrNanosRange is wrapped by the error of NanosOfMoney for an amount
// beyond what Nanos holds.
var ErrNanosRange = errors.New("amount out of the range of Nanos (±9.2 billion units)")

// NanosOfMoney converts m to Nanos, rounding half to even beyond nine
// decimals. It fails, wrapping ErrNanosRange, when m is beyond ±9.2 billion.
func NanosOfMoney(m tally.Money) (Nanos, error) {
	s := m.Round(9).Decimal()
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) > 9 {
		return 0, fmt.Errorf("%s: more than nine decimals after rounding to nine", s)
	}
	frac += strings.Repeat("0", 9-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/1_000_000_000 {
		return 0, fmt.Errorf("%s: %w", s, ErrNanosRange)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", s, err)
	}
	n, ok := addNanos(Nanos(w*1e9), Nanos(f))
	if !ok {
		return 0, fmt.Errorf("%s: %w", s, ErrNanosRange)
	}
	if neg {
		n = -n
	}
	return n, nil
}

// addNanos returns a + b and whether it did not overflow.
func addNanos(a, b Nanos) (Nanos, bool) {
	c := a + b
	if (b > 0 && c < a) || (b < 0 && c > a) {
		return 0, false
	}
	return c, true
}

// Float returns n in currency units, for ratios and display.
func (n Nanos) Float() float64 { return float64(n) / 1e9 }

// Money returns n as exact Money in cur.
func (n Nanos) Money(cur tally.Currency) tally.Money {
	v := int64(n)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return tally.MustParseMoney(fmt.Sprintf("%s%d.%09d", sign, v/1e9, v%1e9), cur)
}

// ratio returns a/b, or 0 when b is 0.
func ratio(a, b Nanos) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
