// Package prereq checks what a test needs of the machine: root, a kernel
// with BTF, programs on PATH. A test whose prerequisites are missing is
// skipped, saying what it lacks, unless CI=true: CI machines have them all
// (.ci/run installs them), so there a missing one fails the test.
package prereq

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Need is a prerequisite: its name, and whether this machine has it.
type Need func() (name string, ok bool)

// Root: the test runs as root.
func Root() (string, bool) { return "root", os.Geteuid() == 0 }

// BTF: the kernel describes its types (/sys/kernel/btf/vmlinux), as
// loading the agent's BPF programs needs.
func BTF() (string, bool) {
	_, err := os.Stat("/sys/kernel/btf/vmlinux")
	return "a kernel with BTF", err == nil
}

// Program: name is on PATH.
func Program(name string) Need {
	return func() (string, bool) {
		_, err := exec.LookPath(name)
		return name, err == nil
	}
}

// Require skips t, or fails it with CI=true, when any of needs is missing:
// "what needs root, gcc".
func Require(t testing.TB, what string, needs ...Need) {
	t.Helper()
	var missing []string
	for _, n := range needs {
		if name, ok := n(); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		Unmet(t, "%s needs %s", what, strings.Join(missing, ", "))
	}
}

// Unmet skips t, or fails it with CI=true, saying why: for prerequisites
// no Need checks.
func Unmet(t testing.TB, format string, args ...any) {
	t.Helper()
	why := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: prerequisites must be present)", why)
	}
	t.Skip(why)
}
