package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// testDemoLoader generates an organization of cfg in a temporary folder
// and returns the loader `tally demo` would run on it: a test database, a
// server of the agent endpoint, and the log it writes to.
func testDemoLoader(t *testing.T, cfg demo.Config) (*demoLoader, *bytes.Buffer) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "org")
	m, err := demo.Generate(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := demo.LoadTruth(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	logs := &bytes.Buffer{}
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(logs, nil))}
	wcfg := a.webConfig(db, demoReportConfig(truth, "http://example.test"))
	wcfg.AgentMaxAge = demoAgentMaxAge(&m, time.Now())
	srv := httptest.NewServer(web.NewServer(wcfg))
	t.Cleanup(srv.Close)
	return &demoLoader{app: a, db: db, dir: dir, m: &m, truth: truth, url: srv.URL}, logs
}

// TestDemoLoadMatchesTruth loads a generated organization the way `tally
// demo` does — bills through the ingest readers, agent batches over HTTP
// with agent tokens — and checks the result against the generator's truth:
// every billed day reconciles to the cent and every day's node cost per
// cluster and namespace (and idle) is within 1%.
func TestDemoLoadMatchesTruth(t *testing.T) {
	ctx := context.Background()
	l, logs := testDemoLoader(t, demo.Config{Seed: 2, Days: 4, End: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), ProfileDays: 21})
	db := l.db
	if err := l.run(ctx); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the load warned:\n%s", logs.String())
	}
	c, err := l.checkTruth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", c)
	if c.Days == 0 || c.Mismatches > 0 {
		t.Errorf("%d of %d billed days off the bill by more than a cent (largest difference %s)", c.Mismatches, c.Days, c.MaxDifference)
	}
	if c.Owners == 0 || c.WorstRelative > 0.01 {
		t.Errorf("%d namespace-days compared; worst %.3f%%: %s", c.Owners, 100*c.WorstRelative, c.Worst)
	}

	// What the dashboard's pages read is there.
	secret, tok := web.NewToken()
	tok.Name, tok.Kind, tok.Role = "test", tally.TokenAPI, tally.RoleViewer
	if _, err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, l.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %s", path, resp.Status, body)
		}
		if v != nil {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
	}
	var cm struct {
		Commitments     []json.RawMessage
		Recommendations []json.RawMessage
		KPIs            []struct{ Utilization, Coverage *float64 }
		Current         *struct{ Utilization, Coverage, ESR *float64 }
	}
	get("/api/v1/commitments?window=2026-09-29T00:00:00Z,2026-10-03T00:00:00Z", &cm)
	if len(cm.Commitments) == 0 || len(cm.KPIs) != 4 || cm.Current == nil || cm.Current.Coverage == nil || *cm.Current.Coverage <= 0 || len(cm.Recommendations) == 0 {
		t.Errorf("commitments page: %d commitments, %d KPI days, current %+v, %d recommendations", len(cm.Commitments), len(cm.KPIs), cm.Current, len(cm.Recommendations))
	}
	var rep struct{ Week, Subject, PreviewURL string }
	get("/api/v1/reports/weekly?week=2026-09-30", &rep)
	if rep.Week != "2026-09-28" || rep.Subject == "" || !strings.HasPrefix(rep.PreviewURL, "/api/v1/reports/weekly/preview?") {
		t.Errorf("reports page: %+v", rep)
	}
	get(rep.PreviewURL, nil)
	var rs struct{ Containers, Nodes []json.RawMessage }
	get("/api/v1/recommendations/rightsizing", &rs)
	if len(rs.Containers) == 0 || len(rs.Nodes) == 0 {
		t.Errorf("right-sizing page: %d container and %d node recommendations", len(rs.Containers), len(rs.Nodes))
	}
}

// TestDemoTruthListMatchesItsBill: truth.json's list totals are what the
// bills the generator writes say, as ingested: the CUR 2.0 export gives
// fees, tax and credits no public price (ListCost 0), the FOCUS export
// lists them at their billed cost. The truth counted them at their
// unblended cost in both.
func TestDemoTruthListMatchesItsBill(t *testing.T) {
	url := pgtest.NewURL(t, true)
	dir := filepath.Join(t.TempDir(), "acme")
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("demo-generate", "--out", dir, "--days", "3", "--end", "2026-11-22")
	m, err := demo.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range m.Ingest {
		tly("ingest", s.Source, filepath.Join(dir, s.Path))
	}
	truth, err := demo.LoadTruth(dir, m)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, acct := range truth.BillingAccounts {
		checkTruthList(t, db, m, truth, acct.ID)
	}
}

// checkTruthList compares the truth's list totals of a billing account, and
// of each of its sub-accounts, with the ListCost of its ingested lines.
func checkTruthList(t *testing.T, db *postgres.DB, m demo.Manifest, truth *demo.Truth, account string) {
	t.Helper()
	lines, err := db.CostLines(context.Background(), postgres.CostLineFilter{BillingAccountID: account,
		Window: tally.Window{Start: m.Start, End: m.End}})
	if err != nil {
		t.Fatal(err)
	}
	bill := map[string]tally.Money{} // list cost by sub-account, "" for the account
	for _, l := range lines {
		for _, k := range []string{"", l.SubAccountID} {
			if bill[k], err = bill[k].Add(l.ListCost); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string]tally.Money{}
	for _, tot := range truth.Totals {
		if tot.BillingAccountID == account {
			want[""] = tally.MustParseMoney(tot.List, "USD")
		}
	}
	for _, d := range truth.Daily {
		if d.BillingAccountID != account {
			continue
		}
		for sub, a := range d.SubAccounts {
			if want[sub], err = want[sub].Add(tally.MustParseMoney(a.List, "USD")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(want) < 2 || len(bill) != len(want) {
		t.Fatalf("account %s: truth %v, bill %v: want the account and its sub-accounts in both", account, want, bill)
	}
	for k, w := range want {
		if !w.Equal(bill[k]) {
			t.Errorf("account %s sub-account %q: truth.json list %s, the bill's ListCost sums to %s", account, k, w.Decimal(), bill[k].Decimal())
		}
	}
}

// TestDemoDirNotItsOwn: tally demo --dir removed the directory whenever it
// did not hold the organization asked for, so a mistyped --dir (a home
// directory, a project) was deleted whole. It replaces only a generated
// organization, and refuses any other directory with files.
func TestDemoDirNotItsOwn(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "thesis.tex")
	if err := os.WriteFile(precious, []byte("years of work"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &app{globals: &globals{}, log: slog.New(slog.DiscardHandler)}
	c := &demoCmd{demoOrgFlags: demoOrgFlags{Seed: 2, Days: 4}}
	_, err := c.files(context.Background(), a, dir, demo.Config{Seed: 2, Days: 4})
	if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), "--dir "+dir) {
		t.Errorf("files into a directory of other files: %v; want an invalid --dir naming it", err)
	}
	if _, err := os.Stat(precious); err != nil {
		t.Errorf("the directory's file: %v", err)
	}
	// A generated organization of another seed is replaced.
	old := filepath.Join(t.TempDir(), "org")
	if _, err := demo.Generate(context.Background(), demo.Config{Seed: 3, Days: 4}, old); err != nil {
		t.Fatal(err)
	}
	if m, err := c.files(context.Background(), a, old, demo.Config{Seed: 2, Days: 4}); err != nil || m.Seed != 2 {
		t.Errorf("a generated organization of another seed: %v", err)
	}
	if _, err := c.files(context.Background(), a, filepath.Join(t.TempDir(), "new"), demo.Config{Seed: 2, Days: 4}); err != nil {
		t.Errorf("a new directory: %v", err)
	}
}

// TestDemoReplacesAnotherOrganization: each day's demo organization ends
// at that day's midnight, so a restart the next day generates another.
// It was loaded over the one the database held, adding its pods and nodes
// to the old ones (a StatefulSet of 3 replicas showed 5.8). The embedded
// demo database is made anew for it; the same organization is kept.
func TestDemoReplacesAnotherOrganization(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded PostgreSQL")
	}
	ctx := context.Background()
	a := &app{globals: &globals{DataDir: pgtest.EmbeddedDataDir(t)}, log: slog.New(slog.DiscardHandler)}
	c := &demoCmd{}
	yesterday := &demo.Manifest{Seed: 1, Days: 90, Start: time.Date(2026, 8, 24, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
		Version: demo.ManifestVersion}
	today := *yesterday
	today.Start, today.End = today.Start.AddDate(0, 0, 1), today.End.AddDate(0, 0, 1)

	db, closeDB, err := c.openDB(ctx, a, yesterday)
	if err != nil {
		t.Fatal(err)
	}
	st := demoState{Seed: yesterday.Seed, Days: yesterday.Days, Start: yesterday.Start, End: yesterday.End, Version: yesterday.Version}
	if err := db.PutSetting(ctx, "demo", st, "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSetting(ctx, "marker", 1, "test"); err != nil {
		t.Fatal(err)
	}
	closeDB()

	for _, tc := range []struct {
		m          *demo.Manifest
		keepMarker bool
	}{{yesterday, true}, {&today, false}} {
		db, closeDB, err := c.openDB(ctx, a, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		var v int
		ok, err := db.Setting(ctx, "marker", &v)
		closeDB()
		if err != nil || ok != tc.keepMarker {
			t.Errorf("organization ending %s: the database's data kept %v (%v), want %v", tally.FormatDay(tc.m.End), ok, err, tc.keepMarker)
		}
	}
}

// TestDemoLoginNamesItsDataDir: the CLI line the demo prints when ready
// carries the --data-dir it runs on, when not the default, so that the
// command runs on its organization from another shell;
// `TALLY_DATA_DIR=/tmp/rmdemo tally demo` printed "tally --database
// tally_demo commitments status", which there reads the default data
// directory's server instead.
func TestDemoLoginNamesItsDataDir(t *testing.T) {
	for _, tc := range []struct{ dir, want string }{
		{"", "  CLI    tally --database tally_demo commitments status   (any command, on this organization)\n"},
		{"/tmp/rmdemo", "  CLI    tally --data-dir /tmp/rmdemo --database tally_demo commitments status   (any command, on this organization)\n"},
		{"/tmp/my demo's", `  CLI    tally --data-dir '/tmp/my demo'\''s' --database tally_demo commitments status   (any command, on this organization)` + "\n"},
	} {
		var out bytes.Buffer
		a := &app{globals: &globals{DataDir: tc.dir, Database: "tally"}, stdout: &out}
		a.printDemoLogin("http://localhost:8080", &web.DemoLogin{Email: demoEmail, Code: "c"}, "pw")
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("data dir %q:\n%s\nwant the line %q", tc.dir, out.String(), tc.want)
		}
	}
}
