// Package embedded runs a private PostgreSQL server from the machine's own
// server binaries (initdb and postgres on PATH or under
// /usr/lib/postgresql/*/bin). It listens only on a unix socket inside its data
// directory, runs as an unprivileged user when started as root (initdb refuses
// root), reuses its data on the next start, and stops cleanly.
//
// Processes share a running server: each Server holds a shared lock on the
// file DATADIR.users while it is in use, and Stop stops the server only when
// no other Server, in any process, holds one. So the last of several tally
// commands on the same data directory stops it, whichever started it.
// DATADIR.lock serializes starting and stopping.
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
	// Private says no other process uses the server (a test binary's own):
	// a server this process starts is then stopped when the process exits,
	// even if it is killed, instead of running until its last user stops it.
	Private bool
}

// Server is a running embedded PostgreSQL.
type Server struct {
	dataDir string
	cmd     *exec.Cmd     // nil when another process started the running server
	exited  chan struct{} // closed when cmd exits
	users   *os.File      // holds the shared lock on DATADIR.users; nil once stopped
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
// attaches to a server already running on it.
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
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("embedded postgres: create %s: %w", filepath.Dir(dir), err)
	}
	gate, err := lockFile(dir+".lock", syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer gate.Close()
	users, err := lockFile(dir+".users", syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	s := &Server{dataDir: dir, users: users, log: cfg.Logger}
	if err := s.startOrAttach(ctx, cfg); err != nil {
		_ = s.release()
		return nil, err
	}
	return s, nil
}

// startOrAttach waits for the server running on the data directory, or
// starts one.
func (s *Server) startOrAttach(ctx context.Context, cfg Config) error {
	if pid, ok := runningPID(s.dataDir); ok {
		s.log.Info("reusing running embedded postgres", "dataDir", s.dataDir, "pid", pid)
		return s.waitReady(ctx, cfg.StartTimeout)
	}
	bin, err := FindBinaries()
	if err != nil {
		return err
	}
	owner, err := serverUser()
	if err != nil {
		return err
	}
	if err := s.prepareDir(ctx, bin, owner); err != nil {
		return err
	}
	if err := s.start(bin, owner, cfg); err != nil {
		return err
	}
	return s.waitReady(ctx, cfg.StartTimeout)
}

// lockFile opens (creating) path and flocks it with how (LOCK_SH or LOCK_EX),
// waiting for a conflicting lock to go.
func lockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("embedded postgres: open lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded postgres: lock %s: %w", path, err)
	}
	return f, nil
}

// DataDir returns the data directory (which also holds the socket).
func (s *Server) DataDir() string { return s.dataDir }

// URL returns a connection URL for database db over the unix socket.
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User(Superuser), Path: "/" + db,
		RawQuery: url.Values{"host": {s.dataDir}, "sslmode": {"disable"}}.Encode()}
	return u.String()
}

// Owned reports whether this Server started the postmaster.
func (s *Server) Owned() bool { return s.cmd != nil }

// Stop ends this use of the server. When no other Server, in this process or
// another, uses it, Stop shuts it down (fast shutdown: sessions are cancelled
// and data is checkpointed) and waits until the postmaster has exited;
// otherwise it leaves it running for them.
func (s *Server) Stop() error {
	if s.users == nil {
		return nil
	}
	gate, err := lockFile(s.dataDir+".lock", syscall.LOCK_EX)
	if err != nil {
		return err
	}
	defer gate.Close()
	return s.release()
}

// release gives up this Server's use of the server and, if it was the last
// user, stops the server. The caller holds DATADIR.lock.
func (s *Server) release() error {
	last := syscall.Flock(int(s.users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
	s.users.Close()
	s.users = nil
	if !last {
		s.log.Info("embedded postgres left running for its other users", "dataDir", s.dataDir)
		return nil
	}
	pid, ok := runningPID(s.dataDir)
	if !ok {
		return nil
	}
	if err := s.shutDown(pid); err != nil {
		return err
	}
	s.log.Info("embedded postgres stopped", "dataDir", s.dataDir)
	return nil
}

// shutDown asks postmaster pid for a fast shutdown and waits until it has
// exited, forcing it (SIGQUIT) after 30 s.
func (s *Server) shutDown(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		return fmt.Errorf("embedded postgres: stop postmaster %d: %w", pid, err)
	}
	if s.waitExit(30 * time.Second) {
		return nil
	}
	s.log.Warn("embedded postgres did not stop in 30s; sending SIGQUIT", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	if !s.waitExit(30 * time.Second) {
		return fmt.Errorf("embedded postgres: postmaster %d still running 30 s after SIGQUIT", pid)
	}
	return nil
}

// waitExit waits up to timeout for the postmaster to exit: the child this
// Server started, or else the one postmaster.pid names.
func (s *Server) waitExit(timeout time.Duration) bool {
	if s.cmd != nil {
		select {
		case <-s.exited:
			return true
		case <-time.After(timeout):
			return false
		}
	}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, ok := runningPID(s.dataDir); !ok {
			return true
		}
	}
	return false
}

func (s *Server) prepareDir(ctx context.Context, bin Binaries, owner *user) error {
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

func (s *Server) start(bin Binaries, owner *user, cfg Config) error {
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
	for k, v := range cfg.Settings {
		args = append(args, "-c", k+"="+v)
	}
	cmd := exec.Command(bin.Postgres, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	attr := owner.procAttr()
	if attr == nil {
		attr = &syscall.SysProcAttr{}
	}
	// Its own process group, so a terminal's Ctrl-C reaches only tally, whose
	// last user stops the server. A private server also shuts down fast if
	// tally dies without stopping it; a shared one outlives the process that
	// started it, for the others using it.
	attr.Setpgid = true
	if cfg.Private {
		attr.Pdeathsig = syscall.SIGINT
	}
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
