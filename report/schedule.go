package report

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when reports go out: a standard five-field cron expression
// evaluated in a time zone.
type Schedule struct {
	spec  string
	loc   *time.Location
	sched cron.Schedule
}

// ParseSchedule reads a five-field cron expression ("0 8 * * 1" is Mondays
// at 08:00) in loc. Descriptors such as @weekly are accepted too.
func ParseSchedule(spec string, loc *time.Location) (Schedule, error) {
	if loc == nil {
		loc = time.UTC
	}
	s, err := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor).Parse(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("want a cron expression such as \"0 8 * * 1\" (minute hour day month weekday): %v", err)
	}
	return Schedule{spec: spec, loc: loc, sched: s}, nil
}

// String returns the expression and its zone.
func (s Schedule) String() string { return s.spec + " " + s.loc.String() }

// Next returns the first run strictly after t.
func (s Schedule) Next(t time.Time) time.Time { return s.sched.Next(t.In(s.loc)).UTC() }

// maxDeferral bounds how long after its scheduled time a report can be due
// (see Week): the largest UTC offset, +14 h, with a margin.
const maxDeferral = 24 * time.Hour

// Week returns the week a report scheduled at slot covers, and when it is
// due. Report weeks are UTC weeks (Monday 00:00 UTC to the next), and the
// report covers the latest one whose last day is before the day of the
// slot in the schedule's time zone: Monday 08:00 in Berlin, New York, Tokyo
// or Sydney all cover the Monday-to-Sunday just ended. East of UTC that
// week has not ended yet at the slot (Monday 08:00 in Tokyo is Sunday
// 23:00 UTC), and reporting the latest week that has would send the week
// before last; so the report is due when the week ends (Monday 00:00 UTC,
// 09:00 in Tokyo), at most 14 hours after the slot. Elsewhere it is due at
// the slot. A bill that has not arrived by then delays it further (see
// ErrNoCost).
func (s Schedule) Week(slot time.Time) (wk Week, due time.Time) {
	l := slot.In(s.loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	wk = WeekOf(day).Prev()
	due = slot.UTC()
	if end := wk.End(); end.After(due) {
		due = end
	}
	return wk, due
}

// Due returns the latest scheduled run whose report is due at now and no
// more than grace late, its week, and whether there is one.
func (s Schedule) Due(now time.Time, grace time.Duration) (slot time.Time, wk Week, ok bool) {
	for t := s.Next(now.Add(-grace - maxDeferral - time.Second)); !t.After(now); t = s.Next(t) {
		w, due := s.Week(t)
		if !due.After(now) && now.Sub(due) <= grace {
			slot, wk, ok = t, w, true
		}
	}
	return slot, wk, ok
}
