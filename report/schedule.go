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

// Latest returns the latest run at or before now that is no older than
// grace, and whether there is one: a replica that was down at 08:00 still
// sends at 08:40, but not a week late.
func (s Schedule) Latest(now time.Time, grace time.Duration) (time.Time, bool) {
	var last time.Time
	for t := s.Next(now.Add(-grace - time.Second)); !t.After(now); t = s.Next(t) {
		last = t
	}
	return last, !last.IsZero()
}
