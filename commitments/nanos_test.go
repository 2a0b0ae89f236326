package commitments

import (
	"errors"
	"math"
	"testing"

	"github.com/tallyhq/tally"
)

func TestNanosOfMoney(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Nanos
		err  bool
	}{
		{"0", 0, false},
		{"1.5", 1_500_000_000, false},
		{"-0.000000001", -1, false},
		{"0.0000000005", 0, false}, // half to even
		{"0.0000000015", 2, false},
		{"-12.3456789016", -12_345_678_902, false},
		{"9223372036.854775807", math.MaxInt64, false},
		{"-9223372036.854775807", -math.MaxInt64, false},
		{"9223372036.854775808", 0, true},
		{"9223372037", 0, true},
		{"9300000000", 0, true},
		{"-9300000000", 0, true},
		{"20000000000", 0, true},
		{"10000000000000000000", 0, true},
	} {
		got, err := NanosOfMoney(tally.MustParseMoney(c.in, "USD"))
		if c.err {
			if !errors.Is(err, ErrNanosRange) {
				t.Errorf("NanosOfMoney(%s) = %d, %v; want ErrNanosRange", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("NanosOfMoney(%s) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}
