package report_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
	"github.com/tallyhq/tally/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

// weeklyConfig is the fixture organization's configuration.
func weeklyConfig(t testing.TB) report.Config {
	t.Helper()
	c, err := report.ParseConfig("weekly.yaml", []byte(`
dashboard_url: https://tally.example.com
from: Tally <tally@example.com>
audiences:
  - name: org
    title: Example Corp
    recipients: [finops@example.com, cto@example.com]
    budget: 6500 USD
  - name: payments
    title: Payments team
    filter: label[team]:"payments"
    recipients: [payments-leads@example.com]
    budget: 1900 USD
`))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func weeklyDB(t testing.TB) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	fixture.WeeklyOrg(t, db)
	return db
}

func build(t testing.TB, db *postgres.DB, cfg report.Config, audience string) *report.Report {
	t.Helper()
	return buildBy(t, &report.Builder{Store: db, Config: cfg}, audience)
}

// buildBy builds audience's report of the fixture's report week with b,
// stamped at the fixture's now.
func buildBy(t testing.TB, b *report.Builder, audience string) *report.Report {
	t.Helper()
	aud, err := b.Config.Audience(audience)
	if err != nil {
		t.Fatal(err)
	}
	b.Now = func() time.Time { return fixture.WeeklyNow }
	r, err := b.Build(context.Background(), aud, report.WeekOf(fixture.WeeklyReport))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; got:\n%s\n(run go test ./report -update after checking the change)", name, diffHint(string(want), got))
	}
}

func diffHint(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) && i < len(gl); i++ {
		if wl[i] != gl[i] {
			return "line " + itoa(i+1) + ":\n- " + wl[i] + "\n+ " + gl[i]
		}
	}
	return "lengths differ"
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestWeeklyReport builds the fixture organization's reports and compares
// them with golden files, then renders the HTML in headless chromium.
func TestWeeklyReport(t *testing.T) {
	db := weeklyDB(t)
	cfg := weeklyConfig(t)
	org := build(t, db, cfg, "org")
	rendered, err := report.Render(org)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "weekly-org.html", rendered.HTML)
	golden(t, "weekly-org.txt", rendered.Text)
	checkOrg(t, org, rendered)

	pay := build(t, db, cfg, "payments")
	pr, err := report.Render(pay)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "weekly-payments.txt", pr.Text)
	checkTeam(t, pay, org)

	preview, err := report.PreviewHTML(org)
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, "weekly-org", preview)
}

func checkOrg(t *testing.T, r *report.Report, out *report.Rendered) {
	t.Helper()
	// The headline sums the days; the days are the bill (reconciled by attribution).
	var week tally.Money
	for _, d := range r.Daily[len(r.Daily)-7:] {
		week, _ = week.Add(d.Cost)
	}
	if !week.Equal(r.Spend.ThisWeek) {
		t.Errorf("this week %s, days sum to %s", r.Spend.ThisWeek, week)
	}
	movers := map[string]report.Mover{}
	for _, m := range r.Movers[0].Movers {
		movers[m.Name] = m
		sum, _ := m.Usage.Add(m.Price)
		sum, _ = sum.Add(m.Coverage)
		if !sum.Equal(m.Delta) {
			t.Errorf("%s: parts sum to %s, change is %s", m.Name, sum, m.Delta)
		}
	}
	// Each planted cause shows as the largest part of its workload's change.
	for name, part := range map[string]string{"shop/checkout": "usage", "search/indexer": "usage", "payments/ledger": "coverage", "search/query": "price"} {
		m, ok := movers[name]
		if !ok {
			t.Errorf("%s is not among the workload movers %v", name, r.Movers[0].Movers)
			continue
		}
		parts := map[string]float64{"usage": m.Usage.Float64(), "price": m.Price.Float64(), "coverage": m.Coverage.Float64()}
		for p, v := range parts {
			if p != part && v > parts[part] {
				t.Errorf("%s: %s %v exceeds %s %v", name, p, v, part, parts[part])
			}
		}
	}
	if len(r.Functions) == 0 || r.Functions[0].Function != "indexer.tokenize" {
		t.Errorf("functions %+v: want indexer.tokenize first", r.Functions)
	}
	found := false
	for _, a := range r.Anomalies {
		if a.Name == "data/etl" && a.Day.Equal(time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)) {
			found = true
		}
	}
	if !found {
		t.Errorf("anomalies %+v: want data/etl on Oct 15", r.Anomalies)
	}
	if len(r.Expiring) != 1 || r.Expiring[0].ID != "sp-compute-2025" || r.Expiring[0].DaysLeft != 17 {
		t.Errorf("expiring %+v: want sp-compute-2025 in 17 days", r.Expiring)
	}
	if r.Month.Forecast == nil || r.Rightsizing.Count != 1 || r.Commitments.Count != 1 {
		t.Errorf("forecast %v, right-sizing %d, commitments %d", r.Month.Forecast, r.Rightsizing.Count, r.Commitments.Count)
	}
	// Label text is escaped, and every image the HTML uses is attached.
	if strings.Contains(out.HTML, "<ml>") || !strings.Contains(out.HTML, "r&amp;d &#34;labs&#34; &lt;ml&gt;") {
		t.Error("the team label is not escaped in the HTML")
	}
	for _, im := range out.Images {
		if !strings.Contains(out.HTML, `src="cid:`+im.ContentID+`"`) {
			t.Errorf("image %s is not referenced", im.ContentID)
		}
	}
	if strings.Contains(strings.ToLower(out.HTML), "<script") || strings.Contains(out.HTML, "<style") {
		t.Error("the email has a script or style element")
	}
}

func checkTeam(t *testing.T, pay, org *report.Report) {
	t.Helper()
	if c, _ := pay.Spend.ThisWeek.Cmp(org.Spend.ThisWeek); c >= 0 || pay.Spend.ThisWeek.IsZero() {
		t.Errorf("payments %s vs organization %s", pay.Spend.ThisWeek, org.Spend.ThisWeek)
	}
	for _, set := range pay.Movers {
		for _, m := range set.Movers {
			if strings.HasPrefix(m.Name, "__") || (set.Dimension == "namespace" && m.Name != "payments") {
				t.Errorf("payments report shows %s %s", set.Dimension, m.Name)
			}
		}
	}
	if pay.Month.Forecast == nil || pay.Month.Forecast.Share <= 0 || pay.Month.Forecast.Share >= 1 {
		t.Errorf("payments forecast %+v: want the organization's scaled by its share", pay.Month.Forecast)
	}
	if pay.ExpiringAvailable || pay.Commitments.Available {
		t.Error("a team report lists commitments")
	}
}

// screenshot renders html with headless chromium into test-output/NAME.png.
func screenshot(t *testing.T, name string, html []byte) {
	t.Helper()
	chromium := findChromium(t)
	dir, err := filepath.Abs(filepath.Join("..", "test-output"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, name+".html")
	png := filepath.Join(dir, name+".png")
	if err := os.WriteFile(page, html, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(png)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir="+t.TempDir(), "--window-size=700,3400",
		"--screenshot="+png, "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	st, err := os.Stat(png)
	if err != nil || st.Size() < 20000 {
		t.Fatalf("screenshot %s: %v (size %d)", png, err, sizeOf(st))
	}
	t.Logf("rendered %s (%d bytes)", png, st.Size())
}

// findChromium returns the path of chromium, or skips the test without it
// (fails it with CI=true).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is missing (apt-get install chromium; scripts/install-deps.sh installs it)")
	}
	t.Skip("chromium is not installed: skipping the visual check (apt-get install chromium)")
	return ""
}

func sizeOf(st os.FileInfo) int64 {
	if st == nil {
		return 0
	}
	return st.Size()
}

// TestSpendMatchesBuild: the subject line from Spend (what the dashboard's
// Reports page asks for) is the full report's, for each audience.
func TestSpendMatchesBuild(t *testing.T) {
	db := weeklyDB(t)
	cfg := weeklyConfig(t)
	for _, name := range []string{"org", "payments"} {
		aud, err := cfg.Audience(name)
		if err != nil {
			t.Fatal(err)
		}
		b := &report.Builder{Store: db, Config: cfg, Now: func() time.Time { return fixture.WeeklyNow }}
		r, err := b.Spend(context.Background(), aud, report.WeekOf(fixture.WeeklyReport))
		if err != nil {
			t.Fatal(err)
		}
		full := build(t, db, cfg, name)
		if got, want := report.Subject(r), report.Subject(full); got != want {
			t.Errorf("%s: Spend's subject %q, Build's %q", name, got, want)
		}
		if r.Spend != full.Spend || len(r.Daily) != len(full.Daily) {
			t.Errorf("%s: Spend's spend %+v (%d days), Build's %+v (%d days)", name, r.Spend, len(r.Daily), full.Spend, len(full.Daily))
		}
	}
}

// TestExpiringAllUpfrontReservation: an expiring commitment's hourly and
// monthly cost is what it costs, its upfront fee spread over its term as
// the commitments status counts it; an All Upfront Reserved Instance (no
// hourly commitment, no recurring fee) was listed as expiring at 0 an hour
// and 0 a month.
func TestExpiringAllUpfrontReservation(t *testing.T) {
	db := weeklyDB(t)
	end := fixture.WeeklyNow.Add(20 * 24 * time.Hour).Truncate(time.Hour)
	ri := tally.Commitment{BillingAccountID: "111111111111", ID: "ri-all-upfront", Provider: tally.ProviderAWS, Kind: tally.CommitReserved,
		Scope: map[string]string{"region": "us-east-1", "instanceType": "m5.xlarge"}, TermMonths: 12, Start: end.Add(-8760 * time.Hour), End: end,
		PaymentOption: "All Upfront", Quantity: 1, UpfrontFee: tally.MustParseMoney("876", "USD"), State: "active", Source: "aws-api"}
	if err := db.UpsertCommitments(context.Background(), []tally.Commitment{ri}); err != nil {
		t.Fatal(err)
	}
	r := build(t, db, weeklyConfig(t), "org")
	for _, e := range r.Expiring {
		if e.ID != ri.ID {
			continue
		}
		if !e.Hourly.Equal(tally.MustParseMoney("0.1", "USD")) || !e.Monthly.Equal(tally.MustParseMoney("73", "USD")) {
			t.Errorf("expiring %s: %s an hour, %s a month; want 0.1 and 73 (876 over 8,760 hours)", e.ID, e.Hourly, e.Monthly)
		}
		return
	}
	t.Errorf("expiring %+v: want %s", r.Expiring, ri.ID)
}

// moneyCell reads an amount as the report writes it ("+$1,204", "-$87.40",
// "$0.00") in USD.
func moneyCell(t *testing.T, s string) tally.Money {
	t.Helper()
	m, err := tally.ParseMoney(strings.NewReplacer("$", "", ",", "").Replace(s), "USD")
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return m
}

// TestMoverPartsAddUpAsPrinted: in the text of the fixture organization's
// and team's reports, every mover's usage, price and coverage add up to its
// change as printed. They were rounded to the cent each on its own: the
// organization's __idle__ read "+$26.79 = -$44.33 + $58.39 + $12.72"
// (26.78).
func TestMoverPartsAddUpAsPrinted(t *testing.T) {
	db := weeklyDB(t)
	cfg := weeklyConfig(t)
	// "  name [n]  this week  change  (ratio)  usage  price  coverage"
	row := regexp.MustCompile(`^  .* \[\d+\]\s+\S+\s+(\S+)\s+\(\S+\)\s+(\S+)\s+(\S+)\s+(\S+)$`)
	for _, audience := range []string{"org", "payments"} {
		r := build(t, db, cfg, audience)
		// The model too: its parts to the cent add up to its change to the cent.
		for _, set := range r.Movers {
			for _, m := range set.Movers {
				sum := m.Usage.Round(2)
				sum, _ = sum.Add(m.Price.Round(2))
				sum, _ = sum.Add(m.Coverage.Round(2))
				if !sum.Equal(m.Delta.Round(2)) {
					t.Errorf("%s %s: %s = %s + %s + %s to the cent", audience, m.Name, m.Delta, m.Usage, m.Price, m.Coverage)
				}
			}
		}
		out, err := report.Render(r)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for _, l := range strings.Split(out.Text, "\n") {
			m := row.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			rows++
			sum := tally.Zero("USD")
			for _, p := range m[2:] {
				sum, _ = sum.Add(moneyCell(t, p))
			}
			if change := moneyCell(t, m[1]); !sum.Equal(change) {
				t.Errorf("%s: %q: the parts add up to %s, not %s", audience, l, sum.Decimal(), change.Decimal())
			}
		}
		if rows < 2 {
			t.Errorf("%s: %d mover rows found in the text, want at least 2:\n%s", audience, rows, out.Text)
		}
	}
}

// TestExpiringEstimatedEndFromBill: a commitment whose start Tally
// estimated (tally.Commitment.StartEstimated) expires with its end marked
// an estimate; one the bill dates does not.
func TestExpiringEstimatedEndFromBill(t *testing.T) {
	db := weeklyDB(t)
	end := fixture.WeeklyNow.Add(20 * 24 * time.Hour).Truncate(time.Hour)
	cud := tally.Commitment{BillingAccountID: "111111111111", ID: "cud-estimated", Provider: tally.ProviderGCP, Kind: tally.CommitCUDFlexible,
		Scope: map[string]string{"region": "us-central1"}, TermMonths: 12, Start: end.Add(-8760 * time.Hour), End: end,
		HourlyCommitment: tally.MustParseMoney("1", "USD"), State: "active", Source: "gcp-billing", StartEstimated: true}
	if err := db.UpsertCommitments(context.Background(), []tally.Commitment{cud}); err != nil {
		t.Fatal(err)
	}
	r := build(t, db, weeklyConfig(t), "org")
	got := map[string]bool{}
	for _, e := range r.Expiring {
		got[e.ID] = e.EndEstimated
	}
	if est, ok := got[cud.ID]; !ok || !est || got["sp-compute-2025"] {
		t.Errorf("expiring %+v: want %s's end estimated and sp-compute-2025's not", r.Expiring, cud.ID)
	}
}
