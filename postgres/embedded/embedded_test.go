package embedded

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/prereq"
)

func requireBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinaries(); err != nil {
		prereq.Unmet(t, "%v", err)
	}
}

func psql(t *testing.T, s *Server, sql string) string {
	t.Helper()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	out, err := exec.Command("psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, s.URL("postgres")).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestStartStopRestartReusesData(t *testing.T) {
	requireBinaries(t)
	cfg := Config{DataDir: dataDir(t), Settings: map[string]string{"fsync": "off"}}
	ctx := context.Background()

	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Owned() {
		t.Fatal("first start should own the server")
	}
	psql(t, s, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	pid := s.cmd.Process.Pid

	// A second Start on the same directory attaches instead of starting another server.
	again, err := Start(ctx, cfg)
	if err != nil || again.Owned() {
		t.Fatalf("attach: owned=%v, %v", again != nil && again.Owned(), err)
	}
	if err := again.Stop(); err != nil || !alive(pid) {
		t.Fatal("stopping an attached server must leave it running")
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if alive(pid) {
		t.Fatalf("postmaster %d still running after Stop", pid)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("postmaster.pid left behind: %v", err)
	}

	s, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if got := psql(t, s, "SELECT v FROM kept"); got != "42" {
		t.Fatalf("after restart: %q, want 42 (data reused)", got)
	}
}

// dataDir returns a data directory in a temporary directory that the
// server, which may run as another user, can reach.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "pg")
}

func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	return !strings.Contains(string(b), ") Z ") // a zombie is dead
}

func TestNoBinariesSaysWhatToDo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	old := debianBinGlob
	debianBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	defer func() { debianBinGlob = old }()
	_, err := Start(context.Background(), Config{DataDir: filepath.Join(t.TempDir(), "pg"), StartTimeout: time.Second})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "TALLY_DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestSocketPathTooLong(t *testing.T) {
	_, err := Start(context.Background(), Config{DataDir: "/tmp/" + strings.Repeat("x", 120)})
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("err = %v", err)
	}
}
