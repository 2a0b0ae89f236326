package report_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/report"
)

// TestFirstWeekOfTheBill: an organization whose bill starts on the
// Wednesday of the report week (Tally installed then) has no week before
// to compare with. The email said "+$1,134 (new) vs last week" in its
// subject and summary, "last week $0.00", and listed every workload as a
// biggest change "(new)": it says the week before is not billed instead.
func TestFirstWeekOfTheBill(t *testing.T) {
	db, url := fixtureURL(t)
	cfg := weeklyConfig(t)
	fixture.Unbill(t, url, fixture.WeeklyStart, fixture.WeeklyReport.AddDate(0, 0, 2))
	r := build(t, db, cfg, "org")
	if !r.Spend.LastWeekUnbilled {
		t.Errorf("spend %+v: want the week before unbilled", r.Spend)
	}
	out, err := report.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	const none = "none: the week before is not billed"
	if want := "on Wed–Sun (nothing billed the week before)"; !strings.Contains(out.Subject, want) || strings.Contains(out.Subject, "new") {
		t.Errorf("subject %q, want %q in it", out.Subject, want)
	}
	if strings.Contains(out.Text, "(new)") && strings.Contains(out.Text, "Biggest changes") || !strings.Contains(out.Text, none) {
		t.Errorf("text part compares with a week not billed:\n%s", strings.Join(strings.Split(out.Text, "\n")[:12], "\n"))
	}
	if strings.Contains(out.HTML, "Biggest changes") || !strings.Contains(out.HTML, none) || strings.Contains(out.HTML, "vs last week ($0.00)") {
		t.Error("HTML part compares with a week not billed")
	}
}

// TestFirstWeekListsTheLargestCosts: in the organization's first week
// there is no week before to compare with, and every row of What changed
// and of the teams read "+$92.16 (new)" beside a usage of the same amount
// and a price and coverage of $0.00: a column of "(new)" that said
// nothing. The report says once that there is nothing to compare with and
// lists the week's largest costs without change columns.
func TestFirstWeekListsTheLargestCosts(t *testing.T) {
	db, url := fixtureURL(t)
	fixture.Unbill(t, url, fixture.WeeklyStart, fixture.WeeklyReport.AddDate(0, 0, 2))
	text, html := rendered(t, build(t, db, weeklyConfig(t), "org"))
	const note = "nothing to compare with"
	for part, s := range map[string]string{"text": text, "HTML": html} {
		if n := strings.Count(s, note); n != 1 {
			t.Errorf("%s part says %q %d times, want once", part, note, n)
		}
		if strings.Contains(s, "(new)") {
			t.Errorf("%s part compares with a week not billed: it has (new)", part)
		}
	}
	if !regexp.MustCompile(`(?m)^Workloads +This week$`).MatchString(text) ||
		!regexp.MustCompile(`(?m)^  payments/ledger \[\d+\] +\$92\.16$`).MatchString(text) {
		t.Errorf("text part does not list the workloads by their cost alone:\n%s", section(text, "WHAT CHANGED"))
	}
	if strings.Contains(html, ">Usage<") || strings.Contains(html, "movers@tally") {
		t.Error("HTML part splits changes from a week not billed into usage, price and coverage")
	}
	if !strings.Contains(text, "First week: "+note) {
		t.Errorf("text part does not say it is the first week:\n%s", section(text, "WHAT CHANGED"))
	}
}

// section is the text part from the section of title on, at most 1,500
// bytes of it.
func section(text, title string) string {
	_, s, _ := strings.Cut(text, title+"\n")
	return s[:min(len(s), 1500)]
}

// TestFirstWeekListsTheCostliestFunctions: in the organization's first
// week, Functions that cost more still compared with the week before,
// which has no bill, "$15.62 -> $29.29 self +$13.66 (+87%)", while What
// changed listed the week's largest costs. It lists the week's costliest
// functions by their self cost alone, with links that compare with
// nothing.
func TestFirstWeekListsTheCostliestFunctions(t *testing.T) {
	db, url := fixtureURL(t)
	fixture.Unbill(t, url, fixture.WeeklyStart, fixture.WeeklyReport.AddDate(0, 0, 2))
	r := build(t, db, weeklyConfig(t), "org")
	if len(r.Functions) == 0 {
		t.Fatal("no functions")
	}
	for i, f := range r.Functions {
		if !f.LastWeek.IsZero() || !f.Change.Delta.IsZero() || strings.Contains(f.Link, "baseWindow") {
			t.Errorf("%s in %s: last week %s, change %s, link %s; want no comparison", f.Function, f.Workload,
				report.FormatMoney(f.LastWeek), report.FormatMoney(f.Change.Delta), f.Link)
		}
		if i > 0 {
			if c, _ := f.ThisWeek.Cmp(r.Functions[i-1].ThisWeek); c > 0 {
				t.Errorf("%s (%s) listed after one that costs less", f.Function, report.FormatMoney(f.ThisWeek))
			}
		}
	}
	text, html := rendered(t, r)
	top := report.FormatMoney(r.Functions[0].ThisWeek) + " self"
	fns := section(text, "COSTLIEST FUNCTIONS")
	if !strings.Contains(fns, top) || strings.Contains(fns, "->") || strings.Contains(text, "FUNCTIONS THAT COST MORE") {
		t.Errorf("text part does not list the costliest functions by their cost alone:\n%s", fns)
	}
	if _, fns, _ = strings.Cut(html, ">Costliest functions<"); !strings.Contains(fns, top) || strings.Contains(html, "Functions that cost more") ||
		strings.Contains(fns[:strings.Index(fns, "</table>")+1], "→") {
		t.Error("HTML part does not list the costliest functions by their cost alone")
	}
}
