package report

import (
	"testing"

	"github.com/tallyhq/tally"
)

// TestFormatRatioTinyChanges: a change too small for a tenth of a percent
// writes the digits that tell it from none, "+0.0015%"; it read "0%"
// beside a change of money ("+$0.03 (0%)"), as if nothing had changed.
// No change at all is "0%". The digits are the two significant ones only:
// "+0.00000000024999999999999996%" beside identity's $6.82 in the demo's
// teams was the float's rounding error written out.
func TestFormatRatioTinyChanges(t *testing.T) {
	for _, tc := range []struct {
		r    float64
		want string
	}{
		{0, "0%"},
		{0.000015, "+0.0015%"},
		{-0.0003, "-0.03%"},
		{0.00049, "+0.049%"},
		{0.0005, "+0.1%"},
		{0.082, "+8.2%"},
		{-0.12, "-12%"},
		{1e-13, "+0.00000000001%"},
		{2.5e-12, "+0.00000000025%"},
		{-7.3e-9, "-0.00000073%"},
	} {
		if got := FormatRatio(tc.r, true); got != tc.want {
			t.Errorf("FormatRatio(%v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestFormatPairTellsAmountsApart: a function's cost last week and this
// week read the same when they round alike, beside a change that is not
// nothing ("$0.39 -> $0.39 self +$0.01"): they get the decimals that tell
// them apart, up to four.
func TestFormatPairTellsAmountsApart(t *testing.T) {
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	for _, tc := range []struct{ a, b, wantA, wantB string }{
		{"0.386", "0.394", "$0.386", "$0.394"},
		{"0.39", "0.39", "$0.39", "$0.39"},
		{"0.39", "0.52", "$0.39", "$0.52"},
		{"100.2", "100.4", "$100.2", "$100.4"},
		{"1", "1.000001", "$1.00", "$1.00"},
	} {
		a, b := FormatPair(usd(tc.a), usd(tc.b))
		if a != tc.wantA || b != tc.wantB {
			t.Errorf("FormatPair(%s, %s) = %s, %s; want %s, %s", tc.a, tc.b, a, b, tc.wantA, tc.wantB)
		}
	}
}
