package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// openCostPeriods are the values of OpenCost's accumulate (and
// accumulateBy) that set the answer into calendar periods.
var openCostPeriods = map[string]bool{"hour": true, "day": true, "week": true, "month": true, "quarter": true}

// openCostAccumulation reads OpenCost's accumulate and accumulateBy: all
// (true) sums the window into one set, none (false, absent) keeps the
// steps, and hour, day, week, month or quarter sums it into sets of
// those calendar periods (UTC). accumulateBy, when given, overrides
// accumulate, as OpenCost's does.
func openCostAccumulation(in url.Values) (all bool, period string, err error) {
	read := func(k string) error {
		v := strings.ToLower(strings.TrimSpace(in.Get(k)))
		switch {
		case v == "":
		case v == "all":
			all, period = true, ""
		case v == "none":
			all, period = false, ""
		case openCostPeriods[v]:
			all, period = false, v
		default:
			b, perr := strconv.ParseBool(v)
			if perr != nil || k == "accumulateBy" {
				return tally.Errorf(tally.EInvalid, "%s %q: want true, false, all, none, hour, day, week, month or quarter", k, in.Get(k))
			}
			all, period = b, ""
		}
		return nil
	}
	if err := read("accumulate"); err != nil {
		return false, "", err
	}
	if err := read("accumulateBy"); err != nil {
		return false, "", err
	}
	return all, period, nil
}

// periodStart returns the start of t's calendar period (UTC): weeks start
// on Sunday, as OpenCost's accumulated weeks do.
func periodStart(t time.Time, period string) time.Time {
	t = t.UTC()
	switch period {
	case "hour":
		return t.Truncate(time.Hour)
	case "week":
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return d.AddDate(0, 0, -int(d.Weekday()))
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) // day
}

// nextPeriod returns the start of the period after the one starting at t.
func nextPeriod(t time.Time, period string) time.Time {
	switch period {
	case "hour":
		return t.Add(time.Hour)
	case "week":
		return t.AddDate(0, 0, 7)
	case "month":
		return t.AddDate(0, 1, 0)
	case "quarter":
		return t.AddDate(0, 3, 0)
	}
	return t.AddDate(0, 0, 1)
}

// calendarPeriods returns the calendar periods w touches, whole: as
// OpenCost's, an accumulated set covers its whole period even where the
// window asked for covers part of it. More than attribution.MaxSteps of
// them is an EInvalid error, before more are built: a period is at least
// a query's step (an hour, or a day), so the query would be refused anyway.
func calendarPeriods(w tally.Window, period string) ([]tally.Window, error) {
	var out []tally.Window
	for s := periodStart(w.Start, period); s.Before(w.End); s = nextPeriod(s, period) {
		if len(out) == attribution.MaxSteps {
			return nil, tally.Errorf(tally.EInvalid, "accumulate %s over window %v: more than %d periods: narrow the window", period, w, attribution.MaxSteps)
		}
		out = append(out, tally.Window{Start: s, End: nextPeriod(s, period)})
	}
	return out, nil
}

// openCostNamedWindow returns window week, lastweek or month as OpenCost has
// them, an RFC 3339 pair: its weeks start on Sunday (UTC), where Tally's
// own API's and weekly report's start on Monday, and week and month end
// now (at the end of its hour, as Tally's Nh windows), where Tally's run
// to the week's and month's end. ok is false for other windows.
func openCostNamedWindow(window string, now time.Time) (string, bool) {
	end := now.UTC().Truncate(time.Hour).Add(time.Hour)
	var w tally.Window
	switch strings.TrimSpace(window) {
	case "week":
		w = tally.Window{Start: periodStart(now, "week"), End: end}
	case "lastweek":
		sunday := periodStart(now, "week")
		w = tally.Window{Start: sunday.AddDate(0, 0, -7), End: sunday}
	case "month":
		w = tally.Window{Start: periodStart(now, "month"), End: end}
	default:
		return "", false
	}
	return w.String(), true
}
