package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Review reproductions (branch review-forecast-rs): each test fails on the
// code it was written against.

// tally forecast eval --format json fails on a history where Naive2 is
// exact (OWA = 0/0 = NaN): "json: unsupported value: NaN", exit 1.
func TestReviewForecastEvalJSONNaN(t *testing.T) {
	dir := t.TempDir()
	train, test := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	os.WriteFile(train, []byte("\"V1\",\"V2\",\"V3\",\"V4\",\"V5\",\"V6\",\"V7\",\"V8\",\"V9\",\"V10\",\"V11\"\n\"H1\",1,2,3,4,5,6,7,8,9,10\n"), 0o644)
	os.WriteFile(test, []byte("\"V1\",\"V2\",\"V3\",\"V4\"\n\"H1\",10,10,10\n"), 0o644)
	code, stdout, stderr := runTally("forecast", "eval", "--train", train, "--test", test, "--horizon", "3", "--season", "1", "--format", "json")
	if code != 0 {
		t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, lastLine(stderr))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
