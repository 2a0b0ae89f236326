package report_test

import (
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
