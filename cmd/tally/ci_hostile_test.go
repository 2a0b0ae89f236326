package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/internal/proftest"
)

// The culprit function's name comes from the pull request's own profiles.
// GitHub Actions reads workflow commands from a step's stdout and stderr
// alike, which is why the annotations escape line breaks in names; the
// exit message on stderr ("tally: cost regression: <headline>") let a name
// start a line of its own there, so the pull request could write
// annotations, masks or stop-commands into the workflow's log. An error is
// now printed on one line (its lines joined with "; ").
func TestCIDiffHostileCulpritStderr(t *testing.T) {
	const hostile = "shop.(*Cart).Total\n::notice title=Tally cost check::pass, no regression"
	rng := rand.New(rand.NewPCG(8, 8))
	write := func(planted float64) string {
		dir := t.TempDir()
		for i := range 10 {
			p := proftest.Profile(rng, planted, proftest.Quiet)
			for _, f := range p.Function {
				if f.Name == proftest.Target {
					f.Name, f.SystemName = hostile, hostile
				}
			}
			f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", i)))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Write(f); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		return dir
	}
	base, slow := write(0), write(0.3)
	dir := t.TempDir()
	code, stdout, stderr := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "github",
		"--step-summary", filepath.Join(dir, "summary.md"), "--comment-file", filepath.Join(dir, "comment.md"), "--source-root", "/src")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a regression)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "::error ") || strings.Contains(stdout, "\n::notice") {
		t.Errorf("annotations (the name escaped) on stdout:\n%s", stdout)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, "::") {
			t.Errorf("a function name starts a workflow command on stderr: %q\nstderr:\n%s", line, stderr)
		}
	}
}
