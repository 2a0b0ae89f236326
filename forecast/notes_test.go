package forecast

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestForecastNotesSayDates: the notes of a forecast of a dated series say
// when, not which step: "level shift at step 76" and "intervals past step
// 17" in a spend forecast's notes left the reader to count days from the
// history's start (and from the forecast's) to find the date.
func TestForecastNotesSayDates(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	y := growingDaily(300)
	for i := 250; i < len(y); i++ {
		y[i] *= 0.6
	}
	r, err := Forecast(Series{Start: start, Step: 24 * time.Hour, Values: y}, Options{Horizon: 30})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.LevelShifts) != 1 {
		t.Fatalf("level shifts %+v, want one", r.LevelShifts)
	}
	want := "level shift at " + start.AddDate(0, 0, r.LevelShifts[0].Index).Format(time.DateOnly) + ":"
	if !hasNote(r.Notes, want) || stepCounted.MatchString(strings.Join(r.Notes, "\n")) {
		t.Errorf("notes %q: want one starting %q, and no step counted", r.Notes, want)
	}

	// 88 days forecast 90 days ahead: validated over a shorter horizon.
	r, err = Forecast(Series{Start: start, Step: 24 * time.Hour, Values: growingDaily(88)}, Options{Horizon: 90})
	if err != nil {
		t.Fatal(err)
	}
	want = "intervals past " + r.Time(r.Backtest.Horizon-1).Format(time.DateOnly) + " extrapolated"
	if !hasNote(r.Notes, want) || stepCounted.MatchString(strings.Join(r.Notes, "\n")) {
		t.Errorf("notes %q: want one starting %q, and no step counted", r.Notes, want)
	}
}

var stepCounted = regexp.MustCompile(`step \d`)

func hasNote(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// TestShiftNoteWritesAmounts: a spend forecast's level-shift note writes
// the shift's size as money ("-$142.71") when Options.Amount says how; it
// read "(-142.7)", with no currency. Without Amount it stays a number.
func TestShiftNoteWritesAmounts(t *testing.T) {
	y := growingDaily(300)
	for i := 250; i < len(y); i++ {
		y[i] *= 0.6
	}
	s := Series{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Step: 24 * time.Hour, Values: y}
	dollars := func(v float64) string { return "$" + strconv.FormatFloat(v, 'f', 2, 64) }
	r, err := Forecast(s, Options{Horizon: 30, Amount: dollars})
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`level shift at 2026-\d\d-\d\d: ×0\.\d\d \(-\$\d+\.\d\d\)`)
	if len(r.LevelShifts) != 1 || !want.MatchString(strings.Join(r.Notes, "\n")) {
		t.Errorf("notes %q: want the shift's size in dollars", r.Notes)
	}
	r, err = Forecast(s, Options{Horizon: 30})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(r.Notes, "\n"), "$") {
		t.Errorf("notes %q: a bare number without Amount", r.Notes)
	}
}

// TestShiftNoteWritesScopeUnits: a level-shift note of a usage series
// writes the shift in the unit its scope's kind counts (Scope.Amount):
// cores, GiB of memory bytes, vCPU-hours, or money. Only spend had a unit;
// the others read "×0.60 (-14.2)", a number of nothing said.
func TestShiftNoteWritesScopeUnits(t *testing.T) {
	for _, c := range []struct {
		scope Scope
		scale float64
		want  string
	}{
		{NewScope(KindCPU, "prod", "shop", "checkout"), 0.001, `\(-\d+(\.\d+)? cores\)`},
		{NewScope(KindMemory, "prod", "shop", "checkout"), 1 << 20, `\(-\d+(\.\d+)? GiB\)`},
		{NewScope(KindVCPUHours, "aws", "us-east-1", "m5"), 0.01, `\(-\d+(\.\d+)? vCPU-hours\)`},
		{NewScope(KindODEquivalent, "aws", "us-east-1", "m5"), 1, `\(-\$[\d,]+\.\d\d\)`},
	} {
		y := growingDaily(300)
		for i := range y {
			y[i] *= c.scale
			if i >= 250 {
				y[i] *= 0.6
			}
		}
		s := Series{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Step: 24 * time.Hour, Values: y}
		r, err := Forecast(s, Options{Horizon: 30, Amount: c.scope.Amount("USD")})
		if err != nil {
			t.Fatal(err)
		}
		want := regexp.MustCompile(`level shift at 2026-\d\d-\d\d: ×0\.\d\d ` + c.want)
		if len(r.LevelShifts) != 1 || !want.MatchString(strings.Join(r.Notes, "\n")) {
			t.Errorf("%s: notes %q: want the shift's size matching %s", c.scope, r.Notes, c.want)
		}
	}
}
