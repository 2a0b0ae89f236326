package forecast

import (
	"testing"

	"github.com/tallyhq/tally/forecast/synth"
)

// TestLevelShiftsOnSuite checks detection against the shifts the synthetic
// suite planted (30% of series, some in the last three days).
func TestLevelShiftsOnSuite(t *testing.T) {
	suite := synth.Hourly(synth.Config{Series: 200, Horizon: 48, Seed: 1})
	planted, found, clean, alarms := 0, 0, 0, 0
	for _, s := range suite {
		sh := DetectLevelShifts(s.Train, []int{24, 168})
		if s.Shift < 0 {
			clean++
			if len(sh) > 0 {
				alarms++
			}
			continue
		}
		planted++
		for _, d := range sh {
			if d.Index >= s.Shift-6 && d.Index <= s.Shift+6 {
				found++
				break
			}
		}
	}
	t.Logf("%d of %d planted shifts found within ±6 h; false alarms on %d of %d series without one", found, planted, alarms, clean)
	if found < planted*95/100 {
		t.Errorf("found %d of %d planted shifts, want ≥ 95%%", found, planted)
	}
	if alarms > clean/10 {
		t.Errorf("false alarms on %d of %d series, want ≤ 10%%", alarms, clean)
	}
}
