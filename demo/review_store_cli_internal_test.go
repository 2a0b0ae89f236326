package demo

import (
	"testing"
	"time"
)

// TestReviewZeroMeansDefault: `tally demo-generate --days 0` (help: "Days of
// history to generate (2–400)") and `tally demo --days 0` pass 0 through,
// and withDefaults turns it into 90: the out-of-range value is accepted and
// 90 days are generated. Likewise --profile-days 0 (validate accepts ≥ 0,
// so 0 reads as "no profiles") becomes 21 days of profiles.
func TestReviewZeroMeansDefault(t *testing.T) {
	c := Config{Days: 0, ProfileDays: 0}.withDefaults(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	if err := c.validate(); err == nil {
		t.Errorf("--days 0 accepted: generates %d days; want an error (2–400)", c.Days)
	}
	if c.ProfileDays != 0 {
		t.Errorf("--profile-days 0 gives %d days of profiles, want none", c.ProfileDays)
	}
}
