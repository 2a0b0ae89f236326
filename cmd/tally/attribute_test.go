package main

import (
	"context"
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestAttributeFromMidDayReconcilesWholeDays: --from takes RFC 3339 times;
// when it is not midnight, the reconciliation compares the first day's
// whole bill with its whole rollup (it compared the part of the bill inside
// the window, plus the hour ending at --from, with the whole rollup and
// reported a mismatch: exit 1 on a day that reconciles).
func TestAttributeFromMidDayReconcilesWholeDays(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture.OneNode(t, db, 48)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "attribute", "--from", "2026-10-05T10:00:00Z", "--to", "2026-10-07")
	if code != 0 || strings.Contains(out, "mismatch") {
		t.Errorf("tally attribute --from 2026-10-05T10:00:00Z on attributed days: exit %d\n%s%s", code, out, errOut)
	}
}
