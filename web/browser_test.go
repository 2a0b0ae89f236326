package web_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/forecast"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/internal/prereq"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/web"
)

// chromium is Debian's browser, which the browser tests drive.
const chromium = "/usr/bin/chromium"

// requireBrowser returns node's path, or skips (fails under CI=true) without
// chromium, node or web/ui's node_modules.
func requireBrowser(t *testing.T) string {
	t.Helper()
	missing := func(what string) { prereq.Unmet(t, "%s; make test installs it", what) }
	if _, err := os.Stat(chromium); err != nil {
		missing("chromium is not installed (apt-get install chromium)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed (apt-get install nodejs npm)")
	}
	if _, err := os.Stat("ui/node_modules/playwright-core"); err != nil {
		missing("web/ui/node_modules is missing: run `make ui-deps` (npm ci in web/ui)")
	}
	if _, err := os.Stat("ui/dist/index.html"); err != nil {
		missing("web/ui/dist is missing: run `make ui`")
	}
	return node
}

// orgServer stores fixture.Org in a fresh database and serves it with the
// built dashboard from web/ui/dist, its clock at the end of the history. It
// returns the server and the database.
func orgServer(t *testing.T, org fixture.Org, options ...func(*web.Config, *postgres.DB)) (*httptest.Server, *postgres.DB) {
	t.Helper()
	db := pgtest.New(t)
	start := time.Now()
	if err := org.Store(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("stored and attributed %d days of the organization in %v", org.Days, time.Since(start).Round(time.Millisecond))
	return serveDB(t, db, func() time.Time { return org.End().Add(-time.Minute) }, options...), db
}

// serveDB serves db's allocations, functions, recommendations and settings
// (and what each option adds to the configuration) as of now.
func serveDB(t *testing.T, db *postgres.DB, now func() time.Time, options ...func(*web.Config, *postgres.DB)) *httptest.Server {
	t.Helper()
	cfg := web.Config{Readiness: db, Allocations: db, Functions: db, Metrics: db, Recommendations: db,
		Auth: db, Tokens: db, Users: db, Settings: db, Status: db, UI: os.DirFS("ui/dist"), Now: now}
	for _, o := range options {
		o(&cfg, db)
	}
	srv := httptest.NewServer(web.NewServer(cfg))
	t.Cleanup(srv.Close)
	return srv
}

// commitmentsServer serves the commitments of two billing accounts, one
// billed in USD with a Savings Plan and a Reserved Instance, one in EUR,
// with admin@example.com signed up. Its recommendations are in both
// currencies too: container right-sizing in clusters billed in USD (one
// that costs $40 a month more) and in EUR, and a Savings Plan purchase in EUR for account 333, which has no
// bill yet (its commitments view has no currency of its own). Account 444
// has no bill either, and an All Upfront Reserved Instance read from the
// AWS API: no hourly commitment, an hourly cost of $1 (its fee over the term).
func commitmentsServer(t *testing.T) *httptest.Server {
	t.Helper()
	db := pgtest.New(t)
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	web.LoadCommitmentBill(t, db, start)
	web.LoadEURBill(t, db, start)
	storeTwoCurrencyRecommendations(t, db, start)
	createUser(t, db, "admin@example.com", "correct horse battery", tally.RoleAdmin)
	srv := httptest.NewServer(web.NewServer(web.Config{Readiness: db, Commitments: db, Recommendations: db, Auth: db,
		UI: os.DirFS("ui/dist"), Now: func() time.Time { return start.Add(48 * time.Hour) }}))
	t.Cleanup(srv.Close)
	return srv
}

// estimatesServer serves fixture.OneNode's node and pod for two days from
// fixture.Day1, with the bill of the first day only: the second day's
// node-hours are estimated from the catalog (24 estimated hours). The node
// and pod then end, and the 30 hours after them are attributed empty, as
// the scheduler does every hour, so the newest attributed hour (Day1 + 77 h)
// is 30 hours after the newest with costs (Day1 + 47 h). Its clock is half
// an hour after the last attributed hour; admin@example.com is signed up.
// It returns the server and the database.
func estimatesServer(t *testing.T) (*httptest.Server, *postgres.DB) {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	fixture.OneNode(t, db, 24)
	end := fixture.Day1.Add(48 * time.Hour)
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n1", Name: "n1", InstanceID: "i-1", InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
		ValidFrom: fixture.Day1.Add(-time.Hour), ValidTo: end}}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-1", UID: "p1"}, NodeName: "n1",
		OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: fixture.Day1.Add(-time.Hour), ValidTo: end,
		Labels:     map[string]string{"app": "api", "team": "<script>alert(1)</script>"},
		Containers: []tally.Container{{Name: "api", Image: "shop/api:1.0", CPURequest: 1, MemoryRequest: 4 << 30}}}}); err != nil {
		t.Fatal(err)
	}
	last := end.Add(30 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return last }}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: last}, false); err != nil {
		t.Fatal(err)
	}
	createUser(t, db, "admin@example.com", "correct horse battery", tally.RoleAdmin)
	return serveDB(t, db, func() time.Time { return last.Add(30 * time.Minute) }), db
}

// storeTwoCurrencyRecommendations stores the recommendations commitmentsServer
// describes, and account 444's Reserved Instance.
func storeTwoCurrencyRecommendations(t *testing.T, db *postgres.DB, created time.Time) {
	t.Helper()
	ctx := context.Background()
	container := func(target, savings string, cur tally.Currency) tally.Recommendation {
		return tally.Recommendation{Kind: tally.RecommendContainer, Target: target, CreatedAt: created,
			MonthlySavings: tally.MustParseMoney(savings, cur),
			Current:        json.RawMessage(`{"cpuRequestCores": 2, "memoryRequestBytes": 4294967296}`),
			Recommended:    json.RawMessage(`{"cpuRequestCores": 1, "memoryRequestBytes": 2147483648}`),
			Risk:           json.RawMessage(`{"confidenceDays": 14}`), Explanation: "p95 usage over 14 days"}
	}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendContainer, []tally.Recommendation{
		container("us-prod/shop/api/app", "1200", "USD"), container("us-prod/shop/web/app", "30", "USD"),
		container("us-prod/shop/db/app", "-40", "USD"), container("eu-prod/shop/api/app", "10", "EUR")}); err != nil {
		t.Fatal(err)
	}
	sp := tally.Recommendation{Kind: tally.RecommendCommitment, Target: "333/aws/compute", CreatedAt: created,
		MonthlySavings: tally.MustParseMoney("150", "EUR"),
		Recommended:    json.RawMessage(`{"offer": {"provider": "aws", "kind": "compute-savings-plan", "termMonths": 12, "paymentOption": "No Upfront"}, "purchaseHourly": {"amount": "2.5", "currency": "EUR"}}`),
		Risk:           json.RawMessage(`{"p10": {"amount": "1200", "currency": "EUR"}, "p90": {"amount": "2400", "currency": "EUR"}}`),
		Explanation:    "steady compute in eu-west-1"}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendCommitment, []tally.Recommendation{sp}); err != nil {
		t.Fatal(err)
	}
	ri := tally.Commitment{BillingAccountID: "444", ID: "ri-0a1b2c", Provider: "aws", Kind: tally.CommitReserved,
		Scope: map[string]string{"region": "us-east-1", "instanceType": "m5.xlarge"}, TermMonths: 12,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		PaymentOption: "All Upfront", Quantity: 1, UpfrontFee: tally.MustParseMoney("8760", "USD"), State: "active", Source: "aws-api"}
	if err := db.UpsertCommitments(ctx, []tally.Commitment{ri}); err != nil {
		t.Fatal(err)
	}
}

// withSpendForecasts forecasts each billing account's daily spend from the
// stored bill as of now (no lag, two weeks ahead) and serves the forecasts.
func withSpendForecasts(t *testing.T, now time.Time) func(*web.Config, *postgres.DB) {
	return func(cfg *web.Config, db *postgres.DB) {
		if _, err := forecast.ForecastSpend(context.Background(), db, forecast.SpendOptions{Scopes: []string{"spend/account"}, Horizon: 14, Now: now}); err != nil {
			t.Fatal(err)
		}
		cfg.Forecasts = db
	}
}

// spendForecast is a stored daily spend forecast of account, billed in
// cur, for 14 days from start: mean a day, its 80% range ±spread.
func spendForecast(account string, cur tally.Currency, start time.Time, mean, spread float64) tally.Forecast {
	var pts []tally.ForecastPoint
	for d := range 14 {
		pts = append(pts, tally.ForecastPoint{T: start.AddDate(0, 0, d), Mean: mean, Lo80: mean - spread, Hi80: mean + spread,
			Lo95: mean - 2*spread, Hi95: mean + 2*spread})
	}
	return tally.Forecast{Scope: "spend/account/" + account, CreatedAt: start, Granularity: "day", Model: "ets", HistoryEnd: start,
		Points: pts, Params: json.RawMessage(`{"currency":"` + string(cur) + `"}`), Accuracy: json.RawMessage(`{}`)}
}

// moreForecasts serves a database's forecasts and, for every prefix they
// match, more of other accounts.
type moreForecasts struct {
	*postgres.DB
	more []tally.Forecast
}

func (m moreForecasts) LatestForecasts(ctx context.Context, prefix string) ([]tally.Forecast, error) {
	fs, err := m.DB.LatestForecasts(ctx, prefix)
	for _, f := range m.more {
		if strings.HasPrefix(f.Scope, prefix) {
			fs = append(fs, f)
		}
	}
	return fs, err
}

// linkReport is a weekly report whose email links to the dashboard, as
// every report's does.
type linkReport struct{}

func (linkReport) WeeklyPreview(ctx context.Context, audience, week string, text bool) ([]byte, error) {
	return []byte(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Tally weekly</title>
</head>
<body><p>The week: <a href="/allocations?aggregate=namespace&amp;window=7d">open the week in Tally</a></p></body>
</html>
`), nil
}

func (linkReport) WeeklySubject(ctx context.Context, audience, week string) (string, string, error) {
	return "2026-10-12", "Tally weekly · Oct 12–18, 2026", nil
}

// createUser stores a user with password and role.
func createUser(t *testing.T, db *postgres.DB, email, password, role string) {
	t.Helper()
	hash, err := web.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(context.Background(), tally.User{Email: email, Role: role, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
}

// TestDashboardInBrowser drives Debian's chromium through every page with
// playwright-core (web/ui/e2e/dashboard.mjs): sign-in, each page rendering
// with no console errors, drill-down from namespace to container, flamegraph
// click-through and diffs, CSV export, the XSS label shown as text, empty
// (with a cluster without a billing account, its XSS name shown as text),
// not-available and API-down states, the commitments of accounts billed in
// two currencies, spend forecasts of accounts billed in two currencies and
// of two accounts in one (with charges billed for a month at once),
// charts' numbers as tables, costs estimated from
// the catalog marked, complete days ending at the last hour with costs
// (not the last attributed), an unknown page,
// settings, sign-out. Screenshots of
// every page go to test-output/ at the repository root.
func TestDashboardInBrowser(t *testing.T) {
	node := requireBrowser(t)
	org := fixture.Org{Start: fixture.Day1, Days: 16, Scale: 1}
	srv, db := orgServer(t, org, withSpendForecasts(t, org.End()), func(cfg *web.Config, _ *postgres.DB) { cfg.Reports = linkReport{} })
	createUser(t, db, "admin@example.com", "correct horse battery", tally.RoleAdmin)
	// Account 222 is billed in EUR: its forecast is not added to the
	// overview's USD chart. A second server has a second USD account.
	if err := db.SaveForecast(context.Background(), spendForecast("222", "EUR", org.End(), 500, 40)); err != nil {
		t.Fatal(err)
	}
	// Its forecast includes 300 USD a month of charges billed for the month
	// at once, 120 of them for the month's days to date not billed yet.
	second := spendForecast("112", "USD", org.End(), 40, 8)
	second.Params = json.RawMessage(`{"currency":"USD","periodCharges":{"perMonth":300,"fromMonths":["2026-09"],"month":"` +
		org.End().Format("2006-01") + `","billed":0,"pending":120}}`)
	twoAccounts := serveDB(t, db, func() time.Time { return org.End().Add(-time.Minute) }, func(cfg *web.Config, db *postgres.DB) {
		cfg.Forecasts = moreForecasts{DB: db, more: []tally.Forecast{second}}
	})
	empty := pgtest.New(t)
	createUser(t, empty, "admin@example.com", "correct horse battery", tally.RoleAdmin)
	// A cluster registered (its name a script, shown as text) but not
	// billed yet, so without a billing account.
	if err := empty.UpsertCluster(context.Background(), tally.Cluster{ID: "<script>alert(1)</script>", Name: "staging", Provider: "aws"}); err != nil {
		t.Fatal(err)
	}
	emptySrv := serveDB(t, empty, nil)
	commitSrv := commitmentsServer(t)
	estimatesSrv, _ := estimatesServer(t)

	out, err := filepath.Abs("../test-output")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/dashboard.mjs")
	cmd.Dir = "ui"
	cmd.Env = append(os.Environ(), "TALLY_URL="+srv.URL, "TALLY_EMPTY_URL="+emptySrv.URL, "TALLY_COMMITMENTS_URL="+commitSrv.URL, "TALLY_TWO_ACCOUNTS_URL="+twoAccounts.URL,
		"TALLY_ESTIMATES_URL="+estimatesSrv.URL, "TALLY_EMAIL=admin@example.com",
		"TALLY_PASSWORD=correct horse battery", "TALLY_OUT="+out, "CHROMIUM="+chromium)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	err = cmd.Run()
	t.Log("\n" + logs.String())
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
