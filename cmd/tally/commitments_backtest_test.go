package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
