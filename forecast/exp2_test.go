package forecast

import (
	"os"
	"testing"

	"github.com/tallyhq/tally/forecast/synth"
)

func TestExpShifts(t *testing.T) {
	if os.Getenv("FORECAST_EXP") == "" {
		t.Skip()
	}
	suite := synth.Hourly(synth.Config{Series: 414, Horizon: 48, Seed: 1})
	tp, fn, fp, far := 0, 0, 0, 0
	for _, s := range suite {
		sh := DetectLevelShifts(s.Train, []int{24, 168})
		if s.Shift >= 0 {
			found := false
			for _, d := range sh {
				if d.Index >= s.Shift-6 && d.Index <= s.Shift+6 {
					found = true
				}
			}
			if found {
				tp++
			} else {
				fn++
				t.Logf("missed %s kind %s at %d of %d ratio %.2f; got %+v", s.ID, s.Kind, s.Shift, len(s.Train), s.Ratio, sh)
			}
			fp += len(sh) - btoi(found)
			if len(sh) > 1 {
				t.Logf("extra %s kind %s true %d ratio %.2f: %+v", s.ID, s.Kind, s.Shift, s.Ratio, sh)
			}
		} else {
			fp += len(sh)
			if len(sh) > 0 {
				far++
				t.Logf("false %s kind %s: %+v", s.ID, s.Kind, sh)
			}
		}
	}
	t.Logf("tp %d fn %d fp %d (series with false alarms %d)", tp, fn, fp, far)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
