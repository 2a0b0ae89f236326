package cicheck_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/cicheck"
)

// TestPricingWritesExponents: large counts are written as --calls-per-year
// and the docs write them, "1e9", "3.2e9", "3e10", without a padded
// exponent.
func TestPricingWritesExponents(t *testing.T) {
	for _, tc := range []struct {
		units float64
		want  string
	}{
		{1e9, "1e9 units"},
		{3.2e9, "3.2e9 units"},
		{3e10, "3e10 units"},
		{5e7, "5e7 units"},
		{1_234_567, "1,234,567 units"},
	} {
		p := &cicheck.Pricing{PricePerCoreHour: tally.MustParseMoney("0.04", "USD"), UnitsPerYear: tc.units}
		if got := p.String(); !strings.Contains(got, ", "+tc.want+" of work a year") {
			t.Errorf("%g units a year: %q, want %q in it", tc.units, got, tc.want)
		}
	}
}
