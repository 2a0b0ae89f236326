package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// IsNull reports whether a text cell means "no value": empty, or the
// literal NULL some exports write (the FOCUS sample does).
func IsNull(s string) bool {
	return s == "" || s == "NULL" || s == "null"
}

// MaxLineCost is the largest magnitude, in units of its currency, of a
// cost value of one bill line (a cost, a list or contracted cost, a
// credit): 10^12, a trillion dollars. One line is one resource's hour,
// day or month, one tax or fee, or one purchase; the largest are
// multi-year commitments bought up front, tens of millions of dollars,
// and in the currency with the most units to the dollar a cloud bills in
// (the Vietnamese dong, about 25,000) 10^12 is still 40 million dollars.
// A value beyond it is garbage (a shifted column, a unit's exponent), not a
// charge. It also keeps sums exact: tally.Money holds about ±1.7×10^26, so
// over 10^14 lines at the bound add up before a sum can overflow.
const MaxLineCost = 1_000_000_000_000

// errLineCost is the error of a cost value beyond MaxLineCost.
var errLineCost = fmt.Errorf("beyond ±%d, the most one bill line may cost", MaxLineCost)

// Money parses a decimal cell in cur; a null cell is zero. Surrounding
// spaces are ignored. A value beyond MaxLineCost is an error.
func Money(s string, cur tally.Currency) (tally.Money, error) {
	s = strings.TrimSpace(s)
	if IsNull(s) {
		return tally.Zero(cur), nil
	}
	m, err := tally.ParseMoney(s, cur)
	if err != nil {
		if tooLarge(s) {
			return tally.Money{}, errLineCost
		}
		return tally.Money{}, errors.New("not a decimal number")
	}
	return lineCost(m)
}

// tooLarge reports whether s, which tally.ParseMoney refused, is a
// decimal number too large for Money (1e400) rather than no number.
func tooLarge(s string) bool {
	if strings.ContainsAny(s, "xX_") { // hexadecimal or with separators: no decimal
		return false
	}
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) {
		return math.IsInf(f, 0) // not a value too close to zero
	}
	return err == nil && !math.IsInf(f, 0) && math.Abs(f) > MaxLineCost
}

// lineCost returns m, or an error if it is beyond MaxLineCost.
func lineCost(m tally.Money) (tally.Money, error) {
	if c, _ := m.Abs().Cmp(tally.FromInt(MaxLineCost, m.Currency())); c > 0 {
		return tally.Money{}, errLineCost
	}
	return m, nil
}

// RequiredMoney parses a decimal cell that must hold a cost, as Money
// does, except that a null cell is an error: a cost the bill leaves out is
// not a charge of zero.
func RequiredMoney(s string, cur tally.Currency) (tally.Money, error) {
	if IsNull(strings.TrimSpace(s)) {
		return tally.Money{}, errors.New("required: empty or null")
	}
	return Money(s, cur)
}

// MoneyFloat converts a binary float cost (Parquet DOUBLE, JSON number)
// exactly through its shortest decimal form. A value beyond MaxLineCost
// is an error.
func MoneyFloat(f float64, cur tally.Currency) (tally.Money, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return tally.Money{}, errNotFinite
	}
	if math.Abs(f) > MaxLineCost {
		return tally.Money{}, errLineCost
	}
	return tally.FromFloat(f, cur)
}

// errNotFinite is the error of a binary float cost that is NaN or infinite.
var errNotFinite = errors.New("not a finite number")

// Float parses a quantity cell; a null cell is zero.
func Float(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if IsNull(s) {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a number")
	}
	return f, nil
}

// timeLayouts are the timestamp forms bills use: RFC 3339 (FOCUS, CUR 2.0
// CSV), "2006-01-02 15:04:05" (the FOCUS sample, BigQuery CSV), with an
// optional zone suffix, and CUR's "2006-01-02T15:04:05Z".
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
}

// Time parses a timestamp cell as UTC (a timestamp without a zone is UTC).
// A null cell is the zero time.
func Time(s string) (time.Time, error) {
	t, err := parseTime(s)
	return t.UTC(), err
}

// PeriodTime parses a billing period bound: a timestamp whose wall clock,
// whatever UTC offset it is written with, names the calendar month (and
// day) in UTC. A billing period is a month, not an interval of instants:
// 2024-09-01T00:00:00+08:00 starts September, which Time would make
// August 31, 16:00 UTC, in August. A null cell is the zero time.
func PeriodTime(s string) (time.Time, error) {
	t, err := parseTime(s)
	if err != nil || t.IsZero() {
		return t, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
}

// parseTime parses a timestamp cell in the zone it is written with (UTC
// when none).
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if IsNull(s) {
		return time.Time{}, nil
	}
	// Fast path for the common fixed forms.
	if len(s) == 20 && s[10] == 'T' && s[19] == 'Z' {
		if t, ok := fastTime(s); ok {
			return t, nil
		}
	}
	if len(s) == 19 && (s[10] == ' ' || s[10] == 'T') {
		if t, ok := fastTime(s); ok {
			return t, nil
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp (want RFC 3339 or YYYY-MM-DD hh:mm:ss)")
}

// fastTime parses YYYY-MM-DD?hh:mm:ss[Z] without allocating.
func fastTime(s string) (time.Time, bool) {
	num := func(i, n int) (int, bool) {
		v := 0
		for j := i; j < i+n; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	se, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC)
	if t.Day() != d { // 2024-02-30 normalizes: reject
		return time.Time{}, false
	}
	return t, true
}

// Str returns a text cell with NULL mapped to "".
func Str(s string) string {
	if s == "NULL" || s == "null" {
		return ""
	}
	return s
}

// ChargeCategory validates a FOCUS ChargeCategory cell.
func ChargeCategory(s string) (tally.ChargeCategory, error) {
	c, err := tally.ParseChargeCategory(s)
	if err != nil {
		return "", fmt.Errorf("want Usage, Purchase, Tax, Credit or Adjustment")
	}
	return c, nil
}

// CommitmentStatus validates a FOCUS CommitmentDiscountStatus cell.
func CommitmentStatus(s string) (tally.CommitmentStatus, error) {
	switch tally.CommitmentStatus(s) {
	case "":
		return "", nil
	case tally.CommitmentUsed, tally.CommitmentUnused:
		return tally.CommitmentStatus(s), nil
	}
	return "", fmt.Errorf("want Used or Unused")
}

// Currency validates a currency cell.
func Currency(s string) (tally.Currency, error) {
	c, err := tally.ParseCurrency(s)
	if err != nil {
		return "", fmt.Errorf("want a three-letter ISO 4217 code")
	}
	return c, nil
}

// Provider maps a provider or publisher name ("AWS", "Amazon Web Services",
// "Microsoft", "Google Cloud", …) to Tally's provider code.
func Provider(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	switch {
	case n == "aws" || strings.HasPrefix(n, "amazon"):
		return tally.ProviderAWS
	case n == "gcp" || strings.HasPrefix(n, "google"):
		return tally.ProviderGCP
	case n == "azure" || strings.HasPrefix(n, "microsoft"):
		return tally.ProviderAzure
	case strings.HasPrefix(n, "oracle") || n == "oci":
		return tally.ProviderOracle
	}
	return n
}
