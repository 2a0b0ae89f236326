package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/demo"
)

func TestDemoGenerate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "org")
	var out, errb bytes.Buffer
	code := run([]string{"--log-format", "text", "demo-generate", "--out", dir, "--days", "2", "--end", "2026-03-01", "--seed", "3"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "generated 2 days (2026-02-27 – 2026-02-28, seed 3)") || !strings.Contains(out.String(), "tally ingest aws-cur") {
		t.Errorf("output:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "stage=write") {
		t.Errorf("no progress on stderr:\n%s", errb.String())
	}
	m, err := demo.Load(dir)
	if err != nil || m.Seed != 3 || m.Days != 2 {
		t.Fatalf("manifest %+v: %v", m, err)
	}
	// A second run into the same directory refuses to overwrite it: a usage
	// error (exit 2, as every other bad flag value) naming --out and the
	// directory, and the directory is left as it was.
	errb.Reset()
	if code := run([]string{"demo-generate", "--out", dir, "--days", "2"}, &out, &errb); code != exitUsage ||
		!strings.Contains(errb.String(), "--out "+dir+": not empty") {
		t.Errorf("second run: exit %d, %s; want exit %d naming --out %s", code, errb.String(), exitUsage, dir)
	}
	if m, err := demo.Load(dir); err != nil || m.Seed != 3 {
		t.Errorf("second run changed %s: manifest %+v: %v", dir, m, err)
	}
	errb.Reset()
	if code := run([]string{"demo-generate", "--out", filepath.Join(t.TempDir(), "x"), "--end", "March"}, &out, &errb); code != exitUsage {
		t.Errorf("bad --end: exit %d, %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"demo-generate", "--help"}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "--days") {
		t.Errorf("--help: exit %d\n%s", code, out.String())
	}
}

// TestDemoDaysOutOfRange: an explicit --days or --profile-days out of range
// is a usage error naming the flag, before anything is generated or
// opened; it used to be taken for the default (--days 0 generated 90 days,
// --profile-days 0 gave 21 days of profiles). --profile-days 0 means none.
func TestDemoDaysOutOfRange(t *testing.T) {
	for _, args := range [][]string{
		{"demo-generate", "--out", "DIR", "--days", "0"},
		{"demo-generate", "--out", "DIR", "--days", "401"},
		{"demo-generate", "--out", "DIR", "--profile-days=-1"},
		{"demo", "--dir", "DIR", "--days", "0"},
		{"demo", "--dir", "DIR", "--days", "1"},
		{"demo", "--dir", "DIR", "--profile-days=-2"},
	} {
		dir := filepath.Join(t.TempDir(), "org")
		args[2] = dir
		var out, errb bytes.Buffer
		code := run(append([]string{"--data-dir", filepath.Join(t.TempDir(), "pg")}, args...), &out, &errb)
		flag, value, ok := strings.Cut(args[len(args)-1], "=")
		if !ok {
			flag, value = args[len(args)-2], args[len(args)-1]
		}
		if code != exitUsage || !strings.Contains(errb.String(), flag+" "+value+": want ") {
			t.Errorf("tally %s: exit %d, %s; want a usage error naming %s %s", strings.Join(args, " "), code, errb.String(), flag, value)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("tally %s: %s exists (%v)", strings.Join(args, " "), dir, err)
		}
	}

	dir := filepath.Join(t.TempDir(), "org")
	var out, errb bytes.Buffer
	if code := run([]string{"demo-generate", "--out", dir, "--days", "2", "--profile-days", "0", "--end", "2026-03-01"}, &out, &errb); code != exitOK {
		t.Fatalf("--profile-days 0: exit %d: %s", code, errb.String())
	}
	if m, err := demo.Load(dir); err != nil || m.ProfileDays != 0 {
		t.Errorf("--profile-days 0: manifest says %d profile days (%v), want 0", m.ProfileDays, err)
	}
}

// TestDemoGeneratePrintsPathsThatWork: the next steps demo-generate prints
// named the bills relative to --out ("tally ingest aws-cur aws/acme-cur2"),
// which fail when copied from the directory it ran in; they are joined
// with --out.
func TestDemoGeneratePrintsPathsThatWork(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runTally("--log-level", "warn", "demo-generate", "--out", "demo2", "--days", "2", "--end", "2026-03-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var paths []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 4 && f[0] == "tally" && f[1] == "ingest":
			paths = append(paths, f[3])
		case len(f) >= 6 && f[0] == "agent" && f[1] == "batches:":
			paths = append(paths, f[4], f[len(f)-1])
		}
	}
	if len(paths) != 5 {
		t.Fatalf("want 3 bills, the agent batches and the truth in:\n%s", out)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil || !strings.Contains(p, "demo2"+string(filepath.Separator)) {
			t.Errorf("%s: %v; want a path under demo2 that exists from here\n%s", p, err, out)
		}
	}
}

// TestDemoGenerateBadEnd: a bad --end is a usage error as a bad --days is,
// before anything is written: it says the command and how to get its
// usage ("tally: --end \"March\": want YYYY-MM-DD" said neither).
func TestDemoGenerateBadEnd(t *testing.T) {
	for _, end := range []string{"March", "2026-13-01", "2026-03-01T00:00:00Z"} {
		dir := filepath.Join(t.TempDir(), "org")
		code, _, errOut := runTally("demo-generate", "--out", dir, "--days", "2", "--end", end)
		want := fmt.Sprintf("tally: demo-generate: --end %q: want YYYY-MM-DD\nRun 'tally demo-generate --help' for usage.\n", end)
		if code != exitUsage || errOut != want {
			t.Errorf("--end %s: exit %d, stderr %q; want exit 2, %q", end, code, errOut, want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("--end %s: %s exists (%v)", end, dir, err)
		}
	}
}
