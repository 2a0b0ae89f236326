package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestClusterCommands: tally cluster list shows each cluster's billing
// account and where it came from; tally cluster set gives it another, which
// makes the cluster's unbilled hours stale (to be estimated in it), and
// refuses a cluster that does not exist.
func TestClusterCommands(t *testing.T) {
	url, db := oneNodeDatabaseBilled(t, 24)
	run := mustTally(t, "--database-url", url)
	listed := func(want string) {
		t.Helper()
		if out := run("cluster", "list"); !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("cluster list:\n%s\nwant a line matching %s", out, want)
		}
	}
	listed(`prod\s+aws\s+us-east-1\s+0\s+never\s+111\s+configured`)
	listed(`NODES REPORTING: nodes whose agents reported in the last 10 minutes`)
	run("attribute", "--from", tally.FormatDay(fixture.Day1), "--to", tally.FormatDay(fixture.Day1.Add(48*time.Hour)))
	day2 := tally.Window{Start: fixture.Day1.Add(24 * time.Hour), End: fixture.Day1.Add(48 * time.Hour)}
	if stale, err := db.StaleHours(context.Background(), day2, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Fatalf("stale hours after attribution: %v, %v", stale, err)
	}

	out := run("cluster", "set", "prod", "--billing-account", "222")
	if !strings.Contains(out, "cluster prod is billed to account 222; the next attribution re-attributes 48 hours of its nodes (2026-10-05 00:00 to 2026-10-07 00:00 UTC)") ||
		!strings.Contains(out, "no bill of account 222 is ingested yet") {
		t.Errorf("cluster set:\n%s", out)
	}
	listed(`prod\s+aws\s+us-east-1\s+0\s+never\s+222\s+configured`)
	// Day 2 is after account 111's bill: estimated in 111 until now, in 222
	// (not billed at all) from now on.
	if stale, err := db.StaleHours(context.Background(), day2, attribution.ShareMax); err != nil || len(stale) != 24 {
		t.Errorf("stale hours of day 2 after the account changed: %d, %v; want its 24 unbilled hours", len(stale), err)
	}

	code, _, errOut := runTally("--database-url", url, "cluster", "set", "staging", "--billing-account", "111")
	if code != exitUsage || !strings.Contains(errOut, "cluster staging: no such cluster (known: prod)") {
		t.Errorf("cluster set of an unknown cluster: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runTally("--database-url", url, "cluster", "set", "prod", "--billing-account", " ")
	if code != exitUsage || !strings.Contains(errOut, "--billing-account") {
		t.Errorf("cluster set with a blank account: exit %d\n%s", code, errOut)
	}
}

// TestClusterSetNoClusters: with no cluster registered, cluster set said
// "no such cluster (known: )"; it says there is none yet.
func TestClusterSetNoClusters(t *testing.T) {
	url := pgtest.NewURL(t, true)
	code, _, errOut := runTally("--database-url", url, "--log-level", "warn", "cluster", "set", "nosuch", "--billing-account", "123")
	if code != exitUsage || strings.Contains(errOut, "known: )") || !strings.Contains(errOut, "cluster nosuch: no such cluster: there are no clusters yet") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
