package main

import (
	"strings"
	"testing"
	"time"

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

// TestTokenListShowsExpiry: token list says when each token expires (or
// never), so that one created with --expires-days can be told apart.
func TestTokenListShowsExpiry(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("token", "create", "--name", "short", "--expires-days", "30")
	tly("token", "create", "--name", "forever")
	out := tly("token", "list")
	want := time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "EXPIRES") {
		t.Fatalf("token list:\n%s", out)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if strings.Contains(l, "short") && !strings.Contains(l, want) || strings.Contains(l, "forever") && f[len(f)-2] != "never" {
			t.Errorf("token list line %q: want its expiry (%s for short, never for forever)", l, want)
		}
	}
}

// TestNotFoundOnTheCommandLineIsBadInput: a token id or user email that
// does not exist exited 1, as a failure of Tally's; like an unknown cluster
// (tally cluster set) or --audience it is bad input, exit 2, naming it.
func TestNotFoundOnTheCommandLineIsBadInput(t *testing.T) {
	url := pgtest.NewURL(t, true)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "revoke", "nosuch"}, "no token nosuch"},
		{[]string{"user", "passwd", "nobody@example.com", "--password", "abcdefgh12"}, "no user nobody@example.com"},
		{[]string{"user", "passwd", "nobody@example.com", "--password", "abcdefgh12", "--role", "admin"}, "no user nobody@example.com"},
		{[]string{"cluster", "set", "nosuch", "--billing-account", "123"}, "cluster nosuch"},
	} {
		code, _, errOut := runTally(append([]string{"--database-url", url, "--log-level", "warn"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
}

// TestAgentTokenForANewClusterSaysSo: an agent token for a cluster no
// agent has reported is created, with the secret alone on stdout, and
// stderr says no agent has reported it and which clusters have, as the
// Settings page does: a misspelt cluster filed its agents' data under a
// cluster of its own, without a word.
func TestAgentTokenForANewClusterSaysSo(t *testing.T) {
	url := pgtest.NewURL(t, true)
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "token", "create", "--name", "edge agents", "--kind", "agent", "--cluster", "edge-1")
	if code != 0 || !strings.HasPrefix(out, "tly_") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("exit %d, stdout %q: want the secret alone", code, out)
	}
	if want := `No agent has reported cluster "edge-1" yet`; !strings.Contains(errOut, want) || !strings.Contains(errOut, "Clusters agents have reported: none yet.") {
		t.Errorf("stderr %q, want %q and the clusters reported", errOut, want)
	}
}

// TestUserRoleAndDelete: tally user role and tally user delete change and
// remove users as the Settings page does, and keep the last admin: a
// request that would leave no admin is refused as bad input, exit 2, as a
// user who does not exist is (it exited 1, as a failure of Tally's).
func TestUserRoleAndDelete(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("user", "create", "--admin", "ada@example.com", "--password", "correct horse")
	tly("user", "create", "bob@example.com", "--password", "correct horse")
	if out := tly("user", "role", "bob@example.com", "admin"); !strings.Contains(out, "bob@example.com is now admin") {
		t.Errorf("user role: %q", out)
	}
	if out := tly("user", "delete", "ada@example.com"); !strings.Contains(out, "deleted user ada@example.com") {
		t.Errorf("user delete: %q", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"user", "delete", "bob@example.com"}, exitUsage, "tally: bob@example.com is the last admin: make another user admin first\n"},
		{[]string{"user", "role", "bob@example.com", "viewer"}, exitUsage, "last admin"},
		{[]string{"user", "passwd", "bob@example.com", "--role", "viewer", "--password", "correct horse"}, exitUsage, "last admin"},
		{[]string{"user", "role", "bob@example.com", "owner"}, exitUsage, "owner"},
		{[]string{"user", "delete", "nobody@example.com"}, exitUsage, "no user nobody@example.com"},
		{[]string{"user", "create", "bob", "--password", "correct horse"}, exitUsage, `email "bob": want an address such as ops@example.com`},
	} {
		code, _, errOut := runTally(append([]string{"--database-url", url, "--log-level", "warn"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	if out := tly("user", "list"); strings.Contains(out, "ada@") || !strings.Contains(out, "bob@example.com  admin") {
		t.Errorf("user list:\n%s", out)
	}
}
