package attribution_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

func TestParseStep(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": 0, "window": 0, "1h": time.Hour, "6h": 6 * time.Hour, "1d": 24 * time.Hour, "7d": 7 * 24 * time.Hour,
		"36600d": 36600 * 24 * time.Hour,
	} {
		if got, err := attribution.ParseStep(in); err != nil || got != want {
			t.Errorf("attribution.ParseStep(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// 106751d is the most days a time.Duration holds; n days past it
	// overflowed into a negative step, read as one step.
	for _, in := range []string{"0", "0h", "0s", "-1h", "0d", "-7d", "x", "1y", "106752d", "9223372036854775807d", "213503982334601d"} {
		if _, err := attribution.ParseStep(in); tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("attribution.ParseStep(%q): err = %v, want EInvalid", in, err)
		}
	}
}

// FuzzParseStep checks that a step read from a query or a flag is never negative and
// that "Nd" is N days exactly.
func FuzzParseStep(f *testing.F) {
	for _, s := range []string{"", "window", "1h", "90m", "7d", "106751d", "213503982334601d", "1h30m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := attribution.ParseStep(s)
		if err != nil {
			if tally.ErrorCode(err) != tally.EInvalid {
				t.Fatalf("attribution.ParseStep(%q): error without EInvalid: %v", s, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("attribution.ParseStep(%q) = %v: negative", s, d)
		}
		if days, ok := strings.CutSuffix(s, "d"); ok {
			if n, err := strconv.Atoi(days); err == nil && (d%(24*time.Hour) != 0 || int64(d/(24*time.Hour)) != int64(n)) {
				t.Fatalf("attribution.ParseStep(%q) = %v: not %d days", s, d, n)
			}
		}
	})
}
