package attribution

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
)

// maxStepDays is the most days a time.Duration holds (about 292 years).
const maxStepDays = math.MaxInt64 / int64(24*time.Hour)

// ParseStep reads a query's step: "1d", "7d", "1h", "24h" (whole days, or
// a Go duration), or "window" and "" for one step over the window. A step
// of no length ("0", "0h") is refused: it read as the whole window.
// Validate checks the step against the window.
func ParseStep(s string) (time.Duration, error) {
	switch s {
	case "", "window":
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 && int64(n) <= maxStepDays {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, tally.Errorf(tally.EInvalid, "step %q: want a whole number of hours or days (1h, 6h, 1d, 7d), or window for one step over the whole window", s)
	}
	return d, nil
}
