package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/proftest"
)

// writeRuns writes n synthetic CPU profiles (gzip-compressed, as Go writes
// them) into a new directory and returns it.
func writeRuns(t *testing.T, rng *rand.Rand, n int, planted float64) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := proftest.Profile(rng, planted, proftest.Quiet).Write(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestCIDiffExitCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	base := writeRuns(t, rng, 10, 0)
	same := writeRuns(t, rng, 10, 0)
	slow := writeRuns(t, rng, 10, 0.3)
	few := writeRuns(t, rng, 3, 0.3)
	junk := t.TempDir()
	os.WriteFile(filepath.Join(junk, "cpu.pprof"), []byte("not a profile"), 0o644)
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README"), []byte("x"), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"regression", []string{"--base", base, "--head", slow}, 1, "❌ Tally cost check: cost regression", "cost regression: This change adds 15"},
		{"no change", []string{"--base", base, "--head", same}, 0, "No significant", ""},
		{"improvement", []string{"--base", slow, "--head", base}, 0, "This change saves", ""},
		{"too few runs", []string{"--base", base, "--head", few}, 2, "need at least 7 of each", "no verdict: Too few runs"},
		{"max annual increase over", []string{"--base", base, "--head", slow, "--price-per-core-hour", "0.04", "--core-hours-per-year", "100000", "--max-annual-increase", "100"}, 1, "more than $100/yr", ""},
		{"max annual increase under", []string{"--base", base, "--head", slow, "--price-per-core-hour", "0.04", "--core-hours-per-year", "100000", "--max-annual-increase", "5000"}, 0, "This change adds $", ""},
		{"bad threshold", []string{"--base", base, "--head", slow, "--threshold", "lots"}, 2, "", `threshold "lots"`},
		{"annual gate needs a price", []string{"--base", base, "--head", slow, "--max-annual-increase", "100"}, 2, "", "needs a price"},
		{"price needs a volume", []string{"--base", base, "--head", slow, "--price-per-core-hour", "0.04"}, 2, "", "gives no yearly amount"},
		{"volume needs a price", []string{"--base", base, "--head", slow, "--units-per-year", "1e9"}, 2, "", "need a price"},
		{"server needs workload", []string{"--base", base, "--head", slow, "--server", "http://127.0.0.1:1"}, 2, "", "--server needs --workload"},
		{"price and server", []string{"--base", base, "--head", slow, "--server", "http://x", "--price-per-core-hour", "1"}, 2, "", "can't be used together"},
		{"missing file", []string{"--base", filepath.Join(base, "nope.pprof"), "--head", slow}, 2, "", "nope.pprof"},
		{"not a profile", []string{"--base", junk, "--head", slow}, 2, "", "cpu.pprof: not a pprof profile"},
		{"no profiles in directory", []string{"--base", empty, "--head", slow}, 2, "", "holds no profiles"},
		{"missing --head", []string{"--base", base}, 2, "", "missing flags: --head"},
		{"bad format", []string{"--base", base, "--head", slow, "--format", "html"}, 2, "", "--format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"ci", "diff", "--log-level", "warn"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want %d\nstdout (want %q):\n%s\nstderr (want %q):\n%s", code, tc.code, tc.out, out, tc.err, errOut)
			}
		})
	}
}

func TestCIDiffGitHub(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.3)
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.md")
	comment := filepath.Join(dir, "comment.md")
	os.WriteFile(summary, []byte("# earlier step output\n"), 0o644)
	code, out, _ := runCLI("ci", "diff", "--base", base, "--head", slow, "--format", "github",
		"--step-summary", summary, "--comment-file", comment, "--source-root", "/src", "--comment-marker", "tally-ci:checkout")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out, "::error file=shop/cart.go,line=42,title=Cost regression::This change adds ") {
		t.Errorf("annotations:\n%s", out)
	}
	s, _ := os.ReadFile(summary)
	if !strings.HasPrefix(string(s), "# earlier step output\n### ❌ Tally cost check") {
		t.Errorf("summary not appended:\n%s", s)
	}
	c, _ := os.ReadFile(comment)
	if !strings.HasPrefix(string(c), "<!-- tally-ci:checkout -->\n### ❌") {
		t.Errorf("comment:\n%s", c)
	}
}

func TestCIDiffJUnitToFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.3)
	out := filepath.Join(t.TempDir(), "tally.xml")
	code, stdout, stderr := runCLI("ci", "diff", "--base", base, "--head", slow, "--format", "junit", "-o", out)
	b, _ := os.ReadFile(out)
	if code != 1 || stdout != "" || !strings.Contains(string(b), `<failure message="This change adds`) || !strings.Contains(stderr, "This change adds") {
		t.Errorf("exit %d, stdout %q, stderr %q, file:\n%s", code, stdout, stderr, b)
	}
}

// costRateServer implements the cost-rate contract (tally.CostRatePath) the
// way the backend serves it: bearer-token auth, workload lookup, JSON answer
// or a {"code","message"} error.
func costRateServer(t *testing.T, token string, rates map[string]tally.CostRate) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+tally.CostRatePath, func(w http.ResponseWriter, r *http.Request) {
		reply := func(status int, v any) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(v)
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			reply(http.StatusUnauthorized, map[string]string{"code": tally.EUnauthorized, "message": "missing or invalid bearer token"})
			return
		}
		q := r.URL.Query()
		days, err := strconv.Atoi(strings.TrimSuffix(q.Get("window"), "d"))
		if err != nil || !strings.HasSuffix(q.Get("window"), "d") || days <= 0 {
			reply(http.StatusBadRequest, map[string]string{"code": tally.EInvalid, "message": fmt.Sprintf("window %q: want days such as 30d", q.Get("window"))})
			return
		}
		rate, ok := rates[q.Get("workload")+"@"+q.Get("cluster")]
		if !ok {
			reply(http.StatusNotFound, map[string]string{"code": tally.ENotFound, "message": fmt.Sprintf("no workload %s", q.Get("workload"))})
			return
		}
		end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		rate.Window = tally.Window{Start: end.AddDate(0, 0, -days), End: end}
		reply(http.StatusOK, rate)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCIDiffServerPricing(t *testing.T) {
	srv := costRateServer(t, "s3cret", map[string]tally.CostRate{
		"shop/checkout@":        {Workload: "shop/checkout", Currency: "USD", CorehourCost: "0.0213", CoreHoursPerYear: 1_250_000, Basis: "amortized"},
		"shop/checkout@prod-eu": {Workload: "shop/checkout", Cluster: "prod-eu", Currency: "EUR", CorehourCost: "0.0190", CoreHoursPerYear: 400_000, Basis: "amortized"},
		"shop/bad@":             {Workload: "shop/bad", Currency: "USD", CorehourCost: "cheap", CoreHoursPerYear: 1},
		"shop/other@":           {Workload: "shop/someone-else", Currency: "USD", CorehourCost: "1", CoreHoursPerYear: 1},
		"shop/idle@":            {Workload: "shop/idle", Currency: "USD", CorehourCost: "0.03", CoreHoursPerYear: 0},
	})
	rng := rand.New(rand.NewPCG(11, 11))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.1)
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600)

	diff := func(extra ...string) (int, map[string]any, string) {
		code, out, errOut := runCLI(append([]string{"ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "json", "--server", srv.URL}, extra...)...)
		var rep map[string]any
		json.Unmarshal([]byte(out), &rep)
		return code, rep, errOut
	}
	code, rep, errOut := diff("--workload", "shop/checkout", "--token", "s3cret")
	if code != 1 || rep == nil {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	// 10 % more in a function with half the CPU: ≈ 5 % of 1.25 M core-hours × $0.0213 ≈ $1,330 a year.
	total := rep["total"].(map[string]any)
	amount := rep["totalAnnual"].(map[string]any)["amount"].(map[string]any)
	got, _ := strconv.ParseFloat(amount["amount"].(string), 64)
	want := total["rel"].(float64) * 1_250_000 * 0.0213
	if amount["currency"] != "USD" || math.Abs(got-want) > 0.01 || got < 900 || got > 1800 {
		t.Errorf("annual %v %v, want %.2f USD", amount["amount"], amount["currency"], want)
	}
	pricing := rep["pricing"].(map[string]any)
	if src := pricing["source"].(string); !strings.Contains(src, "workload shop/checkout, 2026-10-02 to 2026-11-01, amortized") {
		t.Errorf("source %q", src)
	}

	code, rep, errOut = diff("--workload", "shop/checkout", "--cluster", "prod-eu", "--window", "7d", "--token-file", tokenFile, "--currency", "EUR", "--max-annual-increase", "100000")
	amount = rep["totalAnnual"].(map[string]any)["amount"].(map[string]any)
	if code != 0 || amount["currency"] != "EUR" || !strings.Contains(rep["pricing"].(map[string]any)["source"].(string), "in prod-eu, 2026-10-25 to 2026-11-01") {
		t.Errorf("cluster, window, token file: exit %d, %v, stderr %s", code, rep["pricing"], errOut)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no token", []string{"--workload", "shop/checkout"}, "missing or invalid bearer token (give a valid token"},
		{"wrong token", []string{"--workload", "shop/checkout", "--token", "nope"}, "missing or invalid bearer token"},
		{"unknown workload", []string{"--workload", "shop/nope", "--token", "s3cret"}, "no workload shop/nope (is the workload name"},
		{"bad window", []string{"--workload", "shop/checkout", "--token", "s3cret", "--window", "a month"}, `window "a month"`},
		{"bad cost", []string{"--workload", "shop/bad", "--token", "s3cret"}, `corehourCost "cheap"`},
		{"wrong workload answered", []string{"--workload", "shop/other", "--token", "s3cret"}, "asked for workload shop/other, got shop/someone-else"},
		{"malformed workload", []string{"--workload", "checkout", "--token", "s3cret"}, `--workload "checkout": want NAMESPACE/NAME`},
		// Requests but no CPU used: the server's answer was followed by "ask a Tally server".
		{"no CPU used", []string{"--workload", "shop/idle", "--token", "s3cret"}, "workload shop/idle used no CPU in the window (30d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := diff(tc.args...)
			if code != 2 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", code, errOut, tc.want)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		url := dead.URL
		dead.Close()
		code, _, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--server", url, "--workload", "shop/checkout")
		if code != 2 || !strings.Contains(errOut, "ask "+url+" for the cost rate of shop/checkout") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>login</html>"))
		}))
		defer html.Close()
		code, _, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--server", html.URL, "--workload", "shop/checkout")
		if code != 2 || !strings.Contains(errOut, `answer is "text/html", not JSON`) {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestCIBench(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, ns float64) string { return writeBench(t, dir, name, ns) }
	old, same, slow := write("old.txt", 1200), write("same.txt", 1201), write("new.txt", 1500)
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("pkg: x\nBenchmarkEncode-8 100 fast ns/op\n"), 0o644)
	sameBad := filepath.Join(dir, "same-bad.txt")
	b, _ := os.ReadFile(same)
	os.WriteFile(sameBad, append(b, "BenchmarkEncode-8 \thello\n"...), 0o644)
	other := filepath.Join(dir, "other.txt")
	os.WriteFile(other, []byte(strings.ReplaceAll(string(b), "BenchmarkEncode-8", "BenchmarkDecode-8")), 0o644)

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"slowdown", []string{"--base", old, "--head", slow, "--calls-per-year", "1e13", "--price-per-core-hour", "0.04"}, 1, "This change adds $33", "cost regression"},
		{"same", []string{"--base", old, "--head", same}, 0, "No benchmark got significantly slower", ""},
		{"syntax error", []string{"--base", old, "--head", bad}, 2, "", "bad.txt:2: parsing measurement"},
		{"line skipped", []string{"--base", old, "--head", sameBad}, 0, "- Note: " + sameBad + ":13: malformed benchmark line skipped (parsing iteration count", ""},
		{"nothing compared", []string{"--base", old, "--head", other}, 2, "The base has BenchmarkEncode-8; the head has BenchmarkDecode-8.", "no verdict: No benchmark ran on both sides: nothing was compared."},
		{"price without calls", []string{"--base", old, "--head", slow, "--price-per-core-hour", "0.04"}, 2, "", "give calls per year"},
		{"bad calls", []string{"--base", old, "--head", slow, "--calls-per-year", "many"}, 2, "", `calls per year "many"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"ci", "bench", "--log-level", "warn"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want %d\nstdout (want %q):\n%s\nstderr (want %q):\n%s", code, tc.code, tc.out, out, tc.err, errOut)
			}
		})
	}
}

// TestCIServerPasswordRedacted: a --server URL with credentials
// (https://user:password@host, e.g. $TALLY_SERVER behind a basic-auth proxy;
// Go's HTTP client sends them) never shows its password: not in the
// report's price source (the pull-request comment, the job summary, the
// JSON), not in the log on stderr, not in error messages.
func TestCIServerPasswordRedacted(t *testing.T) {
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
	if !strings.HasPrefix(string(c), "<!-- tally-ci -->") {
		t.Errorf("the pull-request comment does not start with the default marker:\n%s", c)
	}
	if strings.Contains(string(c), password) || !strings.Contains(string(c), "ci:xxxxx@") {
		t.Errorf("the pull-request comment holds the server password, or does not name the server:\n%s", c)
	}
	if strings.Contains(errOut, password) || !strings.Contains(errOut, "ci:xxxxx@127.0.0.1") {
		t.Errorf("stderr (the CI log) holds the server password, or does not name the server:\n%s", errOut)
	}
	_, out, _ = runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--server", server, "--workload", "shop/checkout", "--format", "json")
	if strings.Contains(out, password) {
		t.Errorf("the JSON report holds the server password")
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := strings.Replace(dead.URL, "http://", "http://ci:"+password+"@", 1)
	dead.Close()
	for _, tc := range []struct{ name, server, workload, want string }{
		{"unknown workload", server, "shop/nope", "cost rate of shop/nope from http://ci:xxxxx@127.0.0.1"},
		{"unreachable", deadURL, "shop/checkout", "ask http://ci:xxxxx@127.0.0.1"},
		{"not a URL", "http://ci:" + password + "@bad host/", "shop/checkout", `--server "xxxxx@bad host/"`},
	} {
		code, _, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--server", tc.server, "--workload", tc.workload)
		if code != 2 || strings.Contains(errOut, password) || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q without the password", tc.name, code, errOut, tc.want)
		}
	}
}

// TestCITextTop: --top is the "Rows of functions or benchmarks to show"
// in --format text as in markdown.
func TestCITextTop(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	base, slow := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.3)
	rows := func(top string) (md, text int, out string) {
		_, m, _ := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "markdown", "--top", top)
		_, out, _ = runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", slow, "--format", "text", "--top", top)
		if _, fns, ok := strings.Cut(out, "Functions (self CPU per unit of work):\n"); ok {
			for _, l := range strings.Split(fns, "\n") {
				if strings.HasPrefix(l, "  ") {
					text++
				}
			}
		}
		return strings.Count(m, "\n| `"), text, out
	}
	md, text, out := rows("1")
	if md != 1 || text != 1 || !strings.Contains(out, "… 4 more functions changed less") {
		t.Errorf("--top 1: markdown shows %d function rows, text %d:\n%s", md, text, out)
	}
	if md, text, out := rows("10"); md != 5 || text != 5 {
		t.Errorf("--top 10: markdown shows %d function rows, text %d:\n%s", md, text, out)
	}
}

// TestCIUnitOfWorkPositive: --unit-of-work 0 is no number of units of work
// (a typo, or an unset shell variable: "--unit-of-work ${N:-0}"); it is a
// usage error, not "each profile is one unit".
func TestCIUnitOfWorkPositive(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 23))
	base, same := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0)
	for n, want := range map[string]string{"0": "--unit-of-work 0: ", "-3": "--unit-of-work -3: ", "Inf": "--unit-of-work +Inf: "} {
		code, out, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", same, "--unit-of-work="+n)
		if code != 2 || !strings.Contains(errOut, want+"want the units of work each profile did, a number above 0") {
			t.Errorf("--unit-of-work %s: exit %d, want 2 (usage error)\n%s%s", n, code, out, errOut)
		}
	}
	if code, _, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", same, "--unit-of-work", "2000"); code != 0 {
		t.Errorf("--unit-of-work 2000: exit %d: %s", code, errOut)
	}
}

// TestCIInputGivenTwice: a run given twice — the same directory twice, a
// directory and a file in it, a file as base and as head — is refused
// (exit 2, naming the file) instead of counting as two independent runs:
// counted twice, ten runs a side looked like twenty, and the U test called
// a difference significant that the runs do not show.
func TestCIInputGivenTwice(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 24))
	base, head := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0)
	run0 := filepath.Join(base, "cpu-0.pprof")
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"directory twice", []string{"--base", base, "--base", base, "--head", head}, "base run " + run0 + " is given twice"},
		{"directory and a file in it", []string{"--base", base, "--base", run0, "--head", head}, "base run " + run0 + " is given twice"},
		{"another spelling", []string{"--base", base, "--base", base + "/./", "--head", head}, "is given twice"},
		{"base and head", []string{"--base", base, "--head", head, "--head", run0}, "head run " + run0 + " is also a base run"},
	} {
		t.Run("diff/"+tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"ci", "diff", "--log-level", "warn"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want 2\nstderr (want %q):\n%s\nstdout:\n%s", code, tc.err, errOut, out)
			}
		})
	}
	if code, _, errOut := runCLI("ci", "diff", "--log-level", "warn", "--base", base, "--head", head); code != 0 {
		t.Errorf("each run once: exit %d: %s", code, errOut)
	}

	dir := t.TempDir()
	write := func(name string, ns float64) string { return writeBench(t, dir, name, ns) }
	old, more, slow := write("old.txt", 1200), write("old-2.txt", 1200), write("new.txt", 1204)
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"file twice", []string{"--base", old, "--base", old, "--head", slow}, "base run " + old + " is given twice"},
		{"base and head", []string{"--base", old, "--head", slow, "--head", old}, "head run " + old + " is also a base run"},
	} {
		t.Run("bench/"+tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(append([]string{"ci", "bench", "--log-level", "warn"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.err) {
				t.Errorf("exit %d, want 2\nstderr (want %q):\n%s\nstdout:\n%s", code, tc.err, errOut, out)
			}
		})
	}
	if code, _, errOut := runCLI("ci", "bench", "--log-level", "warn", "--base", old, "--base", more, "--head", slow); code == 2 {
		t.Errorf("two base files: exit 2: %s", errOut)
	}
}

// writeBench writes a go test -bench output of ten BenchmarkEncode runs
// from ns ns/op up, as dir/name, and returns its path.
func writeBench(t *testing.T, dir, name string, ns float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\npkg: example.com/shop\n")
	for i := range 10 {
		fmt.Fprintf(&b, "BenchmarkEncode-8 \t 100000 \t %.1f ns/op \t 512 B/op \t 4 allocs/op\n", ns+float64(i))
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCIBenchCallsNameNoBenchmark: calls a year given only by name, for a
// benchmark that did not run (a typo: BenchmarkEncdoe), price nothing: they
// are refused (exit 2) and the message names them. With the money gate
// alone (--max-annual-increase), nothing could fail: a 25% slowdown that the
// same flags fail with the name spelled right passed with exit 0.
func TestCIBenchCallsNameNoBenchmark(t *testing.T) {
	dir := t.TempDir()
	old, slow := writeBench(t, dir, "old.txt", 1200), writeBench(t, dir, "new.txt", 1500)
	args := func(calls ...string) []string {
		a := []string{"ci", "bench", "--log-level", "warn", "--base", old, "--head", slow,
			"--price-per-core-hour", "0.04", "--max-annual-increase", "1000"}
		for _, c := range calls {
			a = append(a, "--calls-per-year", c)
		}
		return a
	}
	if code, out, errOut := runCLI(args("BenchmarkEncode=1e15")...); code != 1 {
		t.Fatalf("spelled right: exit %d, want 1\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(args("BenchmarkEncdoe=1e15")...)
	if code != 2 || !strings.Contains(errOut, "BenchmarkEncdoe") {
		t.Errorf("a typo: exit %d, want 2 naming BenchmarkEncdoe\n%s%s", code, out, errOut)
	}
	// One name right, one wrong: priced, and the wrong one is named.
	code, out, errOut = runCLI(args("BenchmarkEncode=1e15", "BenchmarkDecode=1e9")...)
	if code != 1 || !strings.Contains(out+errOut, "Calls per year name no benchmark that ran: BenchmarkDecode") {
		t.Errorf("one name of two right: exit %d, want 1 and a warning naming BenchmarkDecode\n%s%s", code, out, errOut)
	}
}

// TestCIBenchUngatedWarns: under a gate in money alone, a benchmark with no
// calls a year cannot fail; the report says so and names it.
func TestCIBenchUngatedWarns(t *testing.T) {
	dir := t.TempDir()
	old, slow := writeBench(t, dir, "old.txt", 1200), writeBench(t, dir, "new.txt", 1500)
	// Priced: none of this file's benchmarks (the default is 0), one name of another run.
	decode := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("pkg: example.com/shop\n"+strings.Repeat("BenchmarkDecode-8 \t 100000 \t 900 ns/op\n", 10)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	code, out, errOut := runCLI("ci", "bench", "--log-level", "warn", "--base", old, "--base", decode("decode-old.txt"), "--head", slow, "--head", decode("decode-new.txt"),
		"--price-per-core-hour", "0.04", "--max-annual-increase", "1000", "--calls-per-year", "BenchmarkDecode=1e9")
	if code != 0 || !strings.Contains(out+errOut, "Not gated: BenchmarkEncode-8, with no calls a year") {
		t.Errorf("exit %d, want 0 and a warning that Encode is not gated\n%s%s", code, out, errOut)
	}
}

// TestCIVerdictSurvivesAFailedWrite: a report that cannot be written (-o in
// a directory that does not exist, a comment file there) turned a
// regression into exit 2, "no verdict", which docs/ci.md lets a job allow:
// the regression passed. The exit status is the verdict's; the write error
// is said on stderr.
func TestCIVerdictSurvivesAFailedWrite(t *testing.T) {
	dir := t.TempDir()
	old, same, slow := writeBench(t, dir, "old.txt", 1200), writeBench(t, dir, "same.txt", 1201), writeBench(t, dir, "new.txt", 1500)
	rng := rand.New(rand.NewPCG(25, 25))
	base, slower := writeRuns(t, rng, 10, 0), writeRuns(t, rng, 10, 0.3)
	nowhere := filepath.Join(dir, "no", "such", "dir", "out.md")
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  []string
	}{
		{"bench regression", []string{"bench", "--base", old, "--head", slow, "-o", nowhere}, 1, []string{"write report: open " + nowhere, "cost regression"}},
		{"bench pass", []string{"bench", "--base", old, "--head", same, "-o", nowhere}, 0, []string{"write report: open " + nowhere}},
		{"diff regression", []string{"diff", "--base", base, "--head", slower, "-o", nowhere}, 1, []string{"write report: open " + nowhere, "cost regression"}},
		{"github comment", []string{"bench", "--base", old, "--head", slow, "--format", "github", "--comment-file", nowhere}, 1, []string{"write comment: open " + nowhere, "cost regression"}},
		{"github summary", []string{"bench", "--base", old, "--head", slow, "--format", "github", "--step-summary", nowhere}, 1, []string{"job summary: open " + nowhere, "cost regression"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(append([]string{"ci", "--log-level", "warn"}, tc.args...)...)
			ok := code == tc.code
			for _, w := range tc.err {
				ok = ok && strings.Contains(errOut, w)
			}
			if !ok {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, tc.code, errOut, tc.err)
			}
		})
	}
}

// TestCIBenchDirectory: a directory given as a benchmark file said "read
// DIR: DIR:0: read DIR: is a directory"; it says so once, without a line.
func TestCIBenchDirectory(t *testing.T) {
	dir := t.TempDir()
	head := writeBench(t, dir, "head.txt", 1200)
	base := filepath.Join(dir, "base")
	if err := os.Mkdir(base, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI("ci", "bench", "--base", base, "--head", head)
	if want := "tally: read " + base + ": is a directory\n"; code != 2 || errOut != want {
		t.Errorf("exit %d, stderr %q, want 2 and %q", code, errOut, want)
	}
}
