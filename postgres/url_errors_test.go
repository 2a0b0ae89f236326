package postgres_test

import (
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
)

// TestOpenURLErrorsSayWhatIsWrong: a database URL that does not parse is
// refused with what is wrong in it, the setting it names included, and
// never the URL itself, whose password pgx masks only where it can tell
// where it ends (an unescaped @ in it).
func TestOpenURLErrorsSayWhatIsWrong(t *testing.T) {
	tests := []struct{ url, want string }{
		{"postgres://tally:s3cret@PW@127.0.0.1:99999/tally", "database URL: invalid port"},
		{"postgres://tally:s3cretPW@127.0.0.1:5432/tally?pool_max_conns=abc",
			`database URL: cannot parse pool_max_conns (strconv.ParseInt: parsing "abc": invalid syntax)`},
		{"postgres://tally:s3cretPW@127.0.0.1:5432/tally?pool_max_conn_lifetime=1x",
			`database URL: cannot parse pool_max_conn_lifetime (time: unknown unit "x" in duration "1x")`},
		{"mysql://tally:s3cretPW@127.0.0.1:3306/tally", "database URL: scheme mysql://: want postgres://user:password@host:5432/database"},
	}
	for _, tt := range tests {
		_, err := postgres.Open(ctx, tt.url)
		if err == nil {
			t.Fatalf("Open(%s): no error", tt.url)
		}
		if msg := err.Error(); msg != tt.want || strings.Contains(msg, "s3cret") || strings.Contains(msg, "PW") || tally.ErrorCode(err) != tally.EInvalid {
			t.Errorf("Open(%s) = %q (%s), want %q, invalid", tt.url, msg, tally.ErrorCode(err), tt.want)
		}
	}
}
