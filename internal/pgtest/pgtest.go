// Package pgtest gives tests a real PostgreSQL: each test gets a fresh,
// migrated database, cloned from a template in a private embedded server that
// the test binary starts (or in the server at TALLY_TEST_DATABASE_URL).
//
// A package that uses it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without PostgreSQL server binaries the tests are skipped, unless CI=true,
// where a missing prerequisite is a failure.
package pgtest

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/prereq"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/postgres/embedded"
)

// EnvURL names the variable that points tests at an existing server (a URL
// of any database on it; the user must be allowed to create databases).
const EnvURL = "TALLY_TEST_DATABASE_URL"

var (
	inMain   bool
	once     sync.Once
	server   *embedded.Server
	tmpDir   string
	adminURL string // any database on the server, for CREATE/DROP DATABASE
	template string
	setupErr error
	skipWhy  string
	counter  atomic.Int64
)

// Main runs the package's tests and then stops the server, if one was started.
func Main(m *testing.M) {
	inMain = true
	code := m.Run()
	if template != "" && adminURL != "" {
		_ = postgres.DropDatabase(context.Background(), adminURL, template)
	}
	if server != nil {
		if err := server.Stop(); err != nil {
			log.Printf("pgtest: stop: %v", err)
		}
	}
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// New returns an open connection to a fresh, migrated database that is
// dropped when t ends.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	url := NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// NewURL returns the URL of a fresh database dropped when t ends: migrated
// when migrated is set, else empty.
func NewURL(t testing.TB, migrated bool) string {
	t.Helper()
	setup(t)
	ctx := context.Background()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	src := "template0"
	if migrated {
		src = template
	}
	if err := postgres.CreateDatabase(ctx, adminURL, name, src); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := postgres.DropDatabase(context.Background(), adminURL, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return postgres.WithDatabase(adminURL, name)
}

// setup starts the server and migrates the template database, once.
func setup(t testing.TB) {
	t.Helper()
	if !inMain {
		t.Fatal("pgtest: call pgtest.Main(m) from the package's TestMain")
	}
	once.Do(func() { setupErr = start() })
	if skipWhy != "" {
		missing(t, skipWhy)
	}
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
}

// missing skips t for a missing prerequisite, or fails it under CI=true,
// where every prerequisite must be present.
func missing(t testing.TB, why string) {
	t.Helper()
	prereq.Unmet(t, "pgtest: %s", why)
}

// EmbeddedDataDir returns a data directory for a test's own embedded
// PostgreSQL (tally's --data-dir), which the server may use when it runs
// as another user; without the server binaries it skips t (fails it with
// CI=true).
func EmbeddedDataDir(t testing.TB) string {
	t.Helper()
	if _, err := embedded.FindBinaries(); err != nil {
		missing(t, err.Error())
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pg")
}

func start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if u := os.Getenv(EnvURL); u != "" {
		adminURL = u
	} else {
		if _, err := embedded.FindBinaries(); err != nil {
			skipWhy = err.Error()
			return nil
		}
		dir, err := os.MkdirTemp("", "tally-pgtest-")
		if err != nil {
			return err
		}
		tmpDir = dir
		// The server may run as another user (when tests run as root): let it in.
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		server, err = embedded.Start(ctx, embedded.Config{
			DataDir: filepath.Join(dir, "pg"),
			Settings: map[string]string{
				"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
				"max_connections": "200",
			},
			Private: true, // stopped if the test binary is killed (a timeout)
		})
		if err != nil {
			return err
		}
		adminURL = server.URL("postgres")
	}
	template = fmt.Sprintf("tmpl_%d", os.Getpid())
	if err := postgres.CreateDatabase(ctx, adminURL, template, "template0"); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, postgres.WithDatabase(adminURL, template))
	if err != nil {
		return err
	}
	defer db.Close()
	_, _, err = db.Migrate(ctx)
	return err
}
