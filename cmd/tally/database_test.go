package main

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/pgtest"
)

// TestDatabaseFlag: --database picks the embedded server's database, so a
// user created in one is not in the other.
func TestDatabaseFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded PostgreSQL")
	}
	dataDir := pgtest.EmbeddedDataDir(t)
	t.Setenv("TALLY_PASSWORD", "correct horse battery")
	tly := mustTally(t, "--data-dir", dataDir, "--log-level", "warn")
	tly("migrate")
	// A database --database names that the embedded server does not have
	// is refused, and nothing is created: a typo would otherwise look like
	// a Tally without data. The error says how to create it.
	code, _, errOut := runTally("--data-dir", dataDir, "--log-level", "warn", "--database", "tally_other", "user", "create", "other@example.com")
	for _, want := range []string{"--database tally_other", "has no database", "(it has: tally)", "tally --database tally_other migrate"} {
		if code != 2 || !strings.Contains(errOut, want) {
			t.Fatalf("first use of tally_other: exit %d, want 2 and %q in stderr:\n%s", code, want, errOut)
		}
	}
	if code, _, errOut := runTally("--data-dir", dataDir, "--log-level", "warn", "--database", "tally_other", "user", "list"); code != 2 {
		t.Fatalf("the refused command created tally_other: user list exit %d, stderr:\n%s", code, errOut)
	}
	// migrate creates it, and says so.
	code, out, errOut := runTally("--data-dir", dataDir, "--database", "tally_other", "migrate")
	if code != 0 || !strings.Contains(out, "schema migrated from version 0") || !strings.Contains(errOut, `"created the embedded server's database","database":"tally_other"`) {
		t.Fatalf("migrate of tally_other: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	tly("--database", "tally_other", "user", "create", "other@example.com")
	if out := tly("--database", "tally_other", "user", "list"); !strings.Contains(out, "other@example.com") {
		t.Errorf("user list on tally_other:\n%s", out)
	}
	if out := tly("user", "list"); strings.Contains(out, "other@example.com") {
		t.Errorf("the default database has the other's user:\n%s", out)
	}
}
