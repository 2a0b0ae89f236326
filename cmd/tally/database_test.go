package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/postgres/embedded"
)

// TestDatabaseFlag: --database picks the embedded server's database, so a
// user created in one is not in the other.
func TestDatabaseFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded PostgreSQL")
	}
	if _, err := embedded.FindBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v (CI=true: prerequisites must be present)", err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the server may run as another user
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("TALLY_PASSWORD", "correct horse battery")
	tly := func(args ...string) string {
		t.Helper()
		code, out, errOut := runTally(append([]string{"--data-dir", filepath.Join(dir, "pg"), "--log-level", "warn"}, args...)...)
		if code != 0 {
			t.Fatalf("tally %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	tly("--database", "tally_other", "user", "create", "other@example.com")
	if out := tly("--database", "tally_other", "user", "list"); !strings.Contains(out, "other@example.com") {
		t.Errorf("user list on tally_other:\n%s", out)
	}
	if out := tly("user", "list"); strings.Contains(out, "other@example.com") {
		t.Errorf("the default database has the other's user:\n%s", out)
	}
}
