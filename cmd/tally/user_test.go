package main

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/pgtest"
)

// TestTokenCreateRefusesBadFlags: a negative --expires-days made a token
// that never expires, and --cluster on an API token was dropped; both are
// bad input, and no token is created.
func TestTokenCreateRefusesBadFlags(t *testing.T) {
	url := pgtest.NewURL(t, true)
	for _, args := range [][]string{{"--expires-days=-5"}, {"--cluster", "prod"}} {
		code, out, errOut := runTally(append([]string{"--database-url", url, "--log-level", "warn", "token", "create", "--name", "x"}, args...)...)
		if code != exitUsage || strings.HasPrefix(out, "tly_") || !strings.Contains(errOut, strings.SplitN(args[0], "=", 2)[0]) {
			t.Errorf("token create %v: exit %d, out %q, err %q: want exit %d naming the flag, and no token", args, code, out, errOut, exitUsage)
		}
	}
	if _, out, _ := runTally("--database-url", url, "--log-level", "warn", "token", "list"); strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("tokens were created:\n%s", out)
	}
}
