package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tallyhq/tally"

	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/postgres/embedded"
)

// openDB connects to --database-url, or starts the embedded PostgreSQL when
// it is empty and uses its --database. The returned close function
// disconnects and, for the embedded server, stops it (unless another
// process started it); call it last.
//
// Of the embedded server's databases, only tally and tally_demo are created
// when missing; another name must exist (`tally migrate` creates it), so a
// mistyped --database fails instead of showing a Tally without data.
func (a *app) openDB(ctx context.Context) (*postgres.DB, func(), error) {
	name := a.globals.Database
	return a.openNamedDB(ctx, name, name == "tally" || name == demoDatabase)
}

// openNamedDB is openDB with the embedded server's database named name,
// which is created if it is missing and create is set, and refused otherwise.
func (a *app) openNamedDB(ctx context.Context, name string, create bool) (*postgres.DB, func(), error) {
	if a.globals.DatabaseURL != "" {
		db, err := postgres.Open(ctx, a.globals.DatabaseURL)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	srv, err := embedded.Start(ctx, embedded.Config{DataDir: a.globals.DataDir, Logger: a.log})
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		if err := srv.Stop(); err != nil {
			a.log.Error("stop embedded postgres", "err", err)
		}
	}
	if err := a.ensureDatabase(ctx, srv.URL("postgres"), name, create); err != nil {
		stop()
		return nil, nil, err
	}
	db, err := postgres.Open(ctx, srv.URL(name))
	if err != nil {
		stop()
		return nil, nil, err
	}
	a.log.Debug("using embedded postgres", "dataDir", srv.DataDir())
	return db, func() { db.Close(); stop() }, nil
}

// ensureDatabase creates database name on the server at serverURL if it
// is missing and create is set, and otherwise refuses a missing one.
func (a *app) ensureDatabase(ctx context.Context, serverURL, name string, create bool) error {
	if !create {
		names, err := postgres.Databases(ctx, serverURL)
		if err != nil {
			return err
		}
		if !slices.Contains(names, name) {
			return tally.Errorf(tally.EInvalid, "--database %s: the embedded server has no database %s (it has: %s); `tally --database %s migrate` creates it",
				name, name, databaseList(names), name)
		}
		return nil
	}
	created, err := postgres.EnsureDatabase(ctx, serverURL, name)
	if created {
		a.log.Info("created the embedded server's database", "database", name)
	}
	return err
}

// databaseList is names for a message: comma-separated, or "none".
func databaseList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// dropEmbeddedDB drops the embedded server's database name, closing the
// connections to it.
func (a *app) dropEmbeddedDB(ctx context.Context, name string) error {
	srv, err := embedded.Start(ctx, embedded.Config{DataDir: a.globals.DataDir, Logger: a.log})
	if err != nil {
		return err
	}
	err = postgres.DropDatabase(ctx, srv.URL("postgres"), name)
	if serr := srv.Stop(); err == nil {
		err = serr
	}
	return err
}

// openMigrated opens the database and applies pending migrations.
func (a *app) openMigrated(ctx context.Context) (*postgres.DB, func(), error) {
	db, closeDB, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := a.migrate(ctx, db); err != nil {
		closeDB()
		return nil, nil, err
	}
	return db, closeDB, nil
}

// migrate applies pending migrations and logs what changed.
func (a *app) migrate(ctx context.Context, db *postgres.DB) error {
	from, to, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if from == to {
		a.log.Info("schema is current", "version", to)
	} else {
		a.log.Info("schema migrated", "from", from, "to", to)
	}
	return nil
}

type migrateCmd struct{}

func (c *migrateCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openNamedDB(ctx, a.globals.Database, true)
	if err != nil {
		return err
	}
	defer closeDB()
	from, to, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if from == to {
		fmt.Fprintf(a.stdout, "schema is current at version %d\n", to)
	} else {
		fmt.Fprintf(a.stdout, "schema migrated from version %d to %d\n", from, to)
	}
	return nil
}
