package demo_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
)

// writeFiles writes files (path → content) under dir. Content "->target"
// makes a symbolic link to target, "~>target" one to the absolute target
// by a relative path. "version":V in content is this build's
// demo.ManifestVersion.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		content = strings.ReplaceAll(content, `"version":V`, `"version":`+strconv.Itoa(demo.ManifestVersion))
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "~>"); ok {
			rel, err := filepath.Rel(filepath.Dir(p), filepath.FromSlash(target))
			if err != nil {
				t.Fatal(err)
			}
			content = "->" + filepath.ToSlash(rel)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(filepath.FromSlash(target), p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoadRejectsPathsLinkedOutOfTheDirectory: Load's check of the paths
// a manifest lists was lexical (filepath.IsLocal), so a listed path that is
// a symbolic link, or under a linked directory, led out of the directory,
// and the readers (LoadTruth, the agent batches, the ingest steps)
// followed it. Load refuses it, as it refuses a file under a listed
// directory that links out, naming the manifest, the field and the path.
// Links that stay in the directory, and paths to nothing, load.
func TestLoadRejectsPathsLinkedOutOfTheDirectory(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.json": `{"currency":"read from outside the demo directory"}`, "b.json.gz": "x"})
	secret := filepath.ToSlash(filepath.Join(outside, "secret.json"))
	for _, tc := range []struct {
		name     string
		manifest string
		files    map[string]string
		field    string // "" loads
		path     string
	}{
		{"truth links to an absolute path outside", `{"version":V,"truth":"truth.json"}`,
			map[string]string{"truth.json": "->" + secret}, "truth", "truth.json"},
		{"truth links to a relative path outside", `{"version":V,"truth":"data/truth.json"}`,
			map[string]string{"data/truth.json": "~>" + secret}, "truth", "data/truth.json"},
		{"an agent batch under a directory linked outside", `{"version":V,"agent":[{"path":"agent/day1/b.json.gz"}]}`,
			map[string]string{"agent/day1": "->" + filepath.ToSlash(outside)}, "agent[0].path", "agent/day1/b.json.gz"},
		{"a file under an ingest step's directory links outside", `{"version":V,"ingest":[{"source":"focus","path":"focus","files":["focus/a.csv.gz"]}]}`,
			map[string]string{"focus/a.csv.gz": "x", "focus/BILLING_PERIOD=2026-10/b.csv.gz": "->" + secret}, "ingest[0].path", "focus"},
		{"links staying inside load", `{"version":V,"truth":"truth.json","ingest":[{"source":"focus","path":"focus"}]}`,
			map[string]string{"truth.json": "->data/t.json", "data/t.json": "{}", "focus/a.csv.gz": "->../data/t.json", "focus/b": "->../data"}, "", ""},
		{"paths to nothing load (their readers report them)", `{"version":V,"truth":"truth.json","agent":[{"path":"agent/x.json.gz"}]}`,
			nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			writeFiles(t, dir, map[string]string{demo.ManifestFile: tc.manifest})
			_, err := demo.Load(dir)
			if tc.field == "" {
				if err != nil {
					t.Errorf("Load: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load of a manifest whose %s %q leads out of %s: no error", tc.field, tc.path, dir)
			}
			if tally.ErrorCode(err) != tally.EInvalid {
				t.Errorf("Load: %v, want an invalid-input error", err)
			}
			for _, want := range []string{filepath.Join(dir, demo.ManifestFile), tc.field, strconv.Quote(tc.path)} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load: %q does not name %s", err, want)
				}
			}
		})
	}
}

// TestLoadTruthDoesNotFollowALinkOutOfTheDirectory: a listed file that
// becomes a link out of the directory after Load checked it is not read
// either: LoadTruth reads through the directory as a root.
func TestLoadTruthDoesNotFollowALinkOutOfTheDirectory(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.json")
	writeFiles(t, filepath.Dir(outside), map[string]string{"secret.json": `{"currency":"read from outside the demo directory"}`})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{demo.ManifestFile: `{"version":V,"truth":"truth.json"}`, "truth.json": `{"currency":"USD"}`})
	m, err := demo.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tr, err := demo.LoadTruth(dir, m); err != nil || tr.Currency != "USD" {
		t.Fatalf("LoadTruth: %+v, %v", tr, err)
	}
	if err := os.Remove(filepath.Join(dir, "truth.json")); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"truth.json": "->" + filepath.ToSlash(outside)})
	tr, err := demo.LoadTruth(dir, m)
	if err == nil {
		t.Fatalf("LoadTruth of %s, whose truth.json links to %s: read %q from outside the directory", dir, outside, tr.Currency)
	}
	for _, want := range []string{filepath.Join(dir, demo.ManifestFile), "truth", strconv.Quote("truth.json")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("LoadTruth: %q does not name %s", err, want)
		}
	}
}

// TestLoadNamesAbsoluteLinksInside: an absolute link to a file inside the
// directory cannot be read through it as a root (os.Root refuses absolute
// links), so Load refuses it too, and says why rather than claim that it
// leads out.
func TestLoadNamesAbsoluteLinksInside(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"data/t.json":     "{}",
		"truth.json":      "->" + filepath.ToSlash(filepath.Join(dir, "data", "t.json")),
		demo.ManifestFile: `{"version":V,"truth":"truth.json"}`,
	})
	_, err := demo.Load(dir)
	if err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Fatalf("Load of %s, whose truth.json links to an absolute path inside it: %v, want an error that names absolute links", dir, err)
	}
}
