// Package postgres implements Tally's storage on PostgreSQL through
// jackc/pgx/v5: schema migrations (jackc/tern), partitions, and the stores for
// billing, clusters, usage, function samples, prices, allocations, forecasts,
// recommendations and commitments. It is the only package that imports pgx.
// Bulk writes use COPY.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tallyhq/tally"
)

// DB is a pool of connections to Tally's database.
type DB struct {
	pool *pgxpool.Pool
	// locks holds the connections of session advisory locks (TryLock,
	// Lock), apart from pool: a job holding its lock does its work on
	// pool's connections, and locks held at once by as many jobs as pool
	// has connections would leave none for it.
	locks        *pgxpool.Pool
	queryTimeout time.Duration // of an allocation or asset query; 0: none
}

// DefaultQueryTimeout bounds one allocation or asset query (the statement
// timeout of its read-only transaction) unless SetQueryTimeout changes it:
// any viewer can ask for one, and the windows Query.Validate allows still
// reach tens of millions of hourly rows.
const DefaultQueryTimeout = 30 * time.Second

// SetQueryTimeout sets how long one allocation or asset query may run
// before it is cancelled and reported as tally.EUnavailable; 0 lifts the
// limit. Call it before the DB serves queries.
func (db *DB) SetQueryTimeout(d time.Duration) { db.queryTimeout = max(d, 0) }

// setQueryTimeout applies the query timeout to tx's statements.
func (db *DB) setQueryTimeout(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SET LOCAL statement_timeout = "+strconv.FormatInt(db.queryTimeout.Milliseconds(), 10))
	return err
}

// Open connects to the database at url and checks that it answers. Errors
// are one line naming the host and the cause, never the password.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "database URL: %s", parseErrorText(url, err))
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// Named in pg_stat_activity and the server's logs, unless the URL
	// names them (a replica's own name).
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "tally"
	}
	// Attribution stages a batch of allocations (about 50 MB) in a
	// temporary table: keep it in memory. Sessions that never create one
	// never allocate it.
	cfg.ConnConfig.RuntimeParams["temp_buffers"] = "128MB"
	// JIT compiles a query's expressions with LLVM when its estimated cost
	// is high, and the planner overestimates generate_series over hours
	// (1,000 rows a line) by orders of magnitude: the commitment KPIs of
	// the demo's 30 days spent 8 s of 9.5 compiling (1.4 s without).
	// Tally's queries read at most months of one bill, where compiling
	// never pays. A URL that sets jit keeps its choice.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	// Tally's transactions are written for READ COMMITTED, where each
	// statement sees what committed before it: SaveHours prunes the input
	// writes after waiting for the saves before it, and must see what they
	// recorded. A database or role set to a stricter default would take
	// the snapshot of a transaction's first statement instead. Those that
	// need another level ask for it (BeginTx).
	cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "read committed"
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerNumeric(c.TypeMap())
		return nil
	}
	lockCfg := cfg.Copy()
	lockCfg.MaxConns = maxLocksHeld
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "database URL: %s", parseErrorText(url, err))
	}
	locks, err := pgxpool.NewWithConfig(ctx, lockCfg) // connects when a lock is first taken
	if err != nil {
		pool.Close()
		return nil, tally.Errorf(tally.EInvalid, "database URL: %s", parseErrorText(url, err))
	}
	db := &DB{pool: pool, locks: locks, queryTimeout: DefaultQueryTimeout}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// maxLocksHeld bounds the session advisory locks one DB holds at once, each
// on a connection of its own: well above the jobs tally serve schedules
// (attribution, compaction, reports, the daily plans), each holding one.
const maxLocksHeld = 16

// Close closes every connection.
func (db *DB) Close() {
	db.pool.Close()
	db.locks.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return unavailable(db.pool.Config().ConnConfig.Config, err)
	}
	return nil
}

// Ready checks that the database answers and its schema is current.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	cur, latest, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	switch {
	case cur > latest:
		return tally.Errorf(tally.ENotReady, "%s", newerSchema(cur, latest))
	case cur < latest:
		return tally.Errorf(tally.ENotReady, "database schema is at version %d, this build needs %d: run `tally migrate`", cur, latest)
	}
	return nil
}

// EnsureDatabase creates database name on the server at serverURL unless it
// exists; created says whether it did.
func EnsureDatabase(ctx context.Context, serverURL, name string) (created bool, err error) {
	conn, err := adminConn(ctx, serverURL)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created concurrently
			return false, nil
		}
		return false, fmt.Errorf("create database %s: %w", name, err)
	}
	return true, nil
}

func adminConn(ctx context.Context, serverURL string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return nil, tally.Errorf(tally.EInvalid, "database URL: %s", parseErrorText(serverURL, err))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable(cfg.Config, err)
	}
	return conn, nil
}

// unavailable turns a connection failure into one line: where, and why.
func unavailable(cfg pgconn.Config, err error) error {
	where := cfg.Host
	if len(where) > 0 && where[0] != '/' {
		where = net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	} else {
		where = "unix socket in " + where
	}
	return tally.Errorf(tally.EUnavailable, "database at %s: %s", where, causeText(err))
}

// causeText digs out the informative part of a pgx connect error.
func causeText(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message + " (SQLSTATE " + pgErr.Code + ")"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve host " + dnsErr.Name + ": " + dnsErr.Err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Op + ": " + opErr.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return err.Error()
}

// parseErrorText says what is wrong with connString, a database URL that
// did not parse (err): pgx's message and cause, which name the setting,
// never the URL itself, whose password pgx masks only where it can tell
// where the password ends.
func parseErrorText(connString string, err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	if scheme, _, ok := strings.Cut(connString, "://"); ok && urlScheme.MatchString(scheme) && scheme != "postgres" && scheme != "postgresql" {
		return "scheme " + scheme + "://: want postgres://user:password@host:5432/database"
	}
	masked := *pe
	masked.ConnString = ""
	return strings.TrimPrefix(masked.Error(), "cannot parse ``: ")
}

// urlScheme matches a URL's scheme (RFC 3986).
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// CreateDatabase creates database name as a copy of template on the server at serverURL.
func CreateDatabase(ctx context.Context, serverURL, name, template string) error {
	return adminExec(ctx, serverURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
}

// Databases lists the databases on the server at serverURL that a user
// made: all but PostgreSQL's own (postgres and the templates), by name.
func Databases(ctx context.Context, serverURL string) ([]string, error) {
	conn, err := adminConn(ctx, serverURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname")
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	return names, nil
}

// DropDatabase drops database name, disconnecting its sessions.
func DropDatabase(ctx context.Context, serverURL, name string) error {
	return adminExec(ctx, serverURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

func adminExec(ctx context.Context, serverURL, sql string) error {
	conn, err := adminConn(ctx, serverURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// WithDatabase returns serverURL with its database replaced by name.
func WithDatabase(serverURL, name string) string {
	u, err := neturl.Parse(serverURL)
	if err != nil || u.Scheme == "" {
		return serverURL + " dbname=" + name // a keyword/value DSN: the last setting wins
	}
	u.Path = "/" + name
	return u.String()
}
