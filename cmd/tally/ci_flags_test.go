package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestCIOutputFlagOfAnotherFormat: --comment-file is written by --format
// github alone, and -o by every format but github, whose annotations must
// reach the runner on stdout. Given with another format, the flag did
// nothing: no comment file, so the workflow's comment step posted nothing
// without a word, or no report file. Such a flag is refused, exit 2, as is
// --comment-marker without a comment to mark.
func TestCIOutputFlagOfAnotherFormat(t *testing.T) {
	dir := t.TempDir()
	old, slow := writeBench(t, dir, "old.txt", 1200), writeBench(t, dir, "new.txt", 1500)
	file := filepath.Join(dir, "out.md")
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"comment file of markdown", []string{"--comment-file", file}, "tally: --comment-file " + file + ": only --format github writes a pull-request comment (for the report alone, -o " + file + ")\n"},
		{"comment file of json", []string{"--format", "json", "--comment-file", file}, "tally: --comment-file " + file + ": only --format github writes a pull-request comment (for the report alone, -o " + file + ")\n"},
		{"comment marker of markdown", []string{"--comment-marker", "svc"}, "tally: --comment-marker svc: it marks the pull-request comment --comment-file writes (--format github); there is none\n"},
		{"comment marker without comment file", []string{"--format", "github", "--comment-marker", "svc", "--step-summary", filepath.Join(dir, "sum.md")},
			"tally: --comment-marker svc: it marks the pull-request comment --comment-file writes (--format github); there is none\n"},
		{"output of github", []string{"--format", "github", "-o", file}, "tally: -o " + file + ": --format github writes its annotations to stdout, where the runner reads them, the job summary to --step-summary and the comment to --comment-file\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(append([]string{"ci", "bench", "--log-level", "warn", "--base", old, "--head", slow}, tc.args...)...)
			if code != 2 || errOut != tc.err {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.err)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("%s was written (%v)", file, err)
			}
		})
	}
	// The same flags with their own formats still work.
	code, _, errOut := runCLI("ci", "bench", "--log-level", "warn", "--base", old, "--head", slow, "--format", "json", "-o", file)
	if b, _ := os.ReadFile(file); code != 1 || !strings.Contains(string(b), `"verdict": "fail"`) {
		t.Errorf("json -o: exit %d, stderr %q, file %q", code, errOut, b)
	}
	// With -o, stderr says the headline once: a regression's error says it,
	// and it was printed before that too.
	if lines := strings.Split(strings.TrimSpace(errOut), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "tally: cost regression: ") {
		t.Errorf("json -o of a regression: stderr %q, want the headline once, in the error", errOut)
	}
	same := writeBench(t, dir, "same.txt", 1200)
	code, _, errOut = runCLI("ci", "bench", "--log-level", "warn", "--base", old, "--head", same, "--format", "json", "-o", file)
	if code != 0 || strings.Count(errOut, "\n") != 1 || strings.HasPrefix(errOut, "tally: ") {
		t.Errorf("json -o of a pass: exit %d, stderr %q, want the headline alone", code, errOut)
	}
}

// TestCIVolumeFlags: the yearly volume comes from one place, and the report
// says which. --units-per-year and --core-hours-per-year together priced
// with the first and listed both; --core-hours-per-year over a server's
// answer was reported as the server's ("1,000 core-hours a year (Tally
// server …)").
func TestCIVolumeFlags(t *testing.T) {
	srv := costRateServer(t, "s3cret", map[string]tally.CostRate{
		"shop/checkout@": {Workload: "shop/checkout", Currency: "USD", CorehourCost: "0.0213", CoreHoursPerYear: 1_250_000, Basis: "amortized"},
	})
	rng := rand.New(rand.NewPCG(31, 31))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.1)
	diff := func(extra ...string) (int, string, string) {
		return runCLI(append([]string{"ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "text"}, extra...)...)
	}
	code, _, errOut := diff("--price-per-core-hour", "0.04", "--units-per-year", "1e9", "--core-hours-per-year", "1000")
	if code != 2 || !strings.Contains(errOut, "--units-per-year and --core-hours-per-year can't be used together") {
		t.Errorf("both volumes: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := diff("--server", srv.URL, "--token", "s3cret", "--workload", "shop/checkout", "--core-hours-per-year", "1000")
	want := "Price: $0.0213 per core-hour, 1,000 core-hours a year (Tally server " + srv.URL + ", workload shop/checkout, 2026-10-02 to 2026-11-01, amortized; core-hours a year from --core-hours-per-year)"
	if code != 1 || !strings.Contains(out, want+"\n") {
		t.Errorf("server and --core-hours-per-year: exit %d, stderr %q, report\n%s\nwant the line %q", code, errOut, out, want)
	}
}

// TestCIServerFlagsWithoutServer: --workload, --cluster, --token-file and
// --window say what --server asks the server; without it they did
// nothing, and a workflow whose TALLY_SERVER was unset priced with
// --price-per-core-hour, or not at all, without a word. They are refused,
// exit 2.
func TestCIServerFlagsWithoutServer(t *testing.T) {
	dir := t.TempDir()
	old, slow := writeBench(t, dir, "old.txt", 1200), writeBench(t, dir, "new.txt", 1500)
	t.Setenv("TALLY_SERVER", "") // restored after the test
	os.Unsetenv("TALLY_SERVER")
	for _, args := range [][]string{
		{"--workload", "shop/api"},
		{"--cluster", "prod"},
		{"--token-file", filepath.Join(dir, "token")},
		{"--window", "7d", "--price-per-core-hour", "0.04"},
	} {
		code, _, errOut := runCLI(append([]string{"ci", "bench", "--log-level", "warn", "--base", old, "--head", slow}, args...)...)
		if want := "tally: " + args[0] + " " + args[1] + ": only --server uses it (the Tally server to price the workload with); without --server it would do nothing\n"; code != 2 || errOut != want {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", args, code, errOut, want)
		}
	}
	// --window's default is the one checkServerFlags lets through.
	if _, out, _ := runCLI("ci", "bench", "--help"); !strings.Contains(out, `--window="`+ciDefaultWindow+`"`) {
		t.Errorf("ci bench --help: --window's default is not %q:\n%s", ciDefaultWindow, out)
	}
}
