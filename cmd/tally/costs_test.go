package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
)

// Groups billed in different currencies get one total each: adding them
// would be wrong, and a failed Add must not reset the total.
func TestCostsTableTotalPerCurrency(t *testing.T) {
	g := func(name, amt string, cur tally.Currency) attribution.Group {
		m := tally.MustParseMoney(amt, cur)
		return attribution.Group{Name: name, Total: attribution.StepCost{CPU: m, Total: m}}
	}
	var buf bytes.Buffer
	err := writeCostsTable(&buf, []attribution.Group{g("aws-prod", "1000", "USD"), g("gcp-eu", "500", "EUR"), g("aws-dev", "30", "USD"),
		{Name: "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	space := regexp.MustCompile(` +`)
	var totals []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		l = space.ReplaceAllString(strings.TrimSpace(l), " ")
		if strings.HasPrefix(l, "TOTAL") {
			totals = append(totals, l)
		}
		if strings.HasPrefix(l, "gcp-eu") && !strings.HasPrefix(l, "gcp-eu EUR ") {
			t.Errorf("row without its currency: %q", l)
		}
	}
	if want := []string{"TOTAL USD 1030.00", "TOTAL EUR 500.00"}; strings.Join(totals, "|") != strings.Join(want, "|") {
		t.Errorf("totals %q, want %q\n%s", totals, want, out)
	}
}
