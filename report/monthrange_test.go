package report_test

import (
	"html"
	"strings"
	"testing"

	"github.com/tallyhq/tally/report"
)

// TestMonthRangeSaysWhatItIs: the month's forecast range adds up the 80%
// ranges of its remaining days (and accounts), which is not an 80% range of
// the month's total: days seldom all run high, and on the synthetic daily
// suite it held the total 59 and 60 times in 60, 8 and 30 days ahead. The
// email called it "(80% range)" and the text "(80%: …)"; they say what it
// is, as the Overview's chart does its band.
func TestMonthRangeSaysWhatItIs(t *testing.T) {
	db := weeklyDB(t)
	out, err := report.Render(build(t, db, weeklyConfig(t), "org"))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"text": out.Text, "HTML": html.UnescapeString(out.HTML)} {
		if strings.Contains(s, "80% range)") || strings.Contains(s, "(80%:") || !strings.Contains(s, "days' 80% ranges added") {
			t.Errorf("%s: want the month's range named the days' 80%% ranges added, not an 80%% range:\n%s", name, monthLines(s))
		}
	}
}

func monthLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "Forecast for the month") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}
