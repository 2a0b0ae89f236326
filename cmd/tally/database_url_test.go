package main

import (
	neturl "net/url"
	"testing"

	"github.com/tallyhq/tally/internal/pgtest"
)

// TestDatabaseURLTrimmed: a database URL read from a secret file often
// ends in a newline (kubectl create secret --from-file, echo >). It is
// trimmed; it read as part of the database's name, `database "tally\n"
// does not exist`.
func TestDatabaseURLTrimmed(t *testing.T) {
	// The database's name last, as in postgres://user:pw@host:5432/tally:
	// the socket directory as the host.
	u, err := neturl.Parse(pgtest.NewURL(t, true))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	url := "postgres://" + u.User.String() + "@" + neturl.PathEscape(q.Get("host")) + u.Path
	t.Setenv("TALLY_DATABASE_URL", url+"\n")
	if code, out, errOut := runTally("--log-level", "warn", "migrate"); code != 0 {
		t.Errorf("TALLY_DATABASE_URL ending in a newline: exit %d: %s%s", code, out, errOut)
	}
}
