package main

import (
	"context"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/web"
)

type demoCmd struct {
	Addr string `env:"TALLY_ADDR" default:":8080" help:"Address to serve the dashboard on."`
	Days int    `default:"90" help:"Days of history to generate."`
	Seed uint64 `default:"1" help:"Seed of the generated organization (same seed, same organization)."`
}

// Run loads an organization into the embedded PostgreSQL (once), creates the
// demo admin and serves the dashboard with a one-click sign-in link. Until
// the demo generator lands it loads internal/fixture's Org.
func (c *demoCmd) Run(ctx context.Context, a *app) error {
	db, closeDB, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := a.migrate(ctx, db); err != nil {
		return err
	}
	st, err := db.DataStatus(ctx)
	if err != nil {
		return err
	}
	if st.Clusters == 0 {
		org := fixture.Org{Start: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -c.Days), Days: c.Days, Scale: 1}
		a.log.Info("generating the demo organization", "days", c.Days)
		if err := org.Store(ctx, db, func(s string) { a.log.Debug(s) }); err != nil {
			return err
		}
	}
	demo, pw, err := demoAdmin(ctx, db)
	if err != nil {
		return err
	}
	srv := web.NewServer(web.Config{Logger: a.log, Readiness: db, Allocations: db, Functions: db, Metrics: db, Recommendations: db,
		Auth: db, Tokens: db, Settings: db, Status: db, Demo: demo})
	return a.serveHTTP(ctx, c.Addr, srv, func(url string) { a.printDemoLogin(url, demo, pw) })
}
