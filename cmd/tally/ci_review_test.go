package main

// Reproductions of review findings on `tally ci` (review-cicheck). Each test
// fails on the code it was written against; they are not fixes.

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
)

// TestReviewCIServerPasswordLeaks: a --server URL with credentials
// (https://user:password@host, e.g. $TALLY_SERVER behind a basic-auth proxy;
// Go's HTTP client sends them) is written verbatim into the report's price
// source, so the password lands in the pull-request comment, the job
// summary and the JSON; and into the error message and the log line on
// stderr. (Go's own HTTP errors strip the password; tally's messages do not.)
func TestReviewCIServerPasswordLeaks(t *testing.T) {
	const password = "pa55word-not-for-prs"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != password {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"code": tally.EUnauthorized, "message": "bad credentials"})
			return
		}
		if r.URL.Query().Get("workload") != "shop/checkout" {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"code": tally.ENotFound, "message": "no such workload"})
			return
		}
		json.NewEncoder(w).Encode(tally.CostRate{Workload: "shop/checkout", Currency: "USD", CorehourCost: "0.0213", CoreHoursPerYear: 1_250_000, Basis: "amortized"})
	}))
	defer srv.Close()
	server := strings.Replace(srv.URL, "http://", "http://ci:"+password+"@", 1)

	rng := rand.New(rand.NewPCG(21, 21))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.1)
	comment := filepath.Join(t.TempDir(), "comment.md")
	code, out, errOut := runCLI("ci", "diff", "--base", base, "--head", slow, "--server", server, "--workload", "shop/checkout",
		"--format", "github", "--comment-file", comment, "--step-summary", filepath.Join(t.TempDir(), "summary.md"))
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the server answered, the change regressed)\n%s\n%s", code, out, errOut)
	}
	c, _ := os.ReadFile(comment)
	if strings.Contains(string(c), password) {
		i := strings.Index(string(c), password)
		t.Errorf("the pull-request comment holds the server password: …%s…", c[max(0, i-60):i+len(password)])
	}
	if strings.Contains(errOut, password) {
		t.Errorf("stderr (the CI log) holds the server password:\n%s", errOut)
	}

	code, _, errOut = runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--server", server, "--workload", "shop/nope")
	if code != 2 || strings.Contains(errOut, password) {
		t.Errorf("unknown workload: exit %d, stderr holds the password: %q", code, errOut)
	}
}

// TestReviewCITopIgnoredByText: --help says --top is the "Rows of functions
// or benchmarks to show", but --format text always shows 10 functions and
// every benchmark.
func TestReviewCITopIgnoredByText(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.3)
	_, md, _ := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "markdown", "--top", "1")
	_, text, _ := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "text", "--top", "1")
	mdRows := strings.Count(md, "\n| `")
	textRows := 0
	if _, fns, ok := strings.Cut(text, "Functions (self CPU per unit of work):\n"); ok {
		for _, l := range strings.Split(fns, "\n") {
			if strings.HasPrefix(l, "  ") {
				textRows++
			}
		}
	}
	if textRows != mdRows {
		t.Errorf("--top 1: markdown shows %d function rows, text shows %d:\n%s", mdRows, textRows, text)
	}
}

// TestReviewCIUnitOfWorkZero: --unit-of-work 0 is not a number of units of
// work, but it is taken silently as "each profile is one unit" (the code
// rejects only negative values), so a typo or an unset shell variable
// ("--unit-of-work ${N:-0}") prices per profile instead of failing.
func TestReviewCIUnitOfWorkZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 23))
	base, same := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0)
	code, out, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", same, "--unit-of-work", "0")
	if code != 2 {
		t.Errorf("--unit-of-work 0: exit %d, want 2 (usage error)\n%s%s", code, out, errOut)
	}
}
