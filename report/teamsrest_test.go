package report_test

import (
	"html"
	"strings"
	"testing"

	"github.com/tallyhq/tally/report"
)

// TestTeamsAddUpToTheWeek: the organization's teams leave out their
// clusters' idle and shared costs, so they add up to less than the week's
// spend the report heads with ($982 of $1,534 in the fixture), and a
// FinOps lead could not tell where the rest went. Both parts now say what
// the teams add up to and that the rest is idle and shared costs, and the
// amounts reconcile with the headline to the cent.
func TestTeamsAddUpToTheWeek(t *testing.T) {
	db := weeklyDB(t)
	org := build(t, db, weeklyConfig(t), "org")
	rest := org.Spend.ThisWeek
	for _, ts := range org.Teams {
		var err error
		if rest, err = rest.Sub(ts.ThisWeek); err != nil {
			t.Fatal(err)
		}
	}
	if !org.TeamsRest.Equal(rest) {
		t.Errorf("TeamsRest = %v, want the week's %v less the teams' = %v", org.TeamsRest, org.Spend.ThisWeek, rest)
	}
	note := org.TeamsRestNote()
	for _, want := range []string{report.FormatMoney(org.Spend.ThisWeek), report.FormatMoney(rest), "__idle__", "__shared__"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q does not say %q", note, want)
		}
	}
	rendered, err := report.Render(org)
	if err != nil {
		t.Fatal(err)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if !strings.Contains(flat(rendered.Text), note) {
		t.Errorf("the text part does not say %q", note)
	}
	if !strings.Contains(flat(html.UnescapeString(rendered.HTML)), flat(note)) {
		t.Errorf("the HTML part does not say %q", note)
	}
}
