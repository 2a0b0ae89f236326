package report_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/tallyhq/tally/report"
)

// TestAnomalyRuleStatedInBothParts: the anomaly header of the text and
// HTML parts states the rule the report flagged days by, with its floors:
// the 5% of the median the scale never falls below and the smallest
// change that counts. Both parts wrote "median ± 3.5 × 1.4826 × MAD" as
// literals of their own, without the floors, whatever rule flagged the
// days: here K 3, a 10% floor and $50.
func TestAnomalyRuleStatedInBothParts(t *testing.T) {
	r := buildBy(t, &report.Builder{Store: weeklyDB(t), Config: weeklyConfig(t),
		Rule: report.AnomalyRule{K: 3, Floor: 0.10, MinDelta: 50, MinDays: 14}}, "org")
	text, htm := rendered(t, r)
	const want = "median ± 3 × max(1.4826 × MAD, 10% of the median), and at least ±$50.00"
	unwrapped := strings.Join(strings.Fields(section(text, "ANOMALIES")), " ")
	if !strings.Contains(unwrapped, want) {
		t.Errorf("text part's anomaly header does not state the rule %q:\n%s", want, section(text, "ANOMALIES"))
	}
	m := regexp.MustCompile(`Anomalies</div>\s*<div[^>]*>([^<]*)</div>`).FindStringSubmatch(htm)
	if m == nil {
		t.Fatal("HTML part has no anomaly header")
	}
	if got := html.UnescapeString(m[1]); !strings.Contains(got, want) || !strings.Contains(unwrapped, got) {
		t.Errorf("HTML part's anomaly header %q: want %q in it, and the text part's words", got, want)
	}
}
