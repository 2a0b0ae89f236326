package demo

import (
	"fmt"
	"strconv"

	"github.com/tallyhq/tally"
)

// The generator computes every amount exactly in tally.Money (USD) and only
// converts to binary floats when a format stores floats (CUR 2.0 doubles,
// GCP FLOAT64). Amounts are rounded to the decimals the real bill uses before
// they are written, so a reader's tally.FromFloat recovers them exactly and the
// ground truth sums the very same values.

const usd tally.Currency = "USD"

// Decimal places of amounts, as the real exports carry them.
const (
	awsPlaces = 10 // CUR line item costs
	gcpPlaces = 6  // GCP billing export costs and credits
)

// internalError is panicked by the arithmetic helpers on impossible
// failures (currency mismatch, overflow); Generate recovers it as an error.
type internalError struct{ err error }

func must(m tally.Money, err error) tally.Money {
	if err != nil {
		panic(internalError{err})
	}
	return m
}

// dollars parses a constant amount in USD.
func dollars(s string) tally.Money { return tally.MustParseMoney(s, usd) }

var zero = tally.Zero(usd)

func add(a, b tally.Money) tally.Money { return must(a.Add(b)) }
func sub(a, b tally.Money) tally.Money { return must(a.Sub(b)) }

// mulRatio returns m × num / den, exactly rounded half to even at 12 places.
func mulRatio(m tally.Money, num, den uint64) tally.Money { return must(m.MulRatio(num, den)) }

// perHour returns the cost of running at an hourly rate for secs seconds,
// rounded to places decimals.
func perHour(rate tally.Money, secs int64, places int) tally.Money {
	return mulRatio(rate, uint64(secs), 3600).Round(places)
}

// mulQty returns rate × qty for a quantity given in millionths, rounded.
func mulQty(rate tally.Money, qtyMicros uint64, places int) tally.Money {
	return mulRatio(rate, qtyMicros, 1_000_000).Round(places)
}

// split divides m by integer weights so that the parts sum to m exactly.
func split(m tally.Money, weights []uint64) []tally.Money {
	parts, err := m.Split(weights)
	if err != nil {
		panic(internalError{fmt.Errorf("split %v by %v: %w", m, weights, err)})
	}
	return parts
}

// float returns m as the binary float a float-typed column stores; its
// shortest decimal representation is m's decimal.
func float(m tally.Money) float64 {
	f, err := strconv.ParseFloat(m.Decimal(), 64)
	if err != nil {
		panic(internalError{err})
	}
	return f
}

// cmpMoney compares two USD amounts.
func cmpMoney(a, b tally.Money) int {
	c, err := a.Cmp(b)
	if err != nil {
		panic(internalError{err})
	}
	return c
}

// minMoney returns the smaller of a and b.
func minMoney(a, b tally.Money) tally.Money {
	if cmpMoney(a, b) <= 0 {
		return a
	}
	return b
}

// moneyMap accumulates amounts by key.
type moneyMap map[string]tally.Money

func (m moneyMap) add(key string, v tally.Money) {
	if v.IsZero() {
		if _, ok := m[key]; !ok {
			m[key] = zero
		}
		return
	}
	m[key] = add(m[key], v)
}
