package report_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
)

// fixtureURL loads the fixture organization into a fresh database and
// returns it with its URL (to delete days from).
func fixtureURL(t *testing.T) (*postgres.DB, string) {
	t.Helper()
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	fixture.WeeklyOrg(t, db)
	return db, url
}

// sumDays adds up the costs of daily from index i to j.
func sumDays(daily []report.DailyCost, idx ...int) tally.Money {
	s := tally.Zero("USD")
	for _, i := range idx {
		s, _ = s.Add(daily[i].Cost)
	}
	return s
}

// TestUnbilledMonday: the report week's Monday is not billed, the other six
// days are. The weeks are compared on Tuesday to Sunday, and the report says
// so. The first unbilled day cut the comparison to the days before it,
// and when that was Monday there were none, so all 7 days were compared:
// this week with Monday at $0 against the whole week before, a drop of a
// seventh that was only the missing day ("-3.2%", "each week is compared on
// its first 7 days").
func TestUnbilledMonday(t *testing.T) {
	db, url := fixtureURL(t)
	cfg := weeklyConfig(t)
	full := build(t, db, cfg, "org")
	fixture.Unbill(t, url, fixture.WeeklyReport, fixture.WeeklyReport.AddDate(0, 0, 1))
	r := build(t, db, cfg, "org")
	out, err := report.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	n := len(full.Daily)
	thisWeek, lastWeek := sumDays(full.Daily, n-6, n-5, n-4, n-3, n-2, n-1), sumDays(full.Daily, n-13, n-12, n-11, n-10, n-9, n-8)
	if len(r.Unbilled) != 1 || !r.Unbilled[0].Equal(fixture.WeeklyReport) || r.CostDays != 6 {
		t.Errorf("unbilled %v, %d days with cost; want Monday, 6", r.Unbilled, r.CostDays)
	}
	if got := r.ComparedWeekdays(); got != "Tue–Sun" || len(r.Compared) != 6 {
		t.Errorf("compared %q (%d days), want Tue–Sun", got, len(r.Compared))
	}
	if !r.Spend.ThisWeek.Equal(thisWeek) || !r.Spend.LastWeek.Equal(lastWeek) {
		t.Errorf("this week %s, last week %s; want Tuesday to Sunday of each: %s, %s", r.Spend.ThisWeek, r.Spend.LastWeek, thisWeek, lastWeek)
	}
	if !strings.Contains(out.Text, "(not billed yet: Mon Oct 12; each week is compared on Tue–Sun, and anomalies leave the days out)") ||
		!strings.Contains(out.Text, "This week, Tue–Sun ") {
		t.Errorf("the text does not say which days are compared:\n%s", strings.Join(strings.Split(out.Text, "\n")[:10], "\n"))
	}
	if !strings.Contains(out.Subject, report.FormatMoney(thisWeek)+" on Tue–Sun (") || !strings.Contains(out.Subject, "vs the same days last week") {
		t.Errorf("subject %q does not say the spend is Tuesday to Sunday's", out.Subject)
	}
	if !strings.Contains(out.HTML, "each week is compared on Tue–Sun") {
		t.Error("the HTML does not say which days are compared")
	}
	// A team's report compares the days the organization's bill has reached.
	if p := build(t, db, cfg, "payments"); p.ComparedWeekdays() != "Tue–Sun" || len(p.Unbilled) != 1 {
		t.Errorf("payments: compared %q, unbilled %v; want Tue–Sun, Monday", p.ComparedWeekdays(), p.Unbilled)
	}
}

// TestUnbilledWednesday: with Wednesday not billed, the weeks are compared
// on Monday, Tuesday and Thursday to Sunday, and the movers on the same
// days. The first unbilled day cut the comparison to Monday and Tuesday,
// and the subject gave those two days' cost as the week's ("Oct 12–18,
// 2026: $439" where the six billed days cost $1,316).
func TestUnbilledWednesday(t *testing.T) {
	db, url := fixtureURL(t)
	cfg := weeklyConfig(t)
	full := build(t, db, cfg, "org")
	fixture.Unbill(t, url, fixture.WeeklyReport.AddDate(0, 0, 2), fixture.WeeklyReport.AddDate(0, 0, 3))
	aud, _ := cfg.Audience("org")
	b := &report.Builder{Store: db, Config: cfg, Now: func() time.Time { return fixture.WeeklyNow }, Top: 1000}
	r, err := b.Build(context.Background(), aud, report.WeekOf(fixture.WeeklyReport))
	if err != nil {
		t.Fatal(err)
	}
	out, err := report.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	n := len(full.Daily)
	thisWeek, lastWeek := sumDays(full.Daily, n-7, n-6, n-4, n-3, n-2, n-1), sumDays(full.Daily, n-14, n-13, n-11, n-10, n-9, n-8)
	if got := r.ComparedWeekdays(); got != "Mon–Tue, Thu–Sun" || len(r.Compared) != r.CostDays {
		t.Errorf("compared %q (%d days) with %d days billed; want Mon–Tue, Thu–Sun", got, len(r.Compared), r.CostDays)
	}
	if !r.Spend.ThisWeek.Equal(thisWeek) || !r.Spend.LastWeek.Equal(lastWeek) {
		t.Errorf("this week %s, last week %s; want the six days but Wednesday of each: %s, %s", r.Spend.ThisWeek, r.Spend.LastWeek, thisWeek, lastWeek)
	}
	if want := "Oct 12–18, 2026: " + report.FormatMoney(thisWeek) + " on Mon–Tue, Thu–Sun ("; !strings.Contains(out.Subject, want) {
		t.Errorf("subject %q, want %q in it", out.Subject, want)
	}
	// The links open one range of days, Wednesday included: say so.
	if !strings.Contains(out.Text, "(the links open Mon–Sun, Wed included: a dashboard window is one range of days)") ||
		!strings.Contains(out.HTML, "The links open Mon–Sun, Wed included: a dashboard window is one range of days.") {
		t.Errorf("the email does not say its links include Wednesday:\n%s", out.Text)
	}
	if whole, err := report.Render(full); err != nil || strings.Contains(whole.Text, "the links open") || strings.Contains(whole.HTML, "The links open") {
		t.Errorf("a week compared on every day says what its links include (%v)", err)
	}
	// The changes of the namespaces (idle, shared and unallocated costs
	// among them, the cloud costs without a namespace in __unallocated__)
	// add up to the change of the spend on the same days (those that
	// changed by less than half a cent are not movers).
	moved := tally.Zero("USD")
	for _, set := range r.Movers {
		if set.Dimension != "namespace" {
			continue
		}
		for _, m := range set.Movers {
			moved, _ = moved.Add(m.Delta)
		}
	}
	if d, _ := thisWeek.Sub(lastWeek); math.Abs(moved.Float64()-d.Float64()) > 0.05 {
		t.Errorf("namespace movers changed by %s, the spend on the same days by %s", moved, d)
	}
}

// TestFourWeekAverageOfNewOrg: an organization whose bill starts two weeks
// before the report week (Tally installed, or the account added, then).
// The average is of those two weeks, and says so; a week the bill reaches
// only partly is left out too. It divided the two weeks by four, as if the
// weeks before them had cost nothing, and a steady bill read about double
// "the average" ("+126%").
func TestFourWeekAverageOfNewOrg(t *testing.T) {
	db, url := fixtureURL(t)
	cfg := weeklyConfig(t)
	fixture.Unbill(t, url, fixture.WeeklyStart, fixture.WeeklyReport.AddDate(0, 0, -14))
	r := build(t, db, cfg, "org")
	out, err := report.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	n := len(r.Daily)
	two := sumDays(r.Daily, n-21, n-20, n-19, n-18, n-17, n-16, n-15, n-14, n-13, n-12, n-11, n-10, n-9, n-8)
	avg, _ := two.MulRatio(1, 2)
	if r.Spend.AvgWeeks != 2 || !r.Spend.Avg4Weeks.Equal(avg) {
		t.Errorf("average of %d weeks: %s; want the 2 weeks billed: %s", r.Spend.AvgWeeks, r.Spend.Avg4Weeks, avg)
	}
	if !strings.Contains(out.Text, "vs 2-week average") || !strings.Contains(out.Text, "(the average is of the 2 week(s) billed before this one, not of 4)") {
		t.Errorf("the text does not say the average is of 2 weeks:\n%s", strings.Join(strings.Split(out.Text, "\n")[:10], "\n"))
	}
	if !strings.Contains(out.HTML, "vs 2-week average") {
		t.Error("the HTML does not say the average is of 2 weeks")
	}

	// The bill from the Friday of the week before last: that week is left out.
	fixture.Unbill(t, url, fixture.WeeklyReport.AddDate(0, 0, -14), fixture.WeeklyReport.AddDate(0, 0, -10))
	r = build(t, db, cfg, "org")
	if !r.Spend.Avg4Weeks.Equal(r.Spend.LastWeek) || r.Spend.AvgWeeks != 1 {
		t.Errorf("average of %d weeks: %s; want last week's %s alone", r.Spend.AvgWeeks, r.Spend.Avg4Weeks, r.Spend.LastWeek)
	}
}
