package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally/forecast"
)

func TestForecastSynthAndEval(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"forecast", "synth", "--out", dir, "--series", "6", "--seed", "3"}, &out, &errb); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, errb.String())
	}
	out.Reset()
	args := []string{"--log-level", "warn", "forecast", "eval", "--train", filepath.Join(dir, "Hourly-train.csv"),
		"--test", filepath.Join(dir, "Hourly-test.csv"), "--horizon", "48", "--season", "24", "--model", "auto,theta", "--format", "json"}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errb.String())
	}
	var rep forecast.EvalReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Series != 6 || len(rep.Models) != 4 || rep.Models[0].Model != "naive2" || rep.Models[0].OWA != 1 || rep.Models[2].Model != "auto" {
		t.Fatalf("report %+v", rep)
	}
	if m := rep.Models[2]; !(m.OWA > 0 && m.OWA < 1.5) || m.Coverage95 == 0 || m.CPU == 0 {
		t.Errorf("auto scores %+v", m)
	}
	out.Reset()
	if code := run(args[:len(args)-2], &out, &errb); code != 0 || !strings.Contains(out.String(), "OWA") {
		t.Errorf("table: exit %d\n%s", code, out.String())
	}
}

func TestForecastEvalBadInput(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.csv")
	if err := os.WriteFile(train, []byte("H1,1,2,3\nH2,4,five,6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"forecast", "eval", "--train", train, "--test", train, "--horizon", "1", "--season", "1"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), train+":2:") || !strings.Contains(errb.String(), `"five": not a number`) {
		t.Errorf("exit %d, stderr %q: want exit 2 naming %s:2 and the value", code, errb.String(), train)
	}
}
