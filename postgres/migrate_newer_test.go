package postgres_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestSchemaNewerThanTheBuild: a database a newer tally migrated (a
// rolling upgrade's first new replica, or a rollback) is not this build's
// to migrate: Migrate refuses it, and Ready says so, both naming the two
// versions and what to do; neither sends the operator to `tally migrate`,
// which cannot help.
func TestSchemaNewerThanTheBuild(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	_, latest, err := db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "UPDATE tally_schema_version SET version = version + 1"); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("the database schema is at version %d, newer than this build of tally knows (%d): "+
		"a newer tally migrated it; run that version or a later one (migrations are not undone)", latest+1, latest)

	_, _, err = db.Migrate(ctx)
	if tally.ErrorCode(err) != tally.EConflict || !strings.Contains(err.Error(), want) {
		t.Errorf("Migrate: %v (%s), want a conflict saying %q", err, tally.ErrorCode(err), want)
	}
	err = db.Ready(ctx)
	if tally.ErrorCode(err) != tally.ENotReady || err.Error() != want {
		t.Errorf("Ready: %v, want not ready, %q", err, want)
	}
}
