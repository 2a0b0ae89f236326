package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestCommitmentsStatusSaysEstimatedEnds: a FOCUS file dates no
// commitment's term, so a commitment seen only in it is taken to start at
// its first charge in the stored bill and to end a term later; its term
// may have begun before that bill. `commitments status` gave that end as
// the bill's; it says it is an estimate, in its table ("≤ DAY (est.)"),
// its notes and its expiry calendar, and its JSON marks the start
// estimated. So does `commitments sync billing`, which stores the mark.
func TestCommitmentsStatusSaysEstimatedEnds(t *testing.T) {
	url := pgtest.NewURL(t, true)
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	end := start.Add(time.Duration(commitments.TermHours(12)) * time.Hour)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "focus", writeFOCUSPartialUpfront(t, start))

	day, endDay := tally.FormatDay(start), tally.FormatDay(end)
	note := partialSP + ": ends by " + endDay + " (est.): the bill does not date its term; its start, " + day +
		", is reckoned from its first charge in the stored bill, which the term may predate"
	for _, args := range [][]string{{"status", "--window", "7d"}, {"sync", "billing", "--provider", "aws"}} {
		out := tly(append([]string{"commitments"}, args...)...)
		for _, want := range []string{"≤ " + endDay + " (est.)", note} {
			if !strings.Contains(out, want) {
				t.Errorf("commitments %s does not say %q:\n%s", strings.Join(args, " "), want, out)
			}
		}
	}
	out := tly("commitments", "status", "--window", "7d")
	if want := end.Format("2006-01") + "  1 commitment(s), 1.000 USD/h, ending by then (est.)"; !strings.Contains(out, want) {
		t.Errorf("status's expiries do not say %q:\n%s", want, out)
	}
	var st commitments.Status
	if err := json.Unmarshal([]byte(tly("commitments", "status", "--window", "7d", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Inventory) != 1 || !st.Inventory[0].StartEstimated || !st.Inventory[0].Start.Equal(start) {
		t.Errorf("status inventory %+v, want one started %s, estimated", st.Inventory, start)
	}
	if len(st.Expiries) != 1 || !st.Expiries[0].Estimated {
		t.Errorf("status expiries %+v, want one, estimated", st.Expiries)
	}
}
