package main

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// privateMode fails t unless path is readable by its owner only: files Tally
// writes hold cost data (they were created 0644, world-readable).
func privateMode(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	want := fs.FileMode(0o600)
	if st.IsDir() {
		want = 0o700
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s: mode %v, want %v", filepath.Base(path), st.Mode().Perm(), want)
	}
}

// TestOutputFilesArePrivate checks the mode of every file the CLI writes.
func TestOutputFilesArePrivate(t *testing.T) {
	t.Run("ci", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(8, 8))
		base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.3)
		dir := t.TempDir()
		out := filepath.Join(dir, "tally.xml")
		if code, _, errOut := runCLI("ci", "diff", "--base", base, "--head", slow, "--format", "junit", "-o", out); code != 1 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		privateMode(t, out)
		summary, comment := filepath.Join(dir, "summary.md"), filepath.Join(dir, "comment.md")
		if code, _, errOut := runCLI("ci", "diff", "--base", base, "--head", slow, "--format", "github",
			"--step-summary", summary, "--comment-file", comment); code != 1 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		privateMode(t, summary)
		privateMode(t, comment)
	})
	t.Run("generators", func(t *testing.T) {
		dir := t.TempDir()
		trace, usage, suite := filepath.Join(dir, "trace.csv"), filepath.Join(dir, "usage.csv"), filepath.Join(dir, "m4", "hourly")
		mustTally(t, "--log-level", "warn")("rightsize", "generate", "-o", trace, "--days", "1", "--per-pattern", "1")
		mustTally(t, "--log-level", "warn")("commitments", "generate", "-o", usage, "--days", "60")
		mustTally(t, "--log-level", "warn")("forecast", "synth", "--out", suite, "--series", "1", "--horizon", "1")
		privateMode(t, trace)
		privateMode(t, usage)
		privateMode(t, suite)
		privateMode(t, filepath.Join(suite, "Hourly-train.csv"))
	})
	t.Run("report", func(t *testing.T) {
		url := pgtest.NewURL(t, true)
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fixture.WeeklyOrg(t, db)
		dir := t.TempDir()
		cfgFile := filepath.Join(dir, "report.yaml")
		if err := os.WriteFile(cfgFile, []byte(weeklyConfigYAML), 0o644); err != nil {
			t.Fatal(err)
		}
		eml, page, text := filepath.Join(dir, "weekly.eml"), filepath.Join(dir, "weekly.html"), filepath.Join(dir, "weekly.txt")
		mustTally(t, "--database-url", url, "--log-level", "warn")("report", "weekly", "--report-config", cfgFile, "--week", "2026-W42",
			"--text", text, "--eml", eml, "--preview", page)
		for _, p := range []string{eml, page, text} {
			privateMode(t, p)
		}
	})
	t.Run("rightsize patches", func(t *testing.T) {
		url, _, until := seededRightsizingDB(t)
		dir := filepath.Join(t.TempDir(), "patches")
		// A directory that cannot be made (under a file) is named by its flag.
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(file, "patches")
		want := "--patch-dir " + bad + ": mkdir " + file + ": not a directory"
		if code, _, errOut := runTally("--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--patch-dir", bad); code != exitError || !strings.Contains(errOut, want) {
			t.Errorf("--patch-dir under a file: exit %d %q, want %d with %q", code, errOut, exitError, want)
		}
		mustTally(t, "--database-url", url, "--log-level", "warn")("rightsize", "--until", until.Format(time.RFC3339), "--patch-dir", dir)
		privateMode(t, dir)
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) == 0 {
			t.Fatal("no patch written")
		}
		for _, f := range files {
			privateMode(t, f)
		}
	})
}
