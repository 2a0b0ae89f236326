package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
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

// --hpa NS/KIND/NAME must either apply to the workload or be rejected. The
// key is matched case-sensitively against the stored owner kind, so the
// spelling kubectl users type (deployment) is silently ignored: the
// recommendation is the one without an HPA, exit 0, no warning.
func TestReviewHPAFlagSilentlyIgnored(t *testing.T) {
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	until := time.Date(2026, 10, 8, 0, 0, 0, 0, time.UTC)
	seedRightsizing(t, db, until)
	cpuOf := func(hpa string) (float64, int, string) {
		var out, errb bytes.Buffer
		code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339),
			"--format", "json", "--no-store", "--no-nodes", "--hpa", hpa}, &out, &errb)
		if code != 0 {
			return 0, code, errb.String()
		}
		var res struct {
			Containers []struct {
				Container      string
				Recommendation struct {
					Recommended struct{ CPURequestCores float64 }
				}
			}
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Containers {
			if c.Container == "api" {
				return c.Recommendation.Recommended.CPURequestCores, 0, errb.String()
			}
		}
		t.Fatalf("no api recommendation: %s", out.String())
		return 0, 0, ""
	}
	exact, _, _ := cpuOf("shop/Deployment/api=cpu:20")
	lower, code, stderr := cpuOf("shop/deployment/api=cpu:20")
	if code == 0 && lower != exact {
		t.Errorf("--hpa shop/Deployment/api=cpu:20 → CPU request %v; --hpa shop/deployment/api=cpu:20 → %v, exit 0, stderr %q: the HPA was silently ignored", exact, lower, stderr)
	}
	missing, code, stderr := cpuOf("shop/Deployment/no-such-workload=cpu:20")
	if code == 0 && stderr == "" {
		t.Errorf("--hpa naming no workload: exit 0, no warning (api CPU %v)", missing)
	}
}
