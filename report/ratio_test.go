package report

import "testing"

// TestFormatRatioTinyChanges: a change too small for a tenth of a percent
// writes the digits that tell it from none, "+0.0015%"; it read "0%"
// beside a change of money ("+$0.03 (0%)"), as if nothing had changed.
// No change at all is "0%".
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
	} {
		if got := FormatRatio(tc.r, true); got != tc.want {
			t.Errorf("FormatRatio(%v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
