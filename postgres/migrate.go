package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/tern/v2/migrate"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/migrations"
)

const versionTable = "tally_schema_version"

// Migrate applies the pending migrations under tern's advisory lock, so
// replicas starting together apply each once. It returns the versions before
// and after; equal versions mean there was nothing to do.
func (db *DB) Migrate(ctx context.Context) (from, to int32, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), versionTable)
	if err != nil {
		return 0, 0, fmt.Errorf("migrate: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return 0, 0, fmt.Errorf("migrate: load migrations: %w", err)
	}
	if from, err = m.GetCurrentVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("migrate: current version: %w", err)
	}
	if latest := int32(len(m.Migrations)); from > latest {
		return from, from, tally.Errorf(tally.EConflict, "migrate: %s", newerSchema(from, latest))
	}
	if err := m.Migrate(ctx); err != nil {
		return from, 0, fmt.Errorf("migrate: %w", err)
	}
	to, err = m.GetCurrentVersion(ctx)
	return from, to, err
}

// newerSchema says that the schema, at version current, is newer than the
// latest this build knows: a newer tally migrated it, and this one can
// neither migrate it nor undo what it did.
func newerSchema(current, latest int32) string {
	return fmt.Sprintf("the database schema is at version %d, newer than this build of tally knows (%d): "+
		"a newer tally migrated it; run that version or a later one (migrations are not undone)", current, latest)
}

// MigrationStatus returns the schema's version and the latest this build knows.
func (db *DB) MigrationStatus(ctx context.Context) (current, latest int32, err error) {
	names, err := migrate.FindMigrations(migrations.FS)
	if err != nil {
		return 0, 0, fmt.Errorf("find migrations: %w", err)
	}
	latest = int32(len(names))
	var exists bool
	if err := db.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", versionTable).Scan(&exists); err != nil {
		return 0, latest, fmt.Errorf("schema version: %w", err)
	}
	if !exists {
		return 0, latest, nil
	}
	if err := db.pool.QueryRow(ctx, "SELECT version FROM "+versionTable).Scan(&current); err != nil {
		return 0, latest, fmt.Errorf("schema version: %w", err)
	}
	return current, latest, nil
}
