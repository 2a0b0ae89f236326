package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestConnectionsSayTheyAreTallys: Tally's connections name themselves
// (application_name "tally") in pg_stat_activity, unless the URL names
// them otherwise; they had no name, so a DBA could not tell them from
// others.
func TestConnectionsSayTheyAreTallys(t *testing.T) {
	ctx := context.Background()
	base := pgtest.NewURL(t, true)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	for _, tc := range []struct{ url, want string }{{base, "tally"}, {base + sep + "application_name=tally-replica-2", "tally-replica-2"}} {
		db, err := postgres.Open(ctx, tc.url)
		if err != nil {
			t.Fatal(err)
		}
		name, err := db.SessionSetting(ctx, "application_name")
		db.Close()
		if err != nil || name != tc.want {
			t.Errorf("%s: application_name %q (%v), want %q", tc.url, name, err, tc.want)
		}
	}
}
