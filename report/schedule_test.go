package report

import (
	"testing"
	"time"
)

// A Monday 08:00 schedule covers the Monday-to-Sunday just ended in every
// zone. East of UTC that week ends after the slot (Monday 00:00 UTC), so
// the report is due then, not at the slot with the week before last.
func TestScheduleWeekAcrossZones(t *testing.T) {
	w42 := Week{Start: time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC)} // Oct 12–18
	mondayUTC := w42.End()
	for _, tc := range []struct {
		zone string
		slot time.Time // Monday Oct 19, 08:00 local, in UTC
		due  time.Time
	}{
		{"UTC", time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2026, 10, 19, 6, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 6, 0, 0, 0, time.UTC)},      // CEST
		{"America/New_York", time.Date(2026, 10, 19, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 19, 12, 0, 0, 0, time.UTC)}, // EDT
		{"Asia/Tokyo", time.Date(2026, 10, 18, 23, 0, 0, 0, time.UTC), mondayUTC},                                            // Sunday 23:00 UTC
		{"Australia/Sydney", time.Date(2026, 10, 18, 21, 0, 0, 0, time.UTC), mondayUTC},                                      // AEDT
		{"Pacific/Kiritimati", time.Date(2026, 10, 18, 18, 0, 0, 0, time.UTC), mondayUTC},                                    // UTC+14
	} {
		t.Run(tc.zone, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ParseSchedule("0 8 * * 1", loc)
			if err != nil {
				t.Fatal(err)
			}
			slot := s.Next(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
			if !slot.Equal(tc.slot) {
				t.Fatalf("slot %v, want %v", slot, tc.slot)
			}
			wk, due := s.Week(slot)
			if wk != w42 || !due.Equal(tc.due) {
				t.Errorf("week %s due %v, want %s due %v", wk.Label(), due, w42.Label(), tc.due)
			}
			// Nothing is due before then; from then on, for a day.
			if _, _, ok := s.Due(tc.due.Add(-time.Second), 24*time.Hour); ok {
				t.Errorf("due a second early")
			}
			for _, late := range []time.Duration{0, 30 * time.Second, 23 * time.Hour} {
				if got, wk, ok := s.Due(tc.due.Add(late), 24*time.Hour); !ok || !got.Equal(slot) || wk != w42 {
					t.Errorf("%v after due: slot %v week %s ok %v; want %v, %s", late, got, wk.Label(), ok, slot, w42.Label())
				}
			}
			if _, _, ok := s.Due(tc.due.Add(25*time.Hour), 24*time.Hour); ok {
				t.Errorf("due a day late")
			}
		})
	}
}

// A slot earlier in the day than the week's end covers the week before:
// Sunday 08:00 reports the week that ended last Monday, at once.
func TestScheduleWeekOnSunday(t *testing.T) {
	s, err := ParseSchedule("0 8 * * 0", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	slot := time.Date(2026, 10, 18, 8, 0, 0, 0, time.UTC)
	wk, due := s.Week(slot)
	if wk.Label() != "2026-W41" || !due.Equal(slot) {
		t.Errorf("week %s due %v, want 2026-W41 due at the slot", wk.Label(), due)
	}
}
