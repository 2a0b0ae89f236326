package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIOutputFlagOfAnotherFormat: --comment-file is written by --format
// github alone, and -o by every format but github, whose annotations must
// reach the runner on stdout. Given with another format, the flag did
// nothing: no comment file, so the workflow's comment step posted nothing
// without a word, or no report file. Such a flag is refused, exit 2.
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
}
