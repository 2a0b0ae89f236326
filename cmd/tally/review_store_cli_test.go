package main

// Reproductions of the review-store-cli findings about the CLI. Each test
// fails on the code as reviewed.

import (
	"context"
	"testing"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestReviewAttributeShareIgnoredWithoutForce: `tally attribute --share
// usage` only recomputes hours that are stale, so on hours already
// attributed (by `tally serve`, every hour, with max) the flag changes
// nothing, exit 0, no warning. OneNode's pod requests 1 of 2 cores and
// reports no usage: under --share usage its cost is 0 and the node's cost
// is idle.
func TestReviewAttributeShareIgnoredWithoutForce(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fixture.OneNode(t, db, 48)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	win := []string{"--from", "2026-10-05", "--to", "2026-10-07"}
	costs := func() string {
		return tly("costs", "--window", "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z", "--aggregate", "namespace", "--format", "csv")
	}
	tly(append([]string{"attribute"}, win...)...) // as the scheduler did, with max
	before := costs()
	tly(append([]string{"attribute", "--share", "usage"}, win...)...)
	after := costs()
	tly(append([]string{"attribute", "--share", "usage", "--force"}, win...)...)
	forced := costs()
	if after == before && forced != before {
		t.Errorf("tally attribute --share usage exited 0 and changed nothing; with --force it does.\nwithout --force:\n%s\nwith --force:\n%s", after, forced)
	}
}
