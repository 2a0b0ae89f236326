package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestCommitmentsOnDemoOrganization runs the path a user takes on real
// PostgreSQL: generate a 30-day organization, ingest its three bills, then
// status (KPIs and the portfolio read from the bill), recommend (against
// that portfolio, stored for the dashboard, exported as a plan), and the
// purchase of the plan against the local AWS protocol servers: a dry run,
// a declined confirmation, then a confirmed purchase, all logged.
func TestCommitmentsOnDemoOrganization(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests an organization")
	}
	url := pgtest.NewURL(t, true)
	dir := filepath.Join(t.TempDir(), "acme")
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	code, _, errOut := runTally("--log-level", "warn", "demo-generate", "--out", dir, "--days", "30")
	if code != 0 {
		t.Fatalf("demo-generate: %s", errOut)
	}
	gcp, _ := filepath.Glob(filepath.Join(dir, "gcp", "gcp_billing_export_resource_v1_*"))
	if len(gcp) != 1 {
		t.Fatalf("GCP export: %v", gcp)
	}
	tly("ingest", "aws-cur", filepath.Join(dir, "aws", "acme-cur2"))
	tly("ingest", "focus", filepath.Join(dir, "aws", "acme-data-focus"))
	tly("ingest", "gcp-billing", gcp[0])

	var st commitments.Status
	if err := json.Unmarshal([]byte(tly("commitments", "status", "--window", "14d", "--format", "json")), &st); err != nil {
		t.Fatal(err)
	}
	tot := st.Totals
	if tot.Coverage == nil || *tot.Coverage <= 0.3 || *tot.Coverage > 1 || tot.Utilization == nil || *tot.Utilization <= 0.5 ||
		*tot.Utilization > 1 || tot.ESR == nil || *tot.ESR <= 0.1 || *tot.ESR >= 0.6 || len(st.Series) < 13 {
		t.Fatalf("totals %+v over %d steps", tot, len(st.Series))
	}
	for _, m := range st.Series[:len(st.Series)-2] { // monthly RI fees are spread over their hours: no day is out of line
		if m.ESR == nil || *m.ESR < *tot.ESR-0.05 || *m.ESR > *tot.ESR+0.05 {
			t.Errorf("day %s: ESR %v against %.3f over the window", m.Start, m.ESR, *tot.ESR)
		}
	}
	kinds := map[string]int{}
	for _, h := range st.Inventory {
		kinds[h.Kind]++
	}
	if kinds[tally.CommitComputeSP] == 0 || kinds[tally.CommitEC2SP] == 0 || kinds[tally.CommitReserved] == 0 || kinds[tally.CommitCUDResource] == 0 ||
		st.LockInMonths <= 1 || len(st.Expiries) == 0 {
		t.Fatalf("portfolio from the bill: %v, lock-in %.1f, %d expiry months", kinds, st.LockInMonths, len(st.Expiries))
	}
	// The CUR dates each commitment's term: the portfolio ends it when AWS
	// does, not a term after its first charge in this 30-day bill (the
	// expiry calendar and the lock-in were months late).
	truthJSON, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Commitments []tally.Commitment `json:"commitments"`
	}
	if err := json.Unmarshal(truthJSON, &truth); err != nil {
		t.Fatal(err)
	}
	ends := map[string]time.Time{}
	for _, c := range truth.Commitments {
		ends[c.ID] = c.End
	}
	for _, h := range st.Inventory {
		if want, ok := ends[h.ID]; ok && h.Provider == tally.ProviderAWS && !h.End.Equal(want) {
			t.Errorf("%s ends %s, want %s as the CUR dates it", h.ID, h.End.Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
	if out := tly("commitments", "status"); !strings.Contains(out, "effective savings rate") || !strings.Contains(out, "savingsplan/") {
		t.Errorf("status table:\n%s", out)
	}

	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	billed := billedUtilization(t, db, st.Window)
	if len(billed) == 0 {
		t.Fatal("no Savings Plan utilization in the bill")
	}

	planFile := filepath.Join(t.TempDir(), "plan.json")
	var plans []commitments.AccountPlan
	if err := json.Unmarshal([]byte(tly("commitments", "recommend", "--format", "json")), &plans); err != nil {
		t.Fatal(err)
	}
	var aws string
	for _, ap := range plans {
		for _, p := range ap.Pools {
			if p.Offer.Kind == tally.CommitComputeSP {
				aws = ap.Account
				if p.ExistingHourly.IsZero() {
					t.Errorf("%s: the Compute Savings Plans in the bill are not counted as in force", p.Pool)
				}
			}
			// A purchase keeps the pool's utilization at 90% or more. A
			// pool that buys nothing shows that of what is in force, which
			// the forecast of the coming year puts within 6 points of what
			// the last 14 days' bill shows: the simulator applies the
			// commitments in force as the bill did, each at the discount
			// its bill shows (at the default rates of their offers, the
			// Compute Savings Plans' was 9 points under the bill's).
			if p.PurchaseHourly.IsZero() {
				b, ok := billed[poolOf(p.Offer)]
				t.Logf("%s: expected utilization %.3f of what is in force; the bill shows %.3f (%v)", p.Pool, p.AtTarget.Utilization, b, ok)
				if ok && math.Abs(p.AtTarget.Utilization-b) > 0.06 {
					t.Errorf("%s: expected utilization %.3f of what is in force; the bill shows %.3f", p.Pool, p.AtTarget.Utilization, b)
				}
			} else if p.AtTarget.Utilization < 0.9 {
				t.Errorf("%s: expected utilization %.3f at the target, want ≥ 0.90", p.Pool, p.AtTarget.Utilization)
			}
			if !p.PurchaseHourly.IsZero() && (p.Why == "" || len(p.Tranches) == 0 || p.Savings.ExpectedSavings <= 0) {
				t.Errorf("%s: purchase without explanation, ladder or savings: %+v", p.Pool, p)
			}
		}
	}
	if len(plans) != 2 || aws == "" {
		t.Fatalf("recommendations for %d accounts", len(plans))
	}
	// A JSON plan of two accounts, or a plan file of another kind, is refused
	// before anything is computed or stored (it replaced the stored
	// recommendations, then refused).
	stored := func() string {
		recs, err := db.Recommendations(context.Background(), tally.RecommendCommitment)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range recs {
			ids = append(ids, fmt.Sprint(r.ID))
		}
		return strings.Join(ids, ",")
	}
	before := stored()
	for _, out := range []string{planFile, filepath.Join(t.TempDir(), "plan.txt")} {
		code, _, errOut := runTally("--database-url", url, "--log-level", "warn", "commitments", "recommend", "--plan-out", out)
		if code != exitUsage || !strings.Contains(errOut, "--plan-out") || stored() != before {
			t.Errorf("--plan-out %s: exit %d, %q, stored %s (before %s): want exit %d, nothing stored", out, code, errOut, stored(), before, exitUsage)
		}
	}
	tly("commitments", "recommend", "--account", aws, "--plan-out", planFile)
	recs, err := db.Recommendations(context.Background(), tally.RecommendCommitment)
	if err != nil {
		t.Fatal(err)
	}
	// The account's recommendations are replaced; the other account's stay.
	byAccount := map[bool]int{}
	for _, r := range recs {
		byAccount[strings.HasPrefix(r.Target, aws+"/")]++
	}
	if byAccount[true] == 0 || byAccount[false] == 0 {
		t.Fatalf("stored recommendations after recommend --account %s: %d of it, %d of the other account; want both", aws, byAccount[true], byAccount[false])
	}

	// The plan, bought: a plan with nothing to buy gets an item, so the
	// purchase path runs whatever the generated usage asks for.
	raw, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := commitments.ReadPlan(strings.NewReader(string(raw)), planFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) == 0 {
		plan.Items = append(plan.Items, commitments.PlanItem{ID: aws + "/extra", Date: plan.CreatedAt, HourlyCommitment: tally.MustParseMoney("0.25", "USD"),
			Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: commitments.NoUpfront}})
		b, _ := json.Marshal(plan)
		os.WriteFile(planFile, b, 0o644)
	}
	srv, endpoints := fakeAWS(t)
	srv.SetCaller(aws, "arn:aws:iam::"+aws+":user/buyer") // the credentials are the plan's account's
	endpoints = append([]string{"--plan", planFile}, endpoints...)
	bought := func() int { return purchases(srv) }
	out := tly(append([]string{"commitments", "purchase"}, endpoints...)...)
	if bought() != 0 || !strings.Contains(out, "POST /CreateSavingsPlan") && !strings.Contains(out, "PurchaseReservedInstancesOffering") {
		t.Fatalf("dry run sent %d purchases; printed:\n%s", bought(), out)
	}
	confirmInput = strings.NewReader("yes\n")
	if code, _, errOut := runTally(append([]string{"--database-url", url, "commitments", "purchase", "--execute"}, endpoints...)...); code == 0 || bought() != 0 {
		t.Fatalf("a wrong confirmation bought %d: exit %d %s", bought(), code, errOut)
	}
	due := 0
	for _, it := range plan.Items {
		if it.Offer.Provider == "aws" && !it.Date.After(plan.CreatedAt) {
			due++
		}
	}
	confirmInput = strings.NewReader("buy " + itoa(due) + " commitments\n")
	tly(append([]string{"commitments", "purchase", "--execute"}, endpoints...)...)
	if bought() != due || due == 0 {
		t.Fatalf("bought %d, want %d", bought(), due)
	}
	as, err := db.CommitmentActions(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, a := range as {
		count[a.Action+"/"+a.Status]++
	}
	if count[commitments.ActionDryRun+"/"+commitments.StatusOK] == 0 || count[commitments.ActionPurchase+"/"+commitments.StatusDeclined] != due ||
		count[commitments.ActionPurchase+"/"+commitments.StatusOK] != due || count[commitments.ActionPlan+"/"+commitments.StatusOK] != 1 {
		t.Errorf("action log: %v", count)
	}
}

// TestCommitmentsOnAnEmptyBill: before any bill is ingested, status,
// recommend and costs say so instead of printing empty tables.
func TestCommitmentsOnAnEmptyBill(t *testing.T) {
	url := pgtest.NewURL(t, true)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"commitments", "status"}, "no eligible usage and no commitment in the bill"},
		{[]string{"commitments", "recommend"}, "nothing to recommend"},
		{[]string{"costs"}, "no attributed cost from "},
	} {
		code, out, errOut := runTally(append([]string{"--database-url", url, "--log-level", "warn"}, c.args...)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("tally %s: exit %d\n%s%s", strings.Join(c.args, " "), code, out, errOut)
		}
	}
}

// TestCommitmentsPurchaseLateLadder: a four-week ladder exported two months
// ago is refused as stale; with --allow-stale each run buys one tranche of
// the pool, the earliest not yet bought, not every tranche whose date has
// passed.
func TestCommitmentsPurchaseLateLadder(t *testing.T) {
	url := knownDB(t, tally.ProviderAWS, "111")
	first := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, -2, 0)
	plan := commitments.Plan{CreatedAt: first, BillingAccountID: "111"}
	for w := 0; w < 4; w++ {
		d := first.AddDate(0, 0, 7*w)
		plan.Items = append(plan.Items, commitments.PlanItem{ID: "111/pool/" + tally.FormatDay(d), Date: d,
			HourlyCommitment: tally.MustParseMoney("1.5", "USD"),
			Offer:            commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: commitments.NoUpfront}})
	}
	srv, endpoints := fakeAWS(t)
	args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, plan)}, endpoints...)
	srv.SetCaller("111", "arn:aws:iam::111:user/buyer")
	var bought []string
	boughtNow := func() []string {
		bought = bought[:0]
		for _, c := range srv.Calls() {
			if c.Operation == "CreateSavingsPlan" {
				bought = append(bought, c.Body)
			}
		}
		return bought
	}

	code, _, errOut := runTally(append(args, "--execute")...)
	if code == 0 || len(boughtNow()) != 0 || !strings.Contains(errOut, "stale") ||
		!strings.Contains(errOut, "tally commitments recommend --account 111 --plan-out") || !strings.Contains(errOut, "--allow-stale") {
		t.Fatalf("a two-month-old plan: exit %d, bought %d; stderr:\n%s", code, len(bought), errOut)
	}
	for run := 1; run <= 2; run++ {
		confirmInput = strings.NewReader("buy 1 commitments\n")
		code, out, errOut := runTally(append(args, "--execute", "--allow-stale")...)
		if code != 0 || len(boughtNow()) != run {
			t.Fatalf("run %d with --allow-stale: exit %d, %d bought in all, want %d\n%s%s", run, code, len(bought), run, out, errOut)
		}
		want := plan.Items[run-1].ID
		if !strings.Contains(bought[run-1], want) {
			t.Errorf("run %d bought %s, want the tranche %s", run, bought[run-1], want)
		}
	}
	_, out, _ := runTally(append(args, "--allow-stale")...)
	for i, want := range []string{"bought already", "bought already", "due now", "waits until the earlier tranches"} {
		if !strings.Contains(out, plan.Items[i].ID+": 1.500 USD/h of 1-year No Upfront Compute Savings Plan — "+want) {
			t.Errorf("dry run: %s is not %q:\n%s", plan.Items[i].ID, want, out)
		}
	}
}

// TestStatusSaysWhereTheBillEnds: a window that reaches past the last
// billed step says where the bill ends, so that a short last day is not
// read as a drop; a window the bill fills says nothing of it.
func TestStatusSaysWhereTheBillEnds(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	st := &commitments.Status{Window: tally.Window{Start: day(20), End: day(23)}, Step: "day",
		Series: []commitments.Metrics{{Start: day(20)}, {Start: day(21)}}}
	var b strings.Builder
	writeStatus(&b, st, time.Time{}, "")
	if want := "the bill has no eligible usage after 2026-11-21 yet"; !strings.Contains(b.String(), want) {
		t.Errorf("status lacks %q:\n%s", want, b.String())
	}
	st.Series = append(st.Series, commitments.Metrics{Start: day(22)})
	b.Reset()
	writeStatus(&b, st, time.Time{}, "")
	if strings.Contains(b.String(), "no eligible usage after") {
		t.Errorf("a window the bill fills says it ends early:\n%s", b.String())
	}
}

// TestStatusWithoutBillSaysSo: a window without eligible usage in the bill
// (the last hours, which no bill has yet) while commitments are in force
// printed "coverage - · utilization - · effective savings rate -", amounts
// of 0.00 and two empty tables, without a word of why; it says there is
// no usage in the bill over it and why, and still lists what is held.
func TestStatusWithoutBillSaysSo(t *testing.T) {
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	st := &commitments.Status{Window: tally.Window{Start: day.Add(4 * time.Hour), End: day.Add(7 * time.Hour)}, Step: "hour", Currency: "USD",
		Inventory: []commitments.Holding{{Commitment: tally.Commitment{ID: "sp-1", End: day.AddDate(1, 0, 0)}, HourlyCost: usd("1"), RemainingMonths: 12}},
		Expiries:  []commitments.ExpiryMonth{{Month: day.AddDate(1, 0, 0), Count: 1, HourlyCost: usd("1")}}, LockInMonths: 12}
	var b strings.Builder
	writeStatus(&b, st, time.Time{}, "bills arrive a day or two late")
	out := b.String()
	for _, want := range []string{"  no eligible usage in the bill over this window: bills arrive a day or two late\n", "lock-in: 12.0 months", "sp-1", "expiries:"} {
		if !strings.Contains(out, want) {
			t.Errorf("status without a bill lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"coverage -", "eligible on-demand equivalent 0.00", "provider  coverage", "start  coverage"} {
		if strings.Contains(out, bad) {
			t.Errorf("status without a bill says %q:\n%s", bad, out)
		}
	}
}

// TestCommitmentsStatusOutsideTheBill: status over a window the stored bill
// does not reach says which months it covers and the window to ask for,
// rather than to ingest a bill that is there; that window shows it.
// recommend over a history the bill does not reach says which months it
// covers too.
func TestCommitmentsStatusOutsideTheBill(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "focus", filepath.Join("..", "..", "ingest", "focus", "testdata", "focus-1.0-sample.csv"))
	out := tly("commitments", "status")
	const want = "the stored bill covers 2024-09-01 through "
	i := strings.Index(out, "try --window ")
	if !strings.Contains(out, want) || i < 0 {
		t.Fatalf("status outside the bill:\n%s\nwant it to say %q and the window to try", out, want)
	}
	if out := tly("commitments", "recommend"); !strings.Contains(out, "nothing to recommend (the stored bill covers 2024-09-01 through ") {
		t.Errorf("recommend on a bill older than --history:\n%s", out)
	}
	// The sample's Oracle Cloud account has eligible usage but no pool Tally recommends.
	if out := tly("commitments", "recommend", "--history", "1000d", "--no-store"); !strings.Contains(out,
		"account 20209880\n  no commitment pool for this account's usage") {
		t.Errorf("recommend on an account without a pool:\n%s", out)
	}
	window := strings.Fields(out[i+len("try --window "):])[0]
	if out := tly("commitments", "status", "--window", window); !strings.Contains(out, "effective savings rate") {
		t.Errorf("status over the suggested window %s:\n%s", window, out)
	}
}

// TestPurchaseGCPOnlyPlan: a plan of GCP items, which Tally does not send,
// prints an empty JSON array (not null) and says so when run, instead of
// "every item is bought already" about an item nobody bought.
func TestPurchaseGCPOnlyPlan(t *testing.T) {
	url := knownDB(t, tally.ProviderGCP, "01A2B3-C4D5E6-F7A8B9")
	now := time.Now().UTC().Truncate(time.Hour)
	plan := commitments.Plan{CreatedAt: now, BillingAccountID: "01A2B3-C4D5E6-F7A8B9", Items: []commitments.PlanItem{{
		ID: "01A2B3-C4D5E6-F7A8B9/gcp/cud-flexible/us-central1/" + tally.FormatDay(now), Date: now,
		HourlyCommitment: tally.MustParseMoney("0.705", "USD"),
		Offer:            commitments.Offer{Provider: "gcp", Kind: tally.CommitCUDFlexible, TermMonths: 12, Payment: commitments.NoUpfront, Region: "us-central1"}}}}
	_, endpoints := fakeAWS(t)
	args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, plan)}, endpoints...)
	code, out, errOut := runTally(append(args, "--format", "json")...)
	var reqs []json.RawMessage
	if code != 0 || json.Unmarshal([]byte(out), &reqs) != nil || reqs == nil {
		t.Errorf("--format json: exit %d, %q: want an empty array", code, out)
	}
	if !strings.Contains(errOut, "1 GCP item(s) are not sent by Tally") || !strings.Contains(errOut, "Billing › Committed use discounts") {
		t.Errorf("dry run does not say the GCP item is not sent, and where to buy it (--format json prints no item):\n%s", errOut)
	}
	// Spend-based commitments are bought for a billing account in the
	// console; gcloud's commitments are resource-based, so it was wrong to
	// name it for them.
	code, out, _ = runTally(args...)
	if code != 0 || !strings.Contains(out, "Billing › Committed use discounts") || strings.Contains(out, "gcloud") ||
		!strings.Contains(out, ": 0.705 USD/h of 1-year No Upfront flexible") {
		t.Errorf("dry run: exit %d, %q: want it to say a flexible CUD is bought in the console's Billing › Committed use discounts", code, out)
	}
	confirmInput = strings.NewReader("")
	code, _, errOut = runTally(append(args, "--execute")...)
	if code != 0 || strings.Contains(errOut, "bought already") || !strings.Contains(errOut, "no AWS item") {
		t.Errorf("--execute: exit %d, %q: want it to say there is no AWS item to send", code, errOut)
	}
}

// TestStatusNamesItsCurrency: the status table's amounts are in the bill's
// currency, which it names; the commitments column said "$/h" of a EUR bill.
// The provider and step tables' amount columns name it too: they read
// "eligible OD", "amortized" and "unused", in no currency, a screen below
// the totals line that said "(EUR)".
func TestStatusNamesItsCurrency(t *testing.T) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	eur := func(s string) tally.Money { return tally.MustParseMoney(s, "EUR") }
	m := commitments.Metrics{Start: day, EligibleOD: eur("100"), Amortized: eur("70"), Savings: eur("30"), Unused: eur("1")}
	st := &commitments.Status{Window: tally.Window{Start: day, End: day.AddDate(0, 0, 1)}, Step: "day", Currency: "EUR", Totals: m,
		Series: []commitments.Metrics{m}, ByProvider: map[string]commitments.Metrics{"gcp": m},
		Inventory: []commitments.Holding{{Commitment: tally.Commitment{ID: "cud-1", End: day.AddDate(1, 0, 0)}, HourlyCost: eur("0.5"), RemainingMonths: 12}},
		Expiries:  []commitments.ExpiryMonth{{Month: day.AddDate(1, 0, 0), Count: 1, HourlyCost: eur("0.5")}}}
	var b strings.Builder
	writeStatus(&b, st, time.Time{}, "")
	out := b.String()
	if strings.Contains(out, "$") || !strings.Contains(out, "unused commitment 1.00 (EUR)") || !strings.Contains(out, "EUR/h") ||
		!strings.Contains(out, "0.500 EUR/h") || strings.Count(out, "eligible OD EUR") != 2 || strings.Count(out, "unused EUR") != 2 ||
		!strings.Contains(out, "amortized EUR") {
		t.Errorf("status of a EUR bill:\n%s", out)
	}
}

// TestRecommendRefusesZeroPaths: --paths 0 was read as the default (100
// paths) and the recommendation said nothing of it. A bad --history is
// named too (it said only "window").
func TestRecommendRefusesZeroPaths(t *testing.T) {
	for _, p := range []string{"0", "-3"} {
		code, _, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "commitments", "recommend", "--paths="+p)
		if code != exitUsage || !strings.Contains(errOut, "--paths "+p) {
			t.Errorf("--paths %s: exit %d, %q: want exit %d naming the flag", p, code, errOut, exitUsage)
		}
	}
	code, _, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "commitments", "recommend", "--history", "3x")
	if code != exitUsage || !strings.Contains(errOut, "--history") {
		t.Errorf("--history 3x: exit %d, %q: want exit %d naming the flag", code, errOut, exitUsage)
	}
}

// TestRecommendHistoryIsALength: recommend forecasts from the bill before
// now, and read any window as its length: --history with a START,END pair
// of January forecast from the last 31 days, and "lastmonth" from the last
// 30 or 31, silently. Only a length (Nh, Nd, Nw) is taken. A malformed one
// (400x, 0d) was refused with the windows of status, "want today,
// yesterday, …, or a START,END pair", which --history refuses too.
func TestRecommendHistoryIsALength(t *testing.T) {
	for _, h := range []string{"2026-01-01T00:00:00Z,2026-02-01T00:00:00Z", "lastmonth", "today", "400x", "0d"} {
		code, _, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "commitments", "recommend", "--history", h)
		want := "--history " + h + ": want how much of the bill before now to forecast from, Nh, Nd or Nw above zero (e.g. 400d)"
		if code != exitUsage || !strings.Contains(errOut, want) || strings.Contains(errOut, "START,END") {
			t.Errorf("--history %s: exit %d, %q: want exit %d and %q", h, code, errOut, exitUsage, want)
		}
	}
}

// TestJSONEmptyListsAreArrays: with nothing to list, the JSON outputs give
// empty arrays, not null, which a script iterating over them trips on.
func TestJSONEmptyListsAreArrays(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	var recs []json.RawMessage
	if out := tly("commitments", "recommend", "--format", "json", "--no-store"); json.Unmarshal([]byte(out), &recs) != nil || recs == nil {
		t.Errorf("commitments recommend --format json: %q, want []", out)
	}
	var rs struct{ Containers, Nodes []json.RawMessage }
	if out := tly("rightsize", "--format", "json", "--no-store"); json.Unmarshal([]byte(out), &rs) != nil || rs.Containers == nil || rs.Nodes == nil {
		t.Errorf("rightsize --format json: %q, want empty arrays", out)
	}
}

// TestCommitmentsUnknownAccount: an --account no bill or stored commitment
// names (a typo) is a usage error naming it and the accounts there are; it
// read as an account without eligible usage ("nothing to recommend", exit
// 0). A usage file's backtest refuses --account, which only --from-db reads.
func TestCommitmentsUnknownAccount(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "focus", filepath.Join("..", "..", "ingest", "focus", "testdata", "focus-1.0-sample.csv"))
	for _, args := range [][]string{
		{"commitments", "status", "--account", "bogus"},
		{"commitments", "recommend", "--account", "bogus", "--no-store"},
		{"commitments", "backtest", "--from-db", "--account", "bogus"},
	} {
		code, out, errOut := runTally(append([]string{"--database-url", url, "--log-level", "warn"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, "--account bogus") || !strings.Contains(errOut, "20209880") {
			t.Errorf("tally %s: exit %d, want %d naming the account and the accounts there are\n%s%s", strings.Join(args, " "), code, exitUsage, out, errOut)
		}
	}
	if out := tly("commitments", "status", "--account", "20209880", "--window", "2024-09-01T00:00:00Z,2024-10-01T00:00:00Z"); !strings.Contains(out, "Commitments") {
		t.Errorf("status of a known account:\n%s", out)
	}
	code, _, errOut := runTally("commitments", "backtest", "--usage", filepath.Join("..", "..", "commitments", "testdata", "scenarios.csv.gz"), "--account", "111")
	if code != exitUsage || !strings.Contains(errOut, "--account 111: only with --from-db") {
		t.Errorf("backtest --usage --account: exit %d %s", code, errOut)
	}
}

// TestBacktestFromDBRefusesScenario: --scenario chooses scenarios of a
// usage file; with --from-db it was ignored and every account was
// backtested.
func TestBacktestFromDBRefusesScenario(t *testing.T) {
	url := pgtest.NewURL(t, true)
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "focus", filepath.Join("..", "..", "ingest", "focus", "testdata", "focus-1.0-sample.csv"))
	code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "commitments", "backtest", "--from-db", "--scenario", "steady")
	if code != exitUsage || !strings.Contains(errOut, "--scenario steady: only with --usage") || !strings.Contains(errOut, "--account") {
		t.Errorf("backtest --from-db --scenario: exit %d\n%s%s", code, out, errOut)
	}
}

// TestRecommendTableNamesItsCurrency: the recommendation table's amounts
// are in the account's bill's currency, which its header names; it said
// "$/h" of a EUR account's recommendations (status was fixed alike). The
// savings range and worst case are the term's, in it, as the expected
// saving is, and a tranche's amount is per hour in it: they read "P10–P90
// 800–950", "worst 700" and "buy 1.500/h", which could be a month's or
// percents, in no currency.
func TestRecommendTableNamesItsCurrency(t *testing.T) {
	eur := func(s string) tally.Money { return tally.MustParseMoney(s, "EUR") }
	p := commitments.PoolPlan{Pool: "aws/compute-savings-plan", ExistingHourly: eur("0"), TargetHourly: eur("1.5"), PurchaseHourly: eur("1.5"),
		Savings: commitments.Evaluation{ExpectedSavings: 900, P10: 800, P90: 950, Worst: 700}, Choice: commitments.Choice{Binding: "savings"},
		Tranches: []commitments.Tranche{{Date: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), HourlyCommitment: eur("1.5")}}}
	var b strings.Builder
	writeCommitmentPlans(&b, []commitments.AccountPlan{{Account: "333", Pools: []commitments.PoolPlan{p}}}, "")
	out := b.String()
	if strings.Contains(out, "$") || !strings.Contains(out, "in force EUR/h") || !strings.Contains(out, "buy EUR/h") ||
		!strings.Contains(out, "expected saving/term EUR") || !strings.Contains(out, "P10–P90/term EUR") ||
		!strings.Contains(out, "worst/term EUR") || !strings.Contains(out, "2026-11-25  buy 1.500 EUR/h") {
		t.Errorf("recommendations of a EUR account:\n%s", out)
	}
}

// TestRecommendTableNothingHeld: a pool holding nothing with a target of
// nothing has no utilization; the table gave it 100.0% (the optimizer's 0/0
// convention), as if a commitment there were fully used.
func TestRecommendTableNothingHeld(t *testing.T) {
	usd := func(s string) tally.Money { return tally.MustParseMoney(s, "USD") }
	none := commitments.PoolPlan{Pool: "aws/ec2-instance-savings-plan/us-west-2/c5", ExistingHourly: usd("0"), TargetHourly: usd("0"),
		AtTarget: commitments.Evaluation{Utilization: 1}, Choice: commitments.Choice{Binding: "none"}}
	held := commitments.PoolPlan{Pool: "aws/compute-savings-plan", HeldHourly: usd("1.4"), ExistingHourly: usd("1.631"), TargetHourly: usd("1.289"),
		ExistingOD: 2.3, TargetOD: 1.8, AtTarget: commitments.Evaluation{Utilization: 0.815, PLowUtilization: 1}, Choice: commitments.Choice{Binding: "risk"}}
	var b strings.Builder
	writeCommitmentPlans(&b, []commitments.AccountPlan{{Account: "412345678901", Pools: []commitments.PoolPlan{none, held}}}, "")
	rows := map[string][]string{}
	for line := range strings.Lines(b.String()) {
		if f := strings.Fields(line); len(f) == 11 {
			rows[f[0]] = f
		}
	}
	if r := rows[none.Pool]; r == nil || r[8] != "-" || r[9] != "-" {
		t.Errorf("nothing held, target nothing: utilization and P(util<bound) %q, want - and -\n%s", r, b.String())
	}
	if r := rows[held.Pool]; r == nil || r[8] != "81.5%" || r[9] != "100%" {
		t.Errorf("1.631/h held: utilization and P(util<bound) %q, want 81.5%% and 100%%\n%s", r, b.String())
	}
	// What is held is its fees, as status lists them; "in force" is what
	// they cover priced at the pool's offer, as the target is: the table
	// gave only that, 1.631/h beside the status's 1.400/h of Compute
	// Savings Plans, and says which is which.
	if r := rows[held.Pool]; r == nil || r[1] != "1.400" || r[2] != "1.631" ||
		!strings.Contains(b.String(), "held: the fees of the commitments in force in the pool") {
		t.Errorf("held and in force %q, want 1.400 and 1.631, and what each is\n%s", r, b.String())
	}
}

// TestRecommendHistoryIsWhatItSays: --history 2d forecasts from the last
// two days of the bill, the least a forecast takes. The window "2d" ends at
// the next midnight, and the history was taken from its start to now: a
// day and the hours of today, so "nothing to recommend" from a bill of
// three steady days.
func TestRecommendHistoryIsWhatItSays(t *testing.T) {
	url := pgtest.NewURL(t, true)
	now := time.Now().UTC()
	start := now.Truncate(time.Hour).Add(-71 * time.Hour) // to the current hour
	var b strings.Builder
	b.WriteString(`"BilledCost","BillingAccountId","BillingAccountName","BillingCurrency","BillingPeriodEnd","BillingPeriodStart","ChargeCategory","ChargeClass","ChargeDescription","ChargePeriodEnd","ChargePeriodStart","EffectiveCost","ListCost","ContractedCost","PricingCategory","ProviderName","RegionId","ResourceId","ServiceCategory","ServiceName","x_InstanceType"` + "\n")
	for h := range 72 {
		s := start.Add(time.Duration(h) * time.Hour)
		month := tally.MonthStart(s)
		fmt.Fprintf(&b, "2,\"777777777777\",\"acct\",\"USD\",%q,%q,\"Usage\",,\"m5.xlarge\",%q,%q,2,2,2,\"Standard\",\"AWS\",\"us-east-1\",\"i-1\",\"Compute\",\"Amazon Elastic Compute Cloud\",\"m5.xlarge\"\n",
			month.AddDate(0, 1, 0).Format(time.DateTime), month.Format(time.DateTime), s.Add(time.Hour).Format(time.DateTime), s.Format(time.DateTime))
	}
	path := filepath.Join(t.TempDir(), "focus.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("ingest", "focus", path)
	var out []commitments.AccountPlan
	js := tly("commitments", "recommend", "--history", "2d", "--no-store", "--format", "json", "--paths", "10")
	if err := json.Unmarshal([]byte(js), &out); err != nil || len(out) != 1 || len(out[0].Pools) == 0 {
		t.Errorf("recommend --history 2d on three days of bill: %s", js)
	}
}

// TestSyncBillingProvider: an unknown --provider took nothing from the
// bill, stored nothing and exited 0 ("--provider typo"); it is refused
// (exit 2), naming the providers there are. The default, gcp, still exits
// 0 on a bill with no GCP commitment (an AWS-only organization), as do
// the known providers in any case.
func TestSyncBillingProvider(t *testing.T) {
	url := pgtest.NewURL(t, true)
	for _, c := range []struct {
		provider []string
		code     int
		want     string
	}{
		{nil, 0, "0 commitment(s) stored"},
		{[]string{"--provider", "aws"}, 0, "0 commitment(s) stored"},
		{[]string{"--provider", "GCP,azure"}, 0, "0 commitment(s) stored"},
		{[]string{"--provider", "all"}, 0, "0 commitment(s) stored"},
		{[]string{"--provider", "typo"}, exitUsage, `--provider typo: unknown provider (want aws, gcp, azure, oracle or all)`},
		{[]string{"--provider", "gcp,amazon"}, exitUsage, `--provider amazon: unknown provider`},
	} {
		args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "sync", "billing"}, c.provider...)
		code, out, errOut := runTally(args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("sync billing %v: exit %d, want %d and %q\n%s%s", c.provider, code, c.code, c.want, out, errOut)
		}
	}
}

// TestCommitmentsLogLimit: --limit 0 printed an empty table (and a
// negative one failed in Postgres, exit 1); like the API's ?limit=, the
// limit is at least 1, as --help says, and other values are refused with
// exit 2.
func TestCommitmentsLogLimit(t *testing.T) {
	url := pgtest.NewURL(t, true)
	if code, out, _ := runTally("commitments", "log", "--help"); code != 0 || !strings.Contains(strings.Join(strings.Fields(out), " "), "at least 1") {
		t.Errorf("log --help: exit %d; does not say the limit is at least 1:\n%s", code, out)
	}
	for _, limit := range []string{"0", "-1"} {
		code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "commitments", "log", "--limit="+limit)
		if code != exitUsage || !strings.Contains(errOut, "--limit "+limit+": want at least 1") {
			t.Errorf("log --limit %s: exit %d, want %d naming the flag\n%s%s", limit, code, exitUsage, out, errOut)
		}
	}
	if code, out, errOut := runTally("--database-url", url, "--log-level", "warn", "commitments", "log", "--limit", "1"); code != 0 {
		t.Errorf("log --limit 1: exit %d\n%s%s", code, out, errOut)
	}
}

// billedUtilization returns, per Savings Plan pool (poolOf), the
// utilization the bill shows of its Savings Plans in w: used ÷ (used +
// unused) effective cost.
func billedUtilization(t *testing.T, db *postgres.DB, w tally.Window) map[string]float64 {
	t.Helper()
	bcs, err := db.BillingCommitments(context.Background(), "", w)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]tally.Commitment{}
	for _, c := range commitments.InventoryFromBilling(bcs, w.End) {
		kinds[c.BillingAccountID+"/"+c.ID] = c
	}
	used, total := map[string]float64{}, map[string]float64{}
	for _, b := range bcs {
		c, ok := kinds[b.BillingAccountID+"/"+b.ID]
		if !ok || (c.Kind != tally.CommitComputeSP && c.Kind != tally.CommitEC2SP) {
			continue
		}
		k := poolOf(commitments.Offer{Kind: c.Kind, Family: c.Scope["family"]})
		used[k] += b.Used.Float64()
		total[k] += b.Used.Float64() + b.Unused.Float64() + b.Fees.Float64()
	}
	out := map[string]float64{}
	for k, n := range total {
		if n > 0 {
			out[k] = used[k] / n
		}
	}
	return out
}

// poolOf names the Savings Plan pool of o: its kind and family.
func poolOf(o commitments.Offer) string { return o.Kind + "/" + o.Family }

// TestStatusMonthStepsSayTheirDays: with --step month, a month the window
// covers in part says which of its days it holds; "2026-08" headed a row of
// the window's last four days of August.
func TestStatusMonthStepsSayTheirDays(t *testing.T) {
	month := func(m time.Month) time.Time { return time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC) }
	st := &commitments.Status{Step: "month", Currency: "USD",
		Window: tally.Window{Start: time.Date(2026, 8, 28, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}}
	for _, m := range []time.Month{8, 9, 10, 11} {
		st.Series = append(st.Series, commitments.Metrics{Start: month(m)})
	}
	var b strings.Builder
	writeStatus(&b, st, time.Time{}, "")
	out := b.String()
	for _, want := range []string{"\n2026-08 (from 08-28)  ", "\n2026-09  ", "\n2026-10  ", "\n2026-11 (through 11-24)  "} {
		if !strings.Contains(out, want) {
			t.Errorf("month steps: no %q in\n%s", want, out)
		}
	}
}

// TestStatusRefusesFutureWindow: a --window that starts after now has no
// bill; status answered "no eligible usage in the bill over this window"
// with a hint to try the stored bill's months, where the API's
// /api/v1/commitments/status refuses it (400, "starts after now").
func TestStatusRefusesFutureWindow(t *testing.T) {
	start := time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)
	end := time.Now().UTC().AddDate(0, 0, 6).Format(time.DateOnly)
	win := start + "," + end
	code, out, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "commitments", "status", "--window", win)
	want := "--window " + win + ": starts after now ("
	if code != exitUsage || !strings.Contains(errOut, want) || !strings.Contains(errOut, "it has no bill yet") {
		t.Errorf("status --window %s: exit %d\n%s%s\nwant exit %d and %q", win, code, out, errOut, exitUsage, want)
	}
}
