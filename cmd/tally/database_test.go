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
	// A database --database names for the first time is created, and the
	// log says so: a typo would otherwise look like a Tally without data.
	code, _, errOut := runTally("--data-dir", dataDir, "--log-level", "warn", "--database", "tally_other", "user", "create", "other@example.com")
	if code != 0 || !strings.Contains(errOut, "created an empty database") || !strings.Contains(errOut, "tally_other") {
		t.Fatalf("first use of tally_other: exit %d, stderr:\n%s", code, errOut)
	}
	if out := tly("--database", "tally_other", "user", "list"); !strings.Contains(out, "other@example.com") {
		t.Errorf("user list on tally_other:\n%s", out)
	}
	if out := tly("user", "list"); strings.Contains(out, "other@example.com") {
		t.Errorf("the default database has the other's user:\n%s", out)
	}
}
