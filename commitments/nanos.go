package commitments

import (
	"fmt"
	"math"

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

// NanosOfMoney converts m to Nanos, rounding half to even beyond nine decimals.
func NanosOfMoney(m tally.Money) Nanos {
	r := m.Round(9)
	var whole, frac int64
	var neg bool
	s := r.Decimal()
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	var fs string
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			fs = s[i+1:]
			s = s[:i]
			break
		}
	}
	fmt.Sscan(s, &whole)
	for len(fs) < 9 {
		fs += "0"
	}
	fmt.Sscan(fs, &frac)
	n := whole*1e9 + frac
	if neg {
		n = -n
	}
	return Nanos(n)
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
