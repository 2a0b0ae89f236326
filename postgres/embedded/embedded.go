// Package embedded runs a private PostgreSQL server from the machine's own
// server binaries (initdb and postgres on PATH or under
// /usr/lib/postgresql/*/bin). It listens only on a unix socket inside its data
// directory, runs as an unprivileged user when started as root (initdb refuses
// root), reuses its data on the next start, and stops cleanly.
//
// It is Tally's default database: `tally demo`, `tally serve` without a
// database URL, and the tests use it.
package embedded

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBinaries is returned when no PostgreSQL server binaries are installed.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found (looked for initdb and postgres on PATH and in /usr/lib/postgresql/*/bin); install them with `apt-get install postgresql` on Debian/Ubuntu, or set TALLY_DATABASE_URL to use an existing server")

// Superuser is the database superuser initdb creates.
const Superuser = "tally"

// Config says where and how to run the server.
type Config struct {
	// DataDir holds the cluster and its unix socket. Default: DefaultDataDir().
	DataDir string
	// Settings are extra server settings (-c name=value), e.g. fsync=off for tests.
	Settings map[string]string
	// StartTimeout bounds the wait for the server to accept connections. Default 60 s.
	StartTimeout time.Duration
	// Logger receives lifecycle messages. Default: discard.
	Logger *slog.Logger
}

// Server is a running embedded PostgreSQL.
type Server struct {
	dataDir string
	cmd     *exec.Cmd     // nil when another process owns the running server
	exited  chan struct{} // closed when cmd exits
	log     *slog.Logger
}

// DefaultDataDir returns $XDG_DATA_HOME/tally/pg (XDG_DATA_HOME defaulting to
// ~/.local/share). As root with an inaccessible home, the unprivileged server
// user could not reach that path, so it is /var/lib/tally/pg instead.
func DefaultDataDir() string {
	base := os.Getenv("XDG_DATA_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "/var/lib"
		}
		base = filepath.Join(home, ".local", "share")
	}
	dir := filepath.Join(base, "tally", "pg")
	if os.Geteuid() == 0 && !traversableByOthers(filepath.Dir(dir)) && os.Getenv("XDG_DATA_HOME") == "" {
		return "/var/lib/tally/pg"
	}
	return dir
}

// Start initializes the data directory if needed and starts the server, or
// attaches to a server already running on it (which Stop then leaves running).
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir()
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded postgres: data dir: %w", err)
	}
	if n := len(dir) + len("/.s.PGSQL.5432"); n > 107 {
		return nil, fmt.Errorf("embedded postgres: data dir %s is too long for a unix socket path (%d > 107 bytes); choose a shorter --data-dir", dir, n)
	}
	s := &Server{dataDir: dir, log: cfg.Logger}
	if pid, ok := runningPID(dir); ok {
		s.log.Info("reusing running embedded postgres", "dataDir", dir, "pid", pid)
		return s, s.waitReady(ctx, cfg.StartTimeout)
	}
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	if err := s.prepareDir(ctx, bin, owner); err != nil {
		return nil, err
	}
	if err := s.start(bin, owner, cfg.Settings); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx, cfg.StartTimeout); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// DataDir returns the data directory (which also holds the socket).
func (s *Server) DataDir() string { return s.dataDir }

// URL returns a connection URL for database db over the unix socket.
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User(Superuser), Path: "/" + db,
		RawQuery: url.Values{"host": {s.dataDir}, "sslmode": {"disable"}}.Encode()}
	return u.String()
}

// Owned reports whether this Server started the postmaster (and Stop will stop it).
func (s *Server) Owned() bool { return s.cmd != nil }

// Stop shuts the server down (fast shutdown: sessions are cancelled and data
// is checkpointed) and waits until the postmaster has exited. It does nothing
// for a server this process did not start.
func (s *Server) Stop() error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.log.Warn("embedded postgres did not stop in 30s; sending SIGQUIT")
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		<-s.exited
	}
	s.log.Info("embedded postgres stopped", "dataDir", s.dataDir)
	return nil
}

func (s *Server) prepareDir(ctx context.Context, bin Binaries, owner *user) error {
	if err := os.MkdirAll(filepath.Dir(s.dataDir), 0o755); err != nil {
		return fmt.Errorf("embedded postgres: create %s: %w", filepath.Dir(s.dataDir), err)
	}
	if err := os.Mkdir(s.dataDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("embedded postgres: create %s: %w", s.dataDir, err)
	}
	if owner != nil {
		if !traversableByOthers(filepath.Dir(s.dataDir)) {
			return fmt.Errorf("embedded postgres: the server runs as user %s, which cannot reach %s: choose a data dir under a world-searchable path (e.g. --data-dir /var/lib/tally/pg)", owner.name, s.dataDir)
		}
		if err := os.Chown(s.dataDir, owner.uid, owner.gid); err != nil {
			return fmt.Errorf("embedded postgres: chown %s: %w", s.dataDir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	s.log.Info("initializing embedded postgres", "dataDir", s.dataDir, "initdb", bin.Initdb)
	cmd := exec.CommandContext(ctx, bin.Initdb, "-D", s.dataDir, "-U", Superuser, "--auth=trust",
		"--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
	cmd.SysProcAttr = owner.procAttr()
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("embedded postgres: initdb %s: %w\n%s", s.dataDir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (s *Server) start(bin Binaries, owner *user, settings map[string]string) error {
	logPath := filepath.Join(s.dataDir, "server.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("embedded postgres: open %s: %w", logPath, err)
	}
	if owner != nil {
		_ = logFile.Chown(owner.uid, owner.gid)
	}
	args := []string{"-D", s.dataDir,
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + s.dataDir,
		"-c", "unix_socket_permissions=0700",
		"-c", "port=5432",
	}
	for k, v := range settings {
		args = append(args, "-c", k+"="+v)
	}
	cmd := exec.Command(bin.Postgres, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	attr := owner.procAttr()
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	// Its own process group, so a terminal's Ctrl-C reaches only tally, which
	// stops the server last; and fast shutdown if tally dies without stopping it.
	attr.Setpgid = true
	attr.Pdeathsig = syscall.SIGINT
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("embedded postgres: start %s: %w", bin.Postgres, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	s.log.Info("embedded postgres started", "dataDir", s.dataDir, "pid", cmd.Process.Pid)
	return nil
}

// waitReady polls postmaster.pid until the server reports "ready".
func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if status, ok := pidFileStatus(s.dataDir); ok && status == "ready" {
			return nil
		}
		if s.cmd != nil {
			select {
			case <-s.exited:
				return fmt.Errorf("embedded postgres exited during start-up; see %s:\n%s",
					filepath.Join(s.dataDir, "server.log"), tail(filepath.Join(s.dataDir, "server.log"), 5))
			default:
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("embedded postgres not ready after %s; see %s", timeout, filepath.Join(s.dataDir, "server.log"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// pidFileStatus returns the status line (8th) of postmaster.pid.
func pidFileStatus(dir string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return "", false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 8 {
		return "", false
	}
	return strings.TrimSpace(lines[7]), true
}

// runningPID reports a live postmaster on dir.
func runningPID(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || !strings.HasPrefix(string(comm), "postgres") {
		return 0, false // stale pid file: postgres itself cleans it up on start
	}
	return pid, true
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
