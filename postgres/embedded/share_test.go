package embedded

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// helperEnv names the data directory a re-executed test binary uses the
// server of, as a tally command would: Start, wait for stdin to close, Stop.
const helperEnv = "TALLY_EMBEDDED_TEST_USER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(useServer(dir))
	}
	os.Exit(m.Run())
}

func useServer(dir string) int {
	s, err := Start(context.Background(), Config{DataDir: dir, Settings: map[string]string{"fsync": "off"}})
	if err != nil {
		fmt.Println("start:", err)
		return 1
	}
	fmt.Printf("ready owned=%v\n", s.Owned())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := s.Stop(); err != nil {
		fmt.Println("stop:", err)
		return 1
	}
	return 0
}

// userProc is a process using the embedded server on a data directory.
type userProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startUser(t *testing.T, dir, want string) *userProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	u := &userProc{cmd: cmd, stdin: stdin}
	t.Cleanup(func() { u.exit(t) })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if got := strings.TrimSpace(line); got != want {
		t.Fatalf("user process said %q, want %q", got, want)
	}
	return u
}

// exit closes the user's stdin, which makes it Stop, and waits for it.
func (u *userProc) exit(t *testing.T) {
	t.Helper()
	u.stdin.Close()
	if u.cmd.ProcessState == nil {
		if err := u.cmd.Wait(); err != nil {
			t.Errorf("user process: %v", err)
		}
	}
}

// A tally command that attaches to the server another one started keeps its
// database when the one that started it ends first; the last to end stops it.
func TestLastUserStopsTheServer(t *testing.T) {
	requireBinaries(t)
	dir := dataDir(t)
	first := startUser(t, dir, "ready owned=true")
	second := startUser(t, dir, "ready owned=false")
	pid, ok := runningPID(dir)
	if !ok {
		t.Fatal("no postmaster running")
	}

	first.exit(t)
	s := &Server{dataDir: dir}
	if got := psql(t, s, "SELECT 1"); got != "1" {
		t.Fatalf("after the first user ended: %q", got)
	}
	if !alive(pid) {
		t.Fatalf("postmaster %d stopped while a user of it runs", pid)
	}

	second.exit(t)
	if alive(pid) {
		t.Fatalf("postmaster %d still running after its last user ended", pid)
	}
}
