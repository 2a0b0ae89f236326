package postgres_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/migrations"
	"github.com/tallyhq/tally/postgres"
)

// TestLoginFailuresKeyHashMigration: login_failures counts the sign-ins
// of client addresses too, under their keys' SHA-256, in a column named
// email_hash. Migration 043 names it key_hash and keeps the counts
// stored before it.
func TestLoginFailuresKeyHashMigration(t *testing.T) {
	url := pgtest.NewURL(t, false)
	conn := migratedTo(t, url, 42)
	key := sha256.Sum256([]byte("ADDRESS 192.0.2.7"))
	if _, err := conn.Exec(ctx, `INSERT INTO login_failures (email_hash, window_start, failures) VALUES ($1, now(), 3)`, key[:]); err != nil {
		t.Fatal(err)
	}
	db := migrated(t, url)
	rows, _ := conn.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = 'login_failures' AND column_name LIKE '%hash' ORDER BY 1`)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 1 || cols[0] != "key_hash" {
		t.Errorf("login_failures has hash columns %q, want key_hash alone", cols)
	}
	n, _, err := db.TakeLoginAttempt(ctx, key[:], time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("attempt %d after the migration, want the 4th: the 3 counted before it kept", n)
	}
}

// migratedTo connects to url and applies the migrations up to version.
func migratedTo(t *testing.T, url string, version int32) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	m, err := migrate.NewMigrator(ctx, conn, "tally_schema_version")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return conn
}

// migrated opens url and applies the migrations not applied yet.
func migrated(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
