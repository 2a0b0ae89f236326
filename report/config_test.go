package report

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const goodConfig = `
dashboard_url: https://tally.example.com/
from: Tally <tally@example.com>
schedule: "0 8 * * 1"
timezone: Europe/Berlin
smtp: {host: smtp.example.com, port: 587, tls: starttls, username: tally}
audiences:
  - name: org
    title: Example Corp
    recipients: [finops@example.com, "CTO <cto@example.com>"]
    budget: 60,000 USD
  - name: payments
    title: Payments team
    filter: label[team]:"payments"
    recipients: [payments@example.com]
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("report.yaml", []byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.DashboardURL != "https://tally.example.com" || c.Location.String() != "Europe/Berlin" || c.TeamLabel != "team" {
		t.Errorf("config %+v", c)
	}
	org, err := c.Audience("org")
	if err != nil {
		t.Fatal(err)
	}
	if !org.Org() || org.Budget.String() != "60000 USD" || strings.Join(org.Recipients, ",") != "finops@example.com,cto@example.com" {
		t.Errorf("org %+v", org)
	}
	pay, _ := c.Audience("payments")
	if pay.Org() || pay.Filters[0].Dim.Key != "team" || pay.Filters[0].Values[0] != "payments" {
		t.Errorf("payments %+v", pay)
	}
	if _, err := c.Audience("nope"); err == nil {
		t.Error("unknown audience: want an error")
	}
	d := DefaultConfig()
	if len(d.Audiences) != 1 || d.Audiences[0].Name != OrgAudience || d.Schedule != DefaultSchedule || d.SMTP.Port != 587 {
		t.Errorf("default %+v", d)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"dashboard_url: ftp://x\n", `r.yaml:1: dashboard_url "ftp://x": want an http or https URL`},
		{"timezone: Mars/Olympus\n", `r.yaml:1: timezone "Mars/Olympus"`},
		{"\nschedule: every monday\n", `r.yaml:2: schedule "every monday": want a cron expression`},
		{"smtp:\n  tls: ssl\n", `r.yaml:2: smtp.tls "ssl": want starttls, tls or none`},
		{"audiences:\n  - name: Org\n", `r.yaml:2: audiences[0].name "Org"`},
		{"audiences:\n  - name: a\n  - name: a\n", `r.yaml:3: audiences[1].name "a": appears twice`},
		{"audiences:\n  - name: a\n    recipients:\n      - ok@example.com\n      - not-an-address\n", `r.yaml:5: audiences[0].recipients[1] "not-an-address"`},
		{"audiences:\n  - name: a\n    filter: 'bogus:\"x\"'\n", `r.yaml:3: audiences[0].filter`},
		{"audiences:\n  - name: a\n    budget: lots\n", `r.yaml:3: audiences[0].budget "lots"`},
		{"audiences:\n  - name: a\n    budget: -5 USD\n", `must be positive`},
		{"sheddule: x\n", `r.yaml:1: field sheddule not found: not a known setting`},
		{"audiences: [\n", `r.yaml:1: did not find expected node content`},
	} {
		_, err := ParseConfig("r.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want it to contain %q", tt.yaml, err, tt.want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("audiences: [{name: a, budget: 1 USD}]"))
	f.Add([]byte("schedule: '@weekly'"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(c.Audiences) == 0 || c.Location == nil || c.DashboardURL == "" {
			t.Fatalf("incomplete config %+v", c)
		}
		if _, err := ParseSchedule(c.Schedule, c.Location); err != nil {
			t.Fatalf("accepted schedule %q: %v", c.Schedule, err)
		}
	})
}

func TestWeek(t *testing.T) {
	wk := WeekOf(time.Date(2026, 10, 18, 23, 59, 0, 0, time.UTC)) // a Sunday
	if wk.Start != time.Date(2026, 10, 12, 0, 0, 0, 0, time.UTC) || wk.Label() != "2026-W42" || wk.Span() != "Oct 12–18, 2026" {
		t.Errorf("week %v %s %s", wk.Start, wk.Label(), wk.Span())
	}
	if got := LastCompleteWeek(time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC)); got != wk {
		t.Errorf("last complete week of Monday 08:00: %v", got.Start)
	}
	if s := (Week{Start: time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC)}).Span(); s != "Sep 28 – Oct 4, 2026" {
		t.Errorf("span %s", s)
	}
	if s := (Week{Start: time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)}); s.Label() != "2026-W53" || s.Span() != "Dec 28, 2026 – Jan 3, 2027" {
		t.Errorf("year end %s %s", s.Label(), s.Span())
	}
}

func TestSchedule(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	s, err := ParseSchedule(DefaultSchedule, berlin)
	if err != nil {
		t.Fatal(err)
	}
	// Monday Oct 19, 2026 08:00 in Berlin is 06:00 UTC (CEST).
	want := time.Date(2026, 10, 19, 6, 0, 0, 0, time.UTC)
	if got := s.Next(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)); !got.Equal(want) {
		t.Errorf("next %v, want %v", got, want)
	}
	// After the switch to CET (Oct 25) 08:00 is 07:00 UTC.
	if got := s.Next(want); !got.Equal(time.Date(2026, 10, 26, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("next after DST %v", got)
	}
}

func TestParseWeek(t *testing.T) {
	for in, want := range map[string]string{"2026-W42": "2026-10-12", "2026-10-14": "2026-10-12", "2026-w01": "2025-12-29", "2026-W53": "2026-12-28",
		"0001-W01": "0001-01-01", "0001-01-07": "0001-01-01"} {
		w, err := ParseWeek(in)
		if err != nil || w.Start.Format(time.DateOnly) != want {
			t.Errorf("%s: %v %v, want %s", in, w.Start, err, want)
		}
	}
	for _, in := range []string{"2026-W54", "2025-W53", "2026-W00", "last week", "2026-13-01", "", "2026-W4x", "2026-W+4", "+202-W1",
		// Weeks before 0001-W01: the week of 0000-01-01 is one of ISO year
		// −1, whose label ("-001-W52") did not read back.
		"0000-01-01", "0000-12-31", "0000-W01", "0000-W52"} {
		if _, err := ParseWeek(in); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

// isoWeek is an ISO week as ParseWeek takes it (upper-cased).
var isoWeek = regexp.MustCompile(`^(\d{4})-W(\d{1,2})$`)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func FuzzParseWeek(f *testing.F) {
	for _, s := range []string{"2026-W42", "2026-10-14", "0-W1", "2026-W99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWeek(s)
		if err != nil {
			return
		}
		if w.Start.Weekday() != time.Monday || w.Start.Location() != time.UTC {
			t.Fatalf("%q: week starts %v", s, w.Start)
		}
		// The week is the one s names: the ISO week written (week number
		// with or without its leading zero) or the week of the date written.
		y, n := w.Start.ISOWeek()
		in := strings.ToUpper(strings.TrimSpace(s))
		if d, err := time.Parse(time.DateOnly, in); err == nil {
			if WeekOf(d) != w {
				t.Fatalf("%q: week of %s", s, w.Start.Format(time.DateOnly))
			}
		} else if m := isoWeek.FindStringSubmatch(in); m == nil || atoi(m[1]) != y || atoi(m[2]) != n {
			t.Fatalf("%q: read as week %s", s, w.Label())
		}
		if back, err := ParseWeek(w.Label()); err != nil || back != w {
			t.Fatalf("%q: label %s reads back as %v, %v", s, w.Label(), back.Start, err)
		}
	})
}
