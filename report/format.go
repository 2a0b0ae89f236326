package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// FormatMoney writes an amount for people: whole units from 100 up, cents
// below, thousands separated: "$12,345", "$87.40", "1,204 CHF".
func FormatMoney(m tally.Money) string { return formatMoney(m, moneyPlaces(m)) }

// moneyPlaces is how many decimals FormatMoney writes m with: none from
// 100 up, cents below.
func moneyPlaces(m tally.Money) int {
	if m.Abs().Float64() >= 100 {
		return 0
	}
	return 2
}

// FormatPair writes two amounts compared (last week's and this week's) as
// FormatMoney does, with the decimals that tell them apart (up to four)
// where they would read the same but differ: "$0.386", "$0.394" beside a
// change of "+$0.01", not "$0.39" twice.
func FormatPair(a, b tally.Money) (string, string) {
	sa, sb := FormatMoney(a), FormatMoney(b)
	if sa != sb || a.Equal(b) {
		return sa, sb
	}
	for places := moneyPlaces(a) + 1; places <= 4; places++ {
		if pa, pb := formatMoney(a, places), formatMoney(b, places); pa != pb {
			return pa, pb
		}
	}
	return sa, sb
}

// formatMoney writes m to places decimals, thousands separated, with its
// currency.
func formatMoney(m tally.Money, places int) string { return m.Label(places) }

// withSymbol writes a number with its currency: "$1.2k", "350 CHF".
func withSymbol(num, cur string) string {
	if sym := tally.Currency(cur).Symbol(); sym != "" {
		return sym + num
	}
	if cur == "" {
		return num
	}
	return num + " " + cur
}

// FormatDelta writes a signed amount: "+$1,204", "-$87.40", "$0.00".
func FormatDelta(m tally.Money) string { return formatDelta(m, moneyPlaces(m)) }

// formatDelta writes a signed amount to places decimals.
func formatDelta(m tally.Money, places int) string {
	s := formatMoney(m.Abs(), places)
	if !strings.ContainsAny(s, "123456789") {
		return s
	}
	if m.Sign() < 0 {
		return "-" + s
	}
	return "+" + s
}

// FormatRatio writes a relative change: "+8.2%", "-12%", "+0.0015%" (two
// significant digits below a tenth of a percent), "0%" for none, "new"
// without a base.
func FormatRatio(r float64, hasBase bool) string {
	if !hasBase {
		return "new"
	}
	p := r * 100
	switch a := math.Abs(p); {
	case a >= 999.5:
		return fmt.Sprintf("%+.0fx", r+1)
	case a >= 10:
		return fmt.Sprintf("%+.0f%%", p)
	case a == 0:
		return "0%"
	case a < 0.05:
		// Two significant digits: "+0.0015%", a change, not "0%".
		places := 1 - int(math.Floor(math.Log10(a)))
		s := trimZero(strconv.FormatFloat(p, 'f', places, 64)) + "%"
		if p > 0 {
			s = "+" + s
		}
		return s
	}
	return fmt.Sprintf("%+.1f%%", p)
}

// ShownParts are a mover's usage, price and coverage as the report writes
// them beside its change (FormatDelta): to the same places, adding up to it.
type ShownParts struct{ Usage, Price, Coverage string }

// FormatParts writes c's parts as ShownParts (see Components.Shown).
func FormatParts(c Components) (ShownParts, error) {
	places := moneyPlaces(c.Delta)
	s, err := c.Shown(places)
	if err != nil {
		return ShownParts{}, err
	}
	return ShownParts{Usage: formatDelta(s.Usage, places), Price: formatDelta(s.Price, places), Coverage: formatDelta(s.Coverage, places)}, nil
}

// compactMoney labels chart axes: "$1.2k", "$350", "$2M".
func compactMoney(v float64, cur string) string {
	a := math.Abs(v)
	var num string
	switch {
	case a >= 1e6:
		num = trimZero(fmt.Sprintf("%.1f", a/1e6)) + "M"
	case a >= 1e3:
		num = trimZero(fmt.Sprintf("%.1f", a/1e3)) + "k"
	case a >= 10 || a == 0:
		num = fmt.Sprintf("%.0f", a)
	default:
		num = trimZero(fmt.Sprintf("%.2f", a))
	}
	s := withSymbol(num, cur)
	if v < 0 {
		return "-" + s
	}
	return s
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// formatDay writes "Mon Oct 12".
func formatDay(t time.Time) string { return t.UTC().Format("Mon Jan 2") }
