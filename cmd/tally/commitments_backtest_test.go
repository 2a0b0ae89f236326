package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// generatedUsage writes the bundled scenarios, days long, to a temporary
// usage file and returns its path.
func generatedUsage(t *testing.T, days int) string {
	t.Helper()
	usage := filepath.Join(t.TempDir(), "usage.csv")
	var out, errb bytes.Buffer
	if code := run([]string{"--log-level", "warn", "commitments", "generate", "--days", strconv.Itoa(days), "--out", usage}, &out, &errb); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errb.String())
	}
	return usage
}

// TestCommitmentsBacktestEnds: 430 days of usage, a 14-day warm-up and
// 1-year terms leave two ends a month apart at least a term after the first
// decision; every walked strategy is scored at both, with what it owes past
// each, and the table says the view is not the target.
func TestCommitmentsBacktestEnds(t *testing.T) {
	usage := generatedUsage(t, 430)
	var out, errb bytes.Buffer
	args := []string{"--log-level", "warn", "commitments", "backtest", "--usage", usage, "--scenario", "steady",
		"--strategy", "none,lookback-7d", "--warmup", "14", "--ends", "3"}
	if code := run(append(args, "--format", "json"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var got struct {
		Reports []struct {
			Ends    []int `json:"ends"`
			Results []struct {
				Strategy  string    `json:"strategy"`
				ESR       float64   `json:"esr"`
				ESRByEnd  []float64 `json:"esrByEnd"`
				OwedByEnd []float64 `json:"owedByEnd"`
			} `json:"results"`
		} `json:"reports"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Reports) != 1 || len(got.Reports[0].Ends) != 2 {
		t.Fatalf("reports %+v, want one with two ends", got.Reports)
	}
	for _, r := range got.Reports[0].Results {
		switch r.Strategy {
		case "hindsight":
			if r.ESRByEnd != nil || r.OwedByEnd != nil {
				t.Errorf("hindsight scored by end: %v %v", r.ESRByEnd, r.OwedByEnd)
			}
		case "lookback-7d":
			// Its first purchases (day 14) renew on day 379: at both ends
			// (days ~400 and 430) most of a year of fees is still owed, more
			// at the earlier end, and it outweighs the savings of the hours
			// simulated (about 30% of on demand, steady usage).
			if len(r.OwedByEnd) != 2 || r.ESRByEnd[1] != r.ESR || r.OwedByEnd[0] <= r.OwedByEnd[1] || r.OwedByEnd[1] <= 0.3 {
				t.Fatalf("lookback-7d: ESR %v by end %v, owed %v", r.ESR, r.ESRByEnd, r.OwedByEnd)
			}
			for k, e := range r.ESRByEnd {
				if alone := e + r.OwedByEnd[k]; e >= 0 || alone < 0.2 || alone > 0.35 {
					t.Errorf("lookback-7d at end %d: ESR %.4f, %.4f without what it owes", k, e, alone)
				}
			}
		}
	}

	out.Reset()
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := out.String(); !strings.Contains(s, "owed past the end, mean pts") || !strings.Contains(s, "not part of the target") {
		t.Errorf("ends table:\n%s", s)
	}
}

// TestCommitmentsBacktestBadFlags: a lag or warm-up of zero is an error,
// not the default.
func TestCommitmentsBacktestBadFlags(t *testing.T) {
	for _, flags := range [][]string{{"--lag", "0"}, {"--warmup", "0"}} {
		var out, errb bytes.Buffer
		args := append([]string{"commitments", "backtest", "--usage", "../../commitments/testdata/scenarios.csv.gz"}, flags...)
		if code := run(args, &out, &errb); code == 0 || !strings.Contains(errb.String(), "want at least 1 hour of billing lag") {
			t.Errorf("%v: exit %d, stderr %q", flags, code, errb.String())
		}
	}
}

// TestBacktestRefusesUsageNoLongerThanTheWarmup: on usage that ends before
// the first decision no strategy decides anything; every one scored 0% ESR
// at 100% utilization and --check said "target met" (exit 0), a gate that
// passed on a truncated usage file.
func TestBacktestRefusesUsageNoLongerThanTheWarmup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short.csv")
	var b strings.Builder
	b.WriteString("scenario,hour,provider,region,instance_type,od_cost\n")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for h := range 48 {
		fmt.Fprintf(&b, "s1,%s,aws,us-east-1,m5.large,1\n", start.Add(time.Duration(h)*time.Hour).Format(time.RFC3339))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runTally("--log-level", "error", "commitments", "backtest", "--usage", path, "--strategy", "none,lookback-7d", "--check")
	if code != exitUsage || !strings.Contains(errOut, "scenario s1 has 48 hour(s) of usage") || !strings.Contains(errOut, "--warmup of 28 days") {
		t.Errorf("48 hours of usage, 28 days of warm-up: exit %d\n%s%s", code, out, errOut)
	}
	// With a warm-up it outlasts, it runs.
	if code, out, errOut := runTally("--log-level", "error", "commitments", "backtest", "--usage", path, "--strategy", "none", "--warmup", "1", "--ends", "0"); code != 0 {
		t.Errorf("--warmup 1: exit %d\n%s%s", code, out, errOut)
	}
}

// TestBacktestTruncatedGzipIsBadInput: a usage file whose gzip data ends
// early (a truncated download) is bad input that says so, exit 2; it said
// "read F: unexpected EOF" and exited 1, as for a failure of Tally's.
func TestBacktestTruncatedGzipIsBadInput(t *testing.T) {
	full, err := os.ReadFile(filepath.Join("..", "..", "commitments", "testdata", "scenarios.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.csv.gz")
	if err := os.WriteFile(path, full[:4000], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runTally("--log-level", "error", "commitments", "backtest", "--usage", path, "--strategy", "none")
	if code != exitUsage || !strings.Contains(errOut, "ends early or is corrupt") || !strings.Contains(errOut, path) {
		t.Errorf("truncated gzip: exit %d %s", code, errOut)
	}
}

// TestCommitmentsRiskFlagsOutOfRange: backtest ran (exit 0) on risk bounds
// recommend refuses, and on a negative --ends; both refuse them, exit 2
// naming the flag and its value, before reading anything.
func TestCommitmentsRiskFlagsOutOfRange(t *testing.T) {
	bad := [][]string{{"--min-utilization", "2"}, {"--min-utilization=-1"}, {"--min-utilization", "0"}, {"--max-probability=0"},
		{"--max-probability", "1"}, {"--max-probability", "NaN"}, {"--lock-in-penalty=-5"}}
	usage := filepath.Join("..", "..", "commitments", "testdata", "scenarios.csv.gz")
	for _, cmd := range [][]string{
		{"commitments", "backtest", "--usage", usage, "--scenario", "steady", "--strategy", "none"},
		{"--database-url", "postgres://x@127.0.0.1:1/x", "commitments", "recommend"},
	} {
		for _, flags := range bad {
			code, _, errOut := runTally(append(append([]string{"--log-level", "error"}, cmd...), flags...)...)
			want := strings.Join(flags, " ")
			if flag, value, ok := strings.Cut(flags[0], "="); ok {
				want = flag + " " + value
			}
			if code != exitUsage || !strings.Contains(errOut, want+": want ") {
				t.Errorf("%s %v: exit %d, want %d naming %q\n%s", strings.Join(cmd[:3], " "), flags, code, exitUsage, want, errOut)
			}
		}
	}
	for _, ends := range []string{"-1", "121"} {
		code, _, errOut := runTally("--log-level", "error", "commitments", "backtest", "--usage", usage, "--strategy", "none", "--ends="+ends)
		if code != exitUsage || !strings.Contains(errOut, "--ends "+ends+": want ") {
			t.Errorf("--ends %s: exit %d, want %d naming it\n%s", ends, code, exitUsage, errOut)
		}
	}
}

// TestCommitmentsGenerateSaysWhatItWrote: generate --out says what it
// wrote, and where, on standard error, as rightsize generate and forecast
// synth do; it wrote its file in silence, after seconds without a word.
func TestCommitmentsGenerateSaysWhatItWrote(t *testing.T) {
	usage := filepath.Join(t.TempDir(), "scenarios.csv.gz")
	code, out, errOut := runTally("commitments", "generate", "--days", "60", "--out", usage)
	want := "wrote 6 scenarios (steady, growing, declining, migration, seasonal, drop) × 60 days of hourly usage to " + usage + "\n"
	if code != 0 || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want stderr %q", code, out, errOut, want)
	}
}
