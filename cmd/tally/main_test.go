package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func runTally(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// oneNodeDatabase returns a fresh database holding fixture.OneNode's 48
// hours: its URL, and a connection closed when t ends.
func oneNodeDatabase(t *testing.T) (string, *postgres.DB) {
	t.Helper()
	return oneNodeDatabaseBilled(t, 48)
}

// oneNodeDatabaseBilled is oneNodeDatabase with the bill of the first
// billedHours hours only.
func oneNodeDatabaseBilled(t *testing.T, billedHours int) (string, *postgres.DB) {
	t.Helper()
	return fixtureDatabase(t, func(t testing.TB, db *postgres.DB) { fixture.OneNode(t, db, billedHours) })
}

// fixtureDatabase returns the URL of a migrated test database that store
// filled, and the database.
func fixtureDatabase(t *testing.T, store func(testing.TB, *postgres.DB)) (string, *postgres.DB) {
	t.Helper()
	url := pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	store(t, db)
	return url, db
}

// mustTally returns a runner of tally with the global flags before its
// arguments that fails t on a non-zero exit and returns standard output.
func mustTally(t *testing.T, global ...string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		code, out, errOut := runTally(append(slices.Clone(global), args...)...)
		if code != 0 {
			t.Fatalf("tally %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range [][]string{{}, {"serve"}, {"migrate"}, {"demo"}, {"version"}, {"attribute"}, {"costs"}, {"report"}, {"report", "weekly"}, {"report", "deliveries"}} {
		code, out, _ := runTally(append(cmd, "--help")...)
		if code != 0 || !strings.Contains(out, "Usage: tally") {
			t.Errorf("tally %v --help: exit %d\n%s", cmd, code, out)
		}
	}
	if code, _, errOut := runTally("costs", "--idle", "sometimes"); code != exitUsage || !strings.Contains(errOut, "--idle") {
		t.Errorf("bad enum: exit %d, %q", code, errOut)
	}
	if code, _, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "costs", "--window", "fortnight"); code != exitUsage || !strings.Contains(errOut, "fortnight") {
		t.Errorf("bad window: exit %d, %q", code, errOut)
	}
}

func TestAttributeAndCosts(t *testing.T) {
	url, _ := oneNodeDatabase(t)

	code, out, errOut := runTally("--database-url", url, "--log-format", "text", "attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	if code != 0 {
		t.Fatalf("attribute: exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Count(out, " ok") != 2 || !strings.Contains(out, "4.56") {
		t.Fatalf("reconciliation table:\n%s", out)
	}
	code, out, errOut = runTally("--database-url", url, "costs", "--window", "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z", "--aggregate", "namespace", "--shared", "separate")
	if code != 0 || !strings.Contains(out, "shop") || !strings.Contains(out, "__shared__") || !strings.Contains(out, "9.12") {
		t.Fatalf("costs: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runTally("--database-url", url, "costs", "--window", "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z", "--aggregate", "label:team", "--format", "csv")
	if code != 0 || !strings.Contains(out, "<script>alert(1)</script>") || !strings.HasPrefix(out, "name,label:team,") {
		t.Fatalf("costs csv: exit %d\n%s", code, out)
	}
}

// TestServeFlagsChecked: bad --trusted-proxies, --public-url, --agent-rate and
// --query-timeout values are refused before anything starts.
func TestServeFlagsChecked(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.internal"}, `trusted proxy "proxy.internal": want a CIDR prefix`},
		{[]string{"--public-url", "tally.example.com"}, `--public-url "tally.example.com": want an absolute URL`},
		{[]string{"--public-url", "ftp://tally.example.com"}, `want an absolute URL`},
		{[]string{"--agent-rate", "0"}, `--agent-rate 0: want a number of batches a second above 0`},
		{[]string{"--agent-rate=-5"}, `--agent-rate -5: want`},
		{[]string{"--query-timeout=-1s"}, `--query-timeout -1s: want a duration of 0 (no limit) or more`},
	} {
		code, _, errOut := runTally(append([]string{"--database-url", "postgres://x@127.0.0.1:1/x", "serve"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("serve %v: exit %d %q, want %d with %q", tt.args, code, errOut, exitUsage, tt.want)
		}
	}
}

// TestNumericFlagsChecked: numeric flags out of range ran (--workers=-3,
// --weeks 0 printed an empty table, --top 0 showed every row), a currency
// that is no ISO 4217 code was taken, and --alpha and --calls-per-year
// errors did not name their flag. Each is a usage error naming the flag
// and its value, before anything is read.
func TestNumericFlagsChecked(t *testing.T) {
	dir := t.TempDir()
	base, head := writeBench(t, dir, "base.txt", 1200), writeBench(t, dir, "head.txt", 1500)
	file := filepath.Join("testdata", "bad-trace.csv") // any existing file: the flags are checked first
	const noDB = "postgres://x@127.0.0.1:1/x"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"forecast", "eval", "--train", file, "--test", file, "--horizon", "1", "--season", "1", "--workers=-3"}, "--workers -3: want "},
		{[]string{"ci", "bench", "--base", base, "--head", head, "--top", "0"}, "--top 0: want "},
		{[]string{"ci", "diff", "--base", dir, "--head", dir, "--top=-1"}, "--top -1: want "},
		{[]string{"ci", "bench", "--base", base, "--head", head, "--alpha", "2"}, "--alpha 2: want "},
		{[]string{"ci", "bench", "--base", base, "--head", head, "--confidence", "0"}, "--confidence 0: want "},
		{[]string{"ci", "bench", "--base", base, "--head", head, "--calls-per-year", "abc"}, `--calls-per-year: calls per year "abc": want `},
		{[]string{"ci", "bench", "--base", base, "--head", head, "--price-per-core-hour", "0.04", "--calls-per-year", "1e9", "--currency", "XYZ"}, "--currency XYZ: "},
		{[]string{"--database-url", noDB, "report", "deliveries", "--weeks", "0"}, "--weeks 0: want "},
		{[]string{"rightsize", "backtest", "--trace", file, "--currency=XYZ"}, "--currency XYZ: "},
		{[]string{"rightsize", "backtest", "--trace", file, "--currency=usd", "--cpu-price", "x"}, `--cpu-price "x": `}, // a real code passes
		{[]string{"pricing", "sync", "gcp", "--currency", "XYZ", "--endpoint", "127.0.0.1:1"}, "--currency XYZ: "},
	} {
		code, _, errOut := runTally(append([]string{"--log-level", "error"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", tt.args, code, errOut, exitUsage, tt.want)
		}
	}
}

// TestHelpPlaceholdersSayWhat: no command's help shows kong's placeholder
// for a Go type (--namespace=STRING, --horizon=INT), which says what the
// program holds, not what the user writes.
// windowForms are the windows tally.ParseWindow takes, as a --window's
// help lists them.
const windowForms = "today, yesterday, week, lastweek, month, lastmonth, Nh, Nd, Nw, or START,END (YYYY-MM-DD, RFC 3339 or Unix seconds)."

func TestHelpPlaceholdersSayWhat(t *testing.T) {
	parser, err := kong.New(&cli{})
	if err != nil {
		t.Fatal(err)
	}
	typed := regexp.MustCompile(`-[a-z-]+=(STRING|U?INT(-?\d+)?|FLOAT(-?\d+)?|BOOL)\b`)
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, c := range n.Children {
			if c.Type == kong.CommandNode && !c.Hidden {
				walk(c)
			}
		}
		if n.Type != kong.CommandNode {
			return
		}
		cmd := strings.Fields(n.Path())
		code, out, errOut := runTally(append(cmd, "--help")...)
		if code != 0 {
			t.Fatalf("%v --help: exit %d: %s", cmd, code, errOut)
		}
		if bad := typed.FindAllString(out, -1); len(bad) > 0 {
			t.Errorf("tally %s --help shows %q", n.Path(), bad)
		}
	}
	walk(parser.Model.Node)
}

// demo-generate writes the organization demo loads: by default with as
// many days of profiles (it wrote 14, demo loads 21), said alike.
func TestDemoGenerateProfileDaysAsDemo(t *testing.T) {
	flag := regexp.MustCompile(`--profile-days=\S+\s+[^-]*`)
	var got []string
	for _, cmd := range []string{"demo", "demo-generate"} {
		_, out, _ := runTally(cmd, "--help")
		got = append(got, strings.Join(strings.Fields(flag.FindString(out)), " "))
	}
	if got[0] == "" || got[0] != got[1] {
		t.Errorf("demo: %q\ndemo-generate: %q; want the same default and help", got[0], got[1])
	}
}

// TestHelpSaysValuesAndDefaults: the help shows the values a flag takes and
// its default where kong does not (placeholders hide defaults; a bool's
// default is not shown), the placeholders the codebase uses for files and
// dates, and what the flags do.
func TestHelpSaysValuesAndDefaults(t *testing.T) {
	help := func(args ...string) string { // the help's lines are wrapped
		code, out, errOut := runTally(append(args, "--help")...)
		if code != 0 {
			t.Fatalf("%v --help: exit %d: %s", args, code, errOut)
		}
		return strings.Join(strings.Fields(out), " ")
	}
	for _, tc := range []struct {
		cmd       []string
		want, not []string
	}{
		{[]string{"token", "create"}, []string{`--role="viewer" Role of an API token: viewer (reads everything) or admin (also tokens and settings).`}, nil},
		{[]string{"user", "passwd"}, []string{"--role=ROLE Also change the role: viewer or admin (default: keep it)."}, nil},
		{[]string{"rightsize", "recommend"}, []string{"--[no-]store Store the recommendations (kinds container-rightsizing and node-rightsizing; default: on)",
			"--[no-]nodes Also plan node types per cluster and node group (default: on)", "--cpu-price=AMOUNT Price of a requested core-hour when attribution has none (default: 0.031611,",
			"--memory-price=AMOUNT Price of a requested GiB-hour of memory when attribution has none (default: 0.004237)"}, nil},
		{[]string{"rightsize", "backtest"}, []string{"(default: 0.031611,"}, nil},
		{[]string{"commitments", "generate"}, []string{"--days=1095 Days per scenario (60 to 3650)."}, nil},
		{[]string{"commitments", "backtest"}, []string{"scenario,hour,provider,region,instance_type,od_cost,platform", "scenario and platform are optional"}, nil},
		{[]string{"commitments", "purchase"}, nil, []string{"--region", "Changes nothing"}},
		{[]string{"prune"}, []string{"off (the default): keep them all", "off (the default): keep them as long as the rest",
			"--partitions List each partition dropped (with --dry-run: that would be dropped) instead of one line per table"}, []string{"not a line a table"}},
		{[]string{"version"}, []string{"--data-dir=DIR Data directory of the embedded PostgreSQL (default: $XDG_DATA_HOME/tally/pg", "/var/lib/tally/pg"}, nil},
		{[]string{"report", "weekly"}, []string{"--smtp-ca-file=FILE", "--smtp-port=PORT", "--smtp-username=NAME", "--smtp-password=PASSWORD", "--week=WEEK"}, []string{"=STRING", "=INT"}},
		{[]string{"serve"}, []string{"--smtp-ca-file=FILE"}, nil},
		{[]string{"attribute"}, []string{"--from=DATE", "--to=DATE"}, []string{"=STRING"}},
		// The windows tally.ParseWindow takes, all of them (status named four).
		{[]string{"commitments", "status"}, []string{`--window="30d" Window: ` + windowForms}, nil},
		{[]string{"costs"}, []string{`--window="7d" Window: ` + windowForms}, nil},
		// ci bench gates time per op, not CPU per unit of work.
		{[]string{"ci", "bench"}, []string{"--threshold=PCT Fail when CPU per unit of work (ci diff) or time per op (ci bench) grows"}, nil},
	} {
		out := help(tc.cmd...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v --help: no %q in\n%s", tc.cmd, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out, n) {
				t.Errorf("%v --help: %q in\n%s", tc.cmd, n, out)
			}
		}
	}
	// user passwd --role's choices do not include "".
	if code, _, errOut := runTally("user", "passwd", "x@example.com", "--role", "root"); code != exitUsage || errOut != "tally: --role root: want viewer or admin\n" {
		t.Errorf("user passwd --role root: exit %d, %q", code, errOut)
	}
}
