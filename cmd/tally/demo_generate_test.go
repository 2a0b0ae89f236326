package main

import (
	"bytes"
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
	// A second run into the same directory refuses to overwrite it.
	errb.Reset()
	if code := run([]string{"demo-generate", "--out", dir, "--days", "2"}, &out, &errb); code != exitError || !strings.Contains(errb.String(), "not empty") {
		t.Errorf("second run: exit %d, %s", code, errb.String())
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
