package web

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// loadCommitmentBill stores 48 hours of one account's bill: $10/h of
// on-demand-equivalent EC2 usage, $8 of it covered by a $6/h Savings Plan
// that is fully used, and a Reserved Instance whose $48 fee for the two
// days is one line, $12 of it unused.
func loadCommitmentBill(t *testing.T, db *postgres.DB, start time.Time) {
	ctx := context.Background()
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	month := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	line := func(h int, hours int, cat tally.ChargeCategory, list, eff string, id string, st tally.CommitmentStatus) tally.CostLine {
		s := start.Add(time.Duration(h) * time.Hour)
		return tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: "111", BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0),
			ChargePeriodStart: s, ChargePeriodEnd: s.Add(time.Duration(hours) * time.Hour), ChargeCategory: cat,
			BilledCost: usd(eff), EffectiveCost: usd(eff), ListCost: usd(list), ContractedCost: usd(eff), ServiceName: "Amazon EC2",
			ServiceCategory: "Compute", RegionID: "us-east-1", ChargeDescription: "m5.xlarge", CommitmentDiscountID: id, CommitmentDiscountStatus: st,
			Extras: map[string]string{"x_InstanceType": "m5.xlarge"}}
	}
	const sp, ri = "arn:aws:savingsplans::111:savingsplan/sp1", "arn:aws:ec2:us-east-1:111:reserved-instances/ri1"
	var lines []tally.CostLine
	for h := range 48 {
		cov := line(h, 1, tally.ChargeUsage, "8", "6", sp, tally.CommitmentUsed)
		cov.CommitmentDiscountType = "Savings Plan"
		lines = append(lines, cov, line(h, 1, tally.ChargeUsage, "2", "2", "", ""))
	}
	fee := line(0, 48, tally.ChargePurchase, "12", "12", ri, tally.CommitmentUnused)
	fee.CommitmentDiscountType, fee.ServiceCategory = "Reserved Instance", ""
	lines = append(lines, fee)
	seq := iter.Seq2[*tally.CostLine, error](func(yield func(*tally.CostLine, error) bool) {
		for i := range lines {
			if !yield(&lines[i], nil) {
				return
			}
		}
	})
	if _, err := db.ReplaceBillingPeriod(ctx, tally.BillingPeriodKey{BillingAccountID: "111", Start: month, Source: "focus"}, run, seq); err != nil {
		t.Fatal(err)
	}
}

// loadEURBill stores account 222's bill: one hour, at start, of €5 of EC2
// usage on demand.
// viewerGet stores a viewer's API token in db and returns a GET of s with
// it: the status and body of url.
func viewerGet(t *testing.T, db *postgres.DB, s http.Handler) func(url string) (int, []byte) {
	t.Helper()
	secret, tok := NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return func(url string) (int, []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		s.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
}

func loadEURBill(t *testing.T, db *postgres.DB, start time.Time) {
	ctx := context.Background()
	month := tally.MonthStart(start)
	eur := tally.MustParseMoney("5", "EUR")
	l := tally.CostLine{Provider: tally.ProviderAWS, BillingAccountID: "222", BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0),
		ChargePeriodStart: start, ChargePeriodEnd: start.Add(time.Hour), ChargeCategory: tally.ChargeUsage, BilledCost: eur, EffectiveCost: eur,
		ListCost: eur, ContractedCost: eur, ServiceName: "Amazon EC2", ServiceCategory: "Compute", RegionID: "eu-west-1",
		Extras: map[string]string{"x_InstanceType": "m5.xlarge"}}
	run, err := db.StartIngestRun(ctx, "focus", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplaceBillingPeriod(ctx, tally.BillingPeriodKey{BillingAccountID: "222", Start: month, Source: "focus"}, run,
		func(yield func(*tally.CostLine, error) bool) { yield(&l, nil) }); err != nil {
		t.Fatal(err)
	}
}

func TestCommitmentsAPI(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	now := start.Add(48 * time.Hour)
	loadCommitmentBill(t, db, start)
	if _, err := db.LogCommitmentAction(ctx, commitments.Action{BillingAccountID: "111", Action: commitments.ActionDryRun,
		Status: commitments.StatusOK, Provider: "aws", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return now }})
	secret, tok := NewToken()
	tok.Kind, tok.Role, tok.Name = tally.TokenAPI, tally.RoleViewer, "test"
	if _, err := db.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	get := func(url string, auth bool, into any) int {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		s.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK && into != nil {
			if err := json.Unmarshal(rec.Body.Bytes(), into); err != nil {
				t.Fatalf("GET %s: %v", url, err)
			}
		}
		return rec.Code
	}
	if code := get("/api/v1/commitments/status", false, nil); code != http.StatusUnauthorized {
		t.Fatalf("without a token: %d", code)
	}
	var st commitments.Status
	if code := get("/api/v1/commitments/status?window=2026-11-10T00:00:00Z,2026-11-12T00:00:00Z&step=hour&account=111", true, &st); code != http.StatusOK {
		t.Fatalf("status: %d", code)
	}
	// Coverage 8/10; utilization: $288 used of $288 + $12 unused; ESR
	// 1 − (6·48 + 2·48 + 12)/(10·48) = 17.5%. The RI fee is spread over
	// the 48 hours ($0.25 each).
	tot := st.Totals
	if len(st.Series) != 48 || tot.Coverage == nil || *tot.Coverage != 0.8 || tot.Utilization == nil || *tot.Utilization != 0.96 ||
		tot.ESR == nil || *tot.ESR < 0.17499 || *tot.ESR > 0.17501 || !st.Series[5].Unused.Equal(tally.MustParseMoney("0.25", "USD")) {
		t.Fatalf("status %d steps, totals %+v, hour 5 %+v", len(st.Series), tot, st.Series[5])
	}
	var inv inventoryResponse
	if code := get("/api/v1/commitments/inventory", true, &inv); code != http.StatusOK || len(inv.Commitments) != 2 || inv.LockInMonths <= 0 {
		t.Fatalf("inventory: %d %+v", code, inv)
	}
	// The SP's $6 an hour; the RI's one $12 line covers 48 hours: $0.25 an hour.
	for _, h := range inv.Commitments {
		want := map[string]string{"sp1": "6 USD", "ri1": "0.25 USD"}[h.ID[strings.LastIndex(h.ID, "/")+1:]]
		if h.HourlyCost.String() != want {
			t.Errorf("inventory: %s costs %s an hour, want %s", h.ID, h.HourlyCost, want)
		}
	}
	var exp expiriesResponse
	if code := get("/api/v1/commitments/expiries", true, &exp); code != http.StatusOK || len(exp.Expiries) == 0 {
		t.Fatalf("expiries: %d %+v", code, exp)
	}
	var recs commitmentRecommendationsResponse
	if code := get("/api/v1/commitments/recommendations", true, &recs); code != http.StatusOK || recs.Recommendations == nil {
		t.Fatalf("recommendations: %d %+v", code, recs)
	}
	var acts struct{ Actions []commitments.Action }
	if code := get("/api/v1/commitments/actions?limit=5", true, &acts); code != http.StatusOK || len(acts.Actions) != 1 || acts.Actions[0].Action != commitments.ActionDryRun {
		t.Fatalf("actions: %d %+v", code, acts)
	}
	for _, bad := range []string{"/api/v1/commitments/actions?limit=0", "/api/v1/commitments/status?step=week", "/api/v1/commitments/status?window=90d&step=hour"} {
		if code := get(bad, true, nil); code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, code)
		}
	}
	// Without a store the routes are not mounted.
	s = NewServer(Config{Readiness: readiness{}, Auth: db})
	if code := get("/api/v1/commitments/status", true, nil); code != http.StatusNotFound {
		t.Errorf("unmounted: %d", code)
	}
}

// TestCommitmentsAPIBillsInTwoCurrencies: with one account billed in USD and
// one in EUR, the all-accounts status the dashboard asks for cannot add
// their bills up: a 400 that says why and how to select one account, not a
// 500; one account's status is answered in its currency.
func TestCommitmentsAPIBillsInTwoCurrencies(t *testing.T) {
	db := pgtest.New(t)
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	loadEURBill(t, db, start)
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	get := viewerGet(t, db, s)
	for _, url := range []string{"/api/v1/commitments?window=90d", "/api/v1/commitments/status?window=7d"} {
		code, body := get(url)
		var e errorBody
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("GET %s: %d %s", url, code, body)
		}
		if code != http.StatusBadRequest || e.Code != tally.EInvalid || !strings.Contains(e.Message, "bills in EUR and USD") ||
			!strings.Contains(e.Message, "?account=") {
			t.Errorf("GET %s: %d %+v; want 400 naming the currencies and ?account=", url, code, e)
		}
	}
	var sum commitmentSummary
	code, body := get("/api/v1/commitments?window=90d&account=222")
	if err := json.Unmarshal(body, &sum); code != http.StatusOK || err != nil || sum.Currency != "EUR" {
		t.Errorf("one EUR account: %d %s", code, body)
	}
	// The accounts to choose from, for the dashboard's picker, each with
	// the currency it is billed in (the dashboard names them).
	var accts struct {
		Accounts []struct {
			ID       string
			Currency string
		}
	}
	code, body = get("/api/v1/commitments/accounts")
	if err := json.Unmarshal(body, &accts); code != http.StatusOK || err != nil || len(accts.Accounts) != 2 ||
		accts.Accounts[0].ID != "111" || accts.Accounts[1].ID != "222" ||
		accts.Accounts[0].Currency != "USD" || accts.Accounts[1].Currency != "EUR" {
		t.Errorf("accounts: %d %s, want 111 in USD and 222 in EUR", code, body)
	}
}

// TestCommitmentsAPIUnknownAccount: an account Tally knows nothing of (a
// typo, an id from another installation) is a 404 naming it on every route
// that takes ?account=, not an empty portfolio that reads as an account
// without commitments; an account with a bill and one with only synced
// commitments are answered.
func TestCommitmentsAPIUnknownAccount(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	now := start.Add(48 * time.Hour)
	loadCommitmentBill(t, db, start)
	if err := db.UpsertCommitments(ctx, []tally.Commitment{{BillingAccountID: "333", ID: "arn:aws:savingsplans::333:savingsplan/sp3",
		Provider: tally.ProviderAWS, Kind: tally.CommitComputeSP, TermMonths: 12, Start: start, End: start.AddDate(1, 0, 0),
		PaymentOption: "No Upfront", HourlyCommitment: tally.MustParseMoney("1", "USD"), RecurringHourlyFee: tally.MustParseMoney("1", "USD"),
		State: "active", Source: "aws"}}); err != nil {
		t.Fatal(err)
	}
	// 555 has a recommendation only (its bill since deleted).
	if err := db.ReplaceRecommendations(ctx, tally.RecommendCommitment, []tally.Recommendation{{Kind: tally.RecommendCommitment,
		Target: "555/aws/compute-savings-plan", CreatedAt: start, MonthlySavings: tally.MustParseMoney("1", "USD"),
		Current: json.RawMessage(`{}`), Recommended: json.RawMessage(`{}`), Risk: json.RawMessage(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return now }})
	get := viewerGet(t, db, s)
	for _, route := range []string{"/api/v1/commitments", "/api/v1/commitments/status", "/api/v1/commitments/inventory",
		"/api/v1/commitments/expiries", "/api/v1/commitments/recommendations"} {
		code, body := get(route + "?account=bogus")
		var e errorBody
		if err := json.Unmarshal(body, &e); err != nil || code != http.StatusNotFound || e.Code != tally.ENotFound ||
			!strings.Contains(e.Message, `"bogus"`) {
			t.Errorf("GET %s?account=bogus: %d %s; want 404 naming the account", route, code, body)
		}
		for _, known := range []string{"111", "333", "555"} {
			if code, body := get(route + "?account=" + known); code != http.StatusOK {
				t.Errorf("GET %s?account=%s: %d %s", route, known, code, body)
			}
		}
	}
}

// TestCommitmentsSummaryP50IsTheMedian: the dashboard's P50 column of a
// recommendation's monthly savings is the median over the forecast paths,
// not the mean: a mean pulled down by one bad path in a few fell below P10
// and read as the middle of the range (here 50 a month against P10 100).
// buyingPlan is a plan that buys $1/h of a 1-year Compute Savings Plan,
// saving $1,200 to $1,440 over the term (median $1,320).
func buyingPlan() commitments.PoolPlan {
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	return commitments.PoolPlan{Pool: "aws/compute-savings-plan", Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12,
		Payment: "No Upfront"}, TargetHourly: usd("1"), PurchaseHourly: usd("1"), Monthly: usd("50"),
		Savings:       commitments.Evaluation{ExpectedSavings: 600, P10: 1200, P90: 1440, Worst: -9000},
		MedianSavings: 1320}
}

func TestCommitmentsSummaryP50IsTheMedian(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	rec, err := buyingPlan().Recommendation("111", start)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendCommitment, []tally.Recommendation{rec}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	code, body := viewerGet(t, db, s)("/api/v1/commitments?account=111")
	var sum commitmentSummary
	if err := json.Unmarshal(body, &sum); err != nil || code != http.StatusOK || len(sum.Recommendations) != 1 {
		t.Fatalf("GET /api/v1/commitments: %d %s", code, body)
	}
	if got := sum.Recommendations[0].MonthlySavings; got.P10 != "100" || got.P50 != "110" || got.P90 != "120" {
		t.Errorf("monthly savings %+v, want P10 100, P50 110 (the median), P90 120", got)
	}
}

// TestCommitmentActionsOfAnAccount: GET /api/v1/commitments/actions?account=A
// answers A's actions only (it ignored account and answered every
// account's, another account's purchases among them); an account Tally
// does not know is a 404.
func TestCommitmentActionsOfAnAccount(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	for _, acct := range []string{"111", "999", "111"} {
		if _, err := db.LogCommitmentAction(ctx, commitments.Action{BillingAccountID: acct, Action: commitments.ActionPurchase,
			Status: commitments.StatusOK, Provider: "aws", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	get := viewerGet(t, db, s)
	for _, c := range []struct {
		account string
		n       int
	}{{"", 3}, {"111", 2}, {"999", 1}} {
		var acts struct{ Actions []commitments.Action }
		code, body := get("/api/v1/commitments/actions?account=" + c.account)
		if err := json.Unmarshal(body, &acts); err != nil || code != http.StatusOK || len(acts.Actions) != c.n {
			t.Errorf("account %q: %d %s; want %d actions", c.account, code, body, c.n)
		}
		for _, a := range acts.Actions {
			if c.account != "" && a.BillingAccountID != c.account {
				t.Errorf("account %q: an action of %s", c.account, a.BillingAccountID)
			}
		}
	}
	if code, body := get("/api/v1/commitments/actions?account=bogus"); code != http.StatusNotFound {
		t.Errorf("unknown account: %d %s, want 404", code, body)
	}
}

// TestCommitmentStatusWholeHours: a status window whose bounds fall inside
// hours answers the whole hours it touches and says so; from 00:30 to
// 02:30 it answered the hours 01 and 02, labelled from 00:30.
func TestCommitmentStatusWholeHours(t *testing.T) {
	db := pgtest.New(t)
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	code, body := viewerGet(t, db, s)("/api/v1/commitments/status?window=2026-11-10T00:30:00Z,2026-11-10T02:30:00Z&step=hour")
	var st commitments.Status
	if err := json.Unmarshal(body, &st); err != nil || code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	if !st.Window.Start.Equal(start) || !st.Window.End.Equal(start.Add(3*time.Hour)) || len(st.Series) != 3 ||
		!st.Series[0].Start.Equal(start) || st.Totals.EligibleOD.Decimal() != "30" {
		t.Errorf("window %v, %d steps from %v, eligible %s; want 00:00–03:00, 3 steps from 00:00, 30", st.Window, len(st.Series),
			func() any {
				if len(st.Series) > 0 {
					return st.Series[0].Start
				}
				return nil
			}(), st.Totals.EligibleOD)
	}
}

// TestCommitmentsSummaryWithoutABillInTheWindow: the dashboard's stats
// (lock-in among them) came in "current" only when the window held a bill,
// so an account holding commitments with no bill in the window showed no
// lock-in at all. The lock-in, of the commitments in force, is there
// whatever the bill; the bill's ratios are null and billInWindow says why.
func TestCommitmentsSummaryWithoutABillInTheWindow(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	now := start.Add(48 * time.Hour)
	loadCommitmentBill(t, db, start) // account 111
	if err := db.UpsertCommitments(ctx, []tally.Commitment{{BillingAccountID: "333", ID: "arn:aws:savingsplans::333:savingsplan/sp3",
		Provider: tally.ProviderAWS, Kind: tally.CommitComputeSP, TermMonths: 12, Start: start, End: start.AddDate(1, 0, 0),
		PaymentOption: "No Upfront", HourlyCommitment: tally.MustParseMoney("1", "USD"), RecurringHourlyFee: tally.MustParseMoney("1", "USD"),
		State: "active", Source: "aws"}}); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return now }})
	viewer := viewerGet(t, db, s)
	get := func(url string) (commitmentSummary, string) {
		code, body := viewer(url)
		var out commitmentSummary
		if code != http.StatusOK || json.Unmarshal(body, &out) != nil {
			t.Fatalf("GET %s: %d %s", url, code, body)
		}
		return out, string(body)
	}
	out, body := get("/api/v1/commitments?window=90d&account=333")
	if c := out.Current; len(out.Commitments) != 1 || c == nil || c.LockInMonths < 11 || c.LockInMonths > 12.1 || c.BillInWindow ||
		c.Utilization != nil || c.Coverage != nil || c.ESR != nil {
		t.Errorf("account 333, commitments and no bill: want its lock-in, no ratios and billInWindow false:\n%s", body)
	}
	out, body = get("/api/v1/commitments?window=90d&account=111")
	if c := out.Current; c == nil || !c.BillInWindow || c.Coverage == nil || c.LockInMonths <= 0 {
		t.Errorf("account 111, with a bill: want its ratios and lock-in, billInWindow true:\n%s", body)
	}
}

// TestCommitmentsSummarySaysItsWindow: the dashboard's ratios are of the
// window asked (90 days by default on the page), which the answer says, so
// the page can say it; they were shown with no window at all.
func TestCommitmentsSummarySaysItsWindow(t *testing.T) {
	db := pgtest.New(t)
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	now := start.Add(48*time.Hour + 30*time.Minute)
	loadCommitmentBill(t, db, start)
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return now }})
	get := viewerGet(t, db, s)
	for _, tt := range []struct {
		window     string
		start, end time.Time
	}{
		{"90d", start.Add(-87 * 24 * time.Hour), start.Add(72 * time.Hour)}, // the current day included
		{"2026-11-10T00:00:00Z,2026-11-11T00:00:00Z", start, start.Add(24 * time.Hour)},
	} {
		code, body := get("/api/v1/commitments?account=111&window=" + tt.window)
		var out commitmentSummary
		if code != http.StatusOK || json.Unmarshal(body, &out) != nil {
			t.Fatalf("window %s: %d %s", tt.window, code, body)
		}
		if !out.Window.Start.Equal(tt.start) || !out.Window.End.Equal(tt.end) {
			t.Errorf("window %s: answered of %v, want %v to %v", tt.window, out.Window, tt.start, tt.end)
		}
	}
}

// TestCommitmentStatusNoZeroTimes: no time in the commitments' answers is
// Go's zero time; a provider's totals showed 0001-01-01T00:00:00Z as their
// start. They start with the window, as the totals do.
func TestCommitmentStatusNoZeroTimes(t *testing.T) {
	db := pgtest.New(t)
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	get := viewerGet(t, db, s)
	for _, path := range []string{
		"/api/v1/commitments/status?window=2026-11-10T00:00:00Z,2026-11-10T02:00:00Z",
		"/api/v1/commitments/status",
		"/api/v1/commitments?window=2d",
		"/api/v1/commitments/inventory",
		"/api/v1/commitments/expiries",
		"/api/v1/commitments/actions",
	} {
		code, body := get(path)
		if code != http.StatusOK || bytes.Contains(body, []byte("0001-01-01")) {
			t.Errorf("GET %s: %d %s, want no zero time", path, code, body)
		}
	}
	_, body := get("/api/v1/commitments/status?window=2026-11-10T00:00:00Z,2026-11-10T02:00:00Z")
	var st commitments.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if m, ok := st.ByProvider["aws"]; !ok || !m.Start.Equal(start) {
		t.Errorf("byProvider = %+v, want aws's from %v", st.ByProvider, start)
	}
}

// TestCommitmentStatusWithoutBillHasTheCurrency: a window with no bill, and
// no commitment in force now (they ended), is in the currency
// the organization, or the account asked, is billed in, as the allocations
// are. It said "currency": "" beside its zero amounts.
func TestCommitmentStatusWithoutBillHasTheCurrency(t *testing.T) {
	db := pgtest.New(t)
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.AddDate(4, 0, 0) }})
	get := viewerGet(t, db, s)
	for _, path := range []string{
		"/api/v1/commitments/status?window=2020-01-01T00:00:00Z,2020-01-02T00:00:00Z",
		"/api/v1/commitments/status?window=2020-01-01T00:00:00Z,2020-01-02T00:00:00Z&account=111",
		"/api/v1/commitments?window=2020-01-01T00:00:00Z,2020-01-02T00:00:00Z",
	} {
		code, body := get(path)
		var st struct {
			Currency string `json:"currency"`
		}
		if err := json.Unmarshal(body, &st); err != nil || code != http.StatusOK || st.Currency != "USD" {
			t.Errorf("GET %s: %d %s, want currency USD", path, code, body)
		}
	}
}

// TestCommitmentStatusOfTheFutureIsRefused: a window that starts after now
// is a 400 saying so, as on the other routes; it answered empty ratios.
func TestCommitmentStatusOfTheFutureIsRefused(t *testing.T) {
	db := pgtest.New(t)
	now := time.Date(2026, 11, 12, 0, 0, 0, 0, time.UTC)
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return now }})
	get := viewerGet(t, db, s)
	for _, path := range []string{"/api/v1/commitments/status?window=2026-12-01T00:00:00Z,2026-12-02T00:00:00Z", "/api/v1/commitments?window=2026-11-12T00:00:00Z,2026-11-13T00:00:00Z"} {
		if code, body := get(path); code != http.StatusBadRequest || !bytes.Contains(body, []byte("starts after now (2026-11-12T00:00:00Z)")) {
			t.Errorf("GET %s: %d %s, want a 400 saying the window starts after now", path, code, body)
		}
	}
}

// TestCommitmentRecommendationsLeaveHoldsOut: GET
// /api/v1/commitments/recommendations lists the purchases, as GET
// /api/v1/commitments does: a pool that holds (nothing to buy, no saving)
// is not a purchase recommendation, and both endpoints leave it out.
func TestCommitmentRecommendationsLeaveHoldsOut(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	loadCommitmentBill(t, db, start)
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	hold := commitments.PoolPlan{Pool: "aws/ec2-instance-savings-plan/us-west-2/c5", Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitEC2SP,
		TermMonths: 12, Payment: "No Upfront"}, TargetHourly: usd("0"), PurchaseHourly: usd("0"), Monthly: usd("0")}
	var recs []tally.Recommendation
	for _, p := range []commitments.PoolPlan{buyingPlan(), hold} {
		rec, err := p.Recommendation("111", start)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if err := db.ReplaceRecommendations(ctx, tally.RecommendCommitment, recs); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Config{Readiness: readiness{}, Commitments: db, Recommendations: db, Auth: db, Now: func() time.Time { return start.Add(48 * time.Hour) }})
	get := viewerGet(t, db, s)
	code, body := get("/api/v1/commitments/recommendations")
	var list commitmentRecommendationsResponse
	if err := json.Unmarshal(body, &list); err != nil || code != http.StatusOK {
		t.Fatalf("GET /api/v1/commitments/recommendations: %d %s", code, body)
	}
	if len(list.Recommendations) != 1 || list.Recommendations[0].Target != recs[0].Target {
		t.Errorf("recommendations lists %d, want the purchase %s alone: %s", len(list.Recommendations), recs[0].Target, body)
	}
	code, body = get("/api/v1/commitments")
	var sum commitmentSummary
	if err := json.Unmarshal(body, &sum); err != nil || code != http.StatusOK {
		t.Fatalf("GET /api/v1/commitments: %d %s", code, body)
	}
	if len(sum.Recommendations) != 1 || sum.Recommendations[0].Target != recs[0].Target {
		t.Errorf("overview lists %d recommendations, want the purchase %s alone", len(sum.Recommendations), recs[0].Target)
	}
}
