package cicheck

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"

	"github.com/tallyhq/tally"
)

// autoPlaces returns the decimals to show amounts with: none when one of
// them reaches 100, else cents.
func autoPlaces(ms ...tally.Money) int {
	for _, m := range ms {
		if c, err := m.Abs().Cmp(tally.FromInt(100, m.Currency())); err == nil && c >= 0 {
			return 0
		}
	}
	return 2
}

// formatMoney writes m for people with places decimals: "$1,234",
// "-$12.50", "1,234 CHF".
func formatMoney(m tally.Money, places int) string { return m.Label(places) }

// formatSignedMoney is formatMoney with an explicit + for increases.
func formatSignedMoney(m tally.Money, places int) string {
	s := formatMoney(m, places)
	if m.Round(places).Sign() > 0 {
		return "+" + s
	}
	return s
}

// group inserts thousands separators into a plain decimal "1234567.5".
func group(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if len(intPart) <= 3 {
		return s
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// formatCount writes a large count compactly: 12,346 or 3.2e9.
func formatCount(x float64) string {
	if x >= 1e7 {
		// strconv pads the exponent to two digits, "1e+09": write "1e9".
		mant, exp, _ := strings.Cut(strconv.FormatFloat(x, 'g', 3, 64), "e+")
		return mant + "e" + strings.TrimLeft(exp, "0")
	}
	return group(strconv.FormatFloat(math.Round(x), 'f', 0, 64))
}

// formatPct writes a relative change as "+6.5%".
func formatPct(r float64) string {
	switch {
	case math.IsInf(r, 1):
		return "+∞%"
	case math.IsInf(r, -1):
		return "-∞%"
	case math.IsNaN(r):
		return "?"
	}
	p := r * 100
	prec := 1
	if math.Abs(p) < 1 {
		prec = 2
	}
	return fmt.Sprintf("%+.*f%%", prec, p)
}

// formatValue writes a value per unit of work in its unit: "12.3ms" for CPU
// time, "1.23k samples" otherwise, and none as "0s" or "0 samples".
func formatValue(x float64, unit string) string {
	if !finite(x) {
		if x > 0 {
			return "∞"
		}
		return "-∞"
	}
	if x == 0 { // benchunit writes "0.000", which reads as a rounded amount
		if unit == "nanoseconds" {
			return "0s"
		}
		return "0 " + unit
	}
	if unit == "nanoseconds" {
		return benchunit.Scale(x/1e9, benchunit.Decimal) + "s"
	}
	return benchunit.Scale(x, benchunit.Decimal) + " " + unit
}

// formatSignedValue is formatValue with an explicit sign.
func formatSignedValue(x float64, unit string) string {
	if x > 0 {
		return "+" + formatValue(x, unit)
	}
	if x < 0 {
		return "-" + formatValue(-x, unit)
	}
	return "0"
}

// formatP writes a p-value to two significant digits.
func formatP(p float64) string {
	if p < 0.0001 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// pText writes a p-value for prose: "p=0.24", "p<0.0001".
func pText(p float64) string {
	s := formatP(p)
	if strings.HasPrefix(s, "<") {
		return "p" + s
	}
	return "p=" + s
}
