package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/postgres/embedded"
	"github.com/tallyhq/tally/web"
)

// demoDatabase is the embedded database the demo loads, apart from `tally
// serve`'s own.
const demoDatabase = "tally_demo"

type demoCmd struct {
	Addr string `env:"TALLY_ADDR" default:":8080" help:"Address to serve the dashboard on."`
	demoOrgFlags
	Dir    string `placeholder:"DIR" help:"Where the generated bills and agent batches go (default: next to the embedded database, …/tally/demo)."`
	Reload bool   `help:"Load the organization again even if this one is already loaded."`
}

// Run generates an organization (or reuses the files of the same seed and
// days), loads it through the real paths — the bills through the ingest
// readers, the agents' batches through POST /api/v1/ingest/agent — runs
// every pipeline stage, and serves the dashboard with a one-click sign-in.
// A second start with the same organization skips the loading.
func (c *demoCmd) Run(ctx context.Context, a *app) error {
	start := time.Now()
	dir := c.Dir
	if dir == "" {
		dir = filepath.Join(filepath.Dir(a.dataDir()), "demo", fmt.Sprintf("seed-%d-days-%d", c.Seed, c.Days))
	}
	m, err := c.files(ctx, a, dir, demo.Config{Seed: c.Seed, Days: c.Days, ProfileDays: c.ProfileDays,
		Progress: func(p demo.Progress) { a.log.Debug("generating", "progress", p) }})
	if err != nil {
		return err
	}
	truth, err := demo.LoadTruth(dir, *m)
	if err != nil {
		return err
	}
	db, closeDB, err := c.openDB(ctx, a, m)
	if err != nil {
		return err
	}
	defer closeDB()
	admin, pw, err := demoAdmin(ctx, db)
	if err != nil {
		return err
	}
	cfg := a.webConfig(db, demoReportConfig(truth, "http://"+displayHostPort(c.Addr)))
	cfg.Demo = admin
	cfg.AgentMaxAge = demoAgentMaxAge(m, time.Now())
	return a.serveHTTP(ctx, c.Addr, web.NewServer(cfg), func(url string) error {
		if err := c.load(ctx, a, db, &demoLoader{app: a, db: db, dir: dir, m: m, truth: truth, url: url}); err != nil {
			return err
		}
		a.log.Info("demo ready", "took", time.Since(start).Round(100*time.Millisecond))
		a.printDemoLogin(url, admin, pw)
		return nil
	}, 0) // Ctrl-C stops the demo at once: nothing balances its load
}

// openDB opens the demo database, migrated. When it holds another
// organization than m (the demo of an earlier day: each day's ends at that
// day's midnight; or of another seed or length), the embedded server's
// demo database is made anew: loading over it added the new organization's
// pods and nodes to the old one's (a StatefulSet of 3 showed 5.8 replicas).
// An external database (--database-url) holding another is refused.
func (c *demoCmd) openDB(ctx context.Context, a *app, m *demo.Manifest) (*postgres.DB, func(), error) {
	for anew := false; ; anew = true {
		db, closeDB, err := a.openNamedDB(ctx, demoDatabase, true)
		if err != nil {
			return nil, nil, err
		}
		st, ok, err := a.demoLoaded(ctx, db)
		if err != nil {
			closeDB()
			return nil, nil, err
		}
		if !ok || st.same(m) || anew {
			return db, closeDB, nil
		}
		closeDB()
		loaded := fmt.Sprintf("seed %d, %s to %s, generator version %d", st.Seed, tally.FormatDay(st.Start), tally.FormatDay(st.End), st.Version)
		if a.globals.DatabaseURL != "" {
			return nil, nil, tally.Errorf(tally.EInvalid,
				"the database holds another demo organization (%s): loading this one over it would mix the two; give tally demo an empty database", loaded)
		}
		a.log.Info("replacing the demo database: it holds another organization", "loaded", loaded,
			"new", fmt.Sprintf("seed %d, %s to %s, generator version %d", m.Seed, tally.FormatDay(m.Start), tally.FormatDay(m.End), m.Version))
		if err := a.dropEmbeddedDB(ctx, demoDatabase); err != nil {
			return nil, nil, err
		}
	}
}

// demoLoaded migrates db and returns the organization it holds, if any.
func (a *app) demoLoaded(ctx context.Context, db *postgres.DB) (demoState, bool, error) {
	var st demoState
	if err := a.migrate(ctx, db); err != nil {
		return st, false, err
	}
	ok, err := db.Setting(ctx, "demo", &st)
	return st, ok, err
}

// demoAgentMaxAge is how old the agent intervals the demo posts may be: it
// loads its whole history, from m.Start, through the agent endpoint, whose
// default bound (web.DefaultAgentMaxAge) is what an agent buffers through an
// outage. A day more covers a long load.
func demoAgentMaxAge(m *demo.Manifest, now time.Time) time.Duration {
	return max(now.Sub(m.Start)+24*time.Hour, web.DefaultAgentMaxAge)
}

// demoState is what the demo database holds, in settings key "demo".
type demoState struct {
	Seed     uint64    `json:"seed"`
	Days     int       `json:"days"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Version  int       `json:"version"`
	LoadedAt time.Time `json:"loadedAt"`
}

func (s demoState) same(m *demo.Manifest) bool {
	return s.Seed == m.Seed && s.Days == m.Days && s.Start.Equal(m.Start) && s.End.Equal(m.End) && s.Version == m.Version
}

// load runs l unless the database already holds its organization.
func (c *demoCmd) load(ctx context.Context, a *app, db *postgres.DB, l *demoLoader) error {
	m := l.m
	var st demoState
	if ok, err := db.Setting(ctx, "demo", &st); err != nil {
		return err
	} else if ok && st.same(m) && !c.Reload {
		a.log.Info("the demo organization is already loaded", "start", tally.FormatDay(m.Start), "end", tally.FormatDay(m.End))
		return nil
	}
	if err := l.run(ctx); err != nil {
		return err
	}
	st = demoState{Seed: m.Seed, Days: m.Days, Start: m.Start, End: m.End, Version: m.Version, LoadedAt: time.Now().UTC()}
	return db.PutSetting(ctx, "demo", st, "tally demo")
}

// files returns the generated organization in dir, generating it unless the
// files there are of the same seed, days and end.
func (c *demoCmd) files(ctx context.Context, a *app, dir string, cfg demo.Config) (*demo.Manifest, error) {
	if m, err := demo.Load(dir); err == nil && m.Matches(cfg) {
		a.log.Info("reusing the generated organization", "dir", dir)
		return &m, nil
	}
	// Only a generated organization (of another seed, length or version)
	// is removed; demo.Generate refuses any other directory with files (a
	// mistyped --dir, a home directory).
	if _, err := os.Stat(filepath.Join(dir, demo.ManifestFile)); err == nil {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("remove the old demo files: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	t := time.Now()
	a.log.Info("generating the demo organization", "days", c.Days, "seed", c.Seed, "dir", dir)
	m, err := demo.Generate(ctx, cfg, dir)
	if errors.Is(err, demo.ErrNotEmpty) {
		return nil, tally.Errorf(tally.EInvalid, "--dir %s: holds files and no generated organization (%s): tally demo replaces only its own files; name a new or empty directory",
			dir, demo.ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("generate the demo organization: %w", err)
	}
	a.log.Info("generated", "files", len(m.Files), "took", time.Since(t).Round(100*time.Millisecond))
	return &m, nil
}

// dataDir is the embedded server's data directory.
func (a *app) dataDir() string {
	if a.globals.DataDir != "" {
		return a.globals.DataDir
	}
	return embedded.DefaultDataDir()
}
