package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestPurchaseChecksWhoseCredentials: the purchase goes to the account of
// the credentials, whatever the plan's billing account. The confirmation
// asked for "buy 1 commitments" in the plan's account and bought with
// whatever credentials the default chain found (a wrong AWS_PROFILE bought
// in another account). Now STS GetCallerIdentity names the caller in the
// dry run, the prompt and the action log; when its account is not the
// plan's, the phrase to type names the caller's account; when the
// credentials cannot be checked, the dry run says so and --execute buys
// nothing.
func TestPurchaseChecksWhoseCredentials(t *testing.T) {
	const planAccount, otherAccount = "111111111111", "222222222222"
	now := time.Now().UTC().Truncate(time.Hour)
	plan := commitments.Plan{CreatedAt: now, BillingAccountID: planAccount, Items: []commitments.PlanItem{{
		ID: planAccount + "/aws/compute-sp/" + tally.FormatDay(now), Date: now, HourlyCommitment: tally.MustParseMoney("0.5", "USD"),
		Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: commitments.NoUpfront}}}}
	planFile := writePlan(t, plan)

	for _, c := range []struct {
		name, account string
		wrongPhrase   string // typed first: must not buy
		phrase        string // then: buys
	}{
		{"other account", otherAccount, "buy 1 commitments", "buy 1 commitments in account " + otherAccount},
		{"plan's account", planAccount, "buy 1 commitments in account " + otherAccount, "buy 1 commitments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := knownDB(t, tally.ProviderAWS, planAccount)
			srv, endpoints := fakeAWS(t)
			arn := "arn:aws:iam::" + c.account + ":user/x"
			srv.SetCaller(c.account, arn)
			args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", planFile}, endpoints...)
			bought := func() int { return purchases(srv) }
			mismatch := c.account != planAccount

			code, _, errOut := runTally(args...)
			if code != 0 || !strings.Contains(errOut, "account "+c.account) || !strings.Contains(errOut, arn) ||
				mismatch != strings.Contains(errOut, "not of the plan's billing account "+planAccount) {
				t.Fatalf("dry run: exit %d; stderr does not say the credentials (%s) buy in account %s:\n%s", code, arn, c.account, errOut)
			}

			confirmInput = strings.NewReader(c.wrongPhrase + "\n")
			code, _, errOut = runTally(append(args, "--execute")...)
			if code == 0 || bought() != 0 {
				t.Fatalf("typing %q bought %d (exit %d):\n%s", c.wrongPhrase, bought(), code, errOut)
			}
			want := "for account " + planAccount + " with the credentials of " + arn + " (account " + c.account + ")"
			if !strings.Contains(errOut, want) || !strings.Contains(errOut, `Type "`+c.phrase+`" to confirm`) ||
				mismatch != strings.Contains(errOut, "NOT to the plan's billing account "+planAccount) {
				t.Errorf("prompt does not say %q, ask for %q or warn of another account:\n%s", want, c.phrase, errOut)
			}

			confirmInput = strings.NewReader(c.phrase + "\n")
			code, out, errOut := runTally(append(args, "--execute")...)
			if code != 0 || bought() != 1 {
				t.Fatalf("typing %q: exit %d, bought %d\n%s%s", c.phrase, code, bought(), out, errOut)
			}

			as := loggedActions(t, url, "", 100)
			logged := map[string]int{}
			for _, a := range as {
				var r awsinventory.Request
				if err := json.Unmarshal(a.Request, &r); err != nil || r.Caller == nil || r.Caller.Account != c.account || r.Caller.ARN != arn {
					t.Errorf("action %s/%s does not name the caller %s (account %s): %s", a.Action, a.Status, arn, c.account, a.Request)
				}
				logged[a.Action+"/"+a.Status]++
			}
			if logged[commitments.ActionDryRun+"/"+commitments.StatusOK] != 1 || logged[commitments.ActionPurchase+"/"+commitments.StatusDeclined] != 1 ||
				logged[commitments.ActionPurchase+"/"+commitments.StatusOK] != 1 {
				t.Errorf("action log: %v", logged)
			}
		})
	}

	t.Run("credentials STS does not know", func(t *testing.T) {
		url := knownDB(t, tally.ProviderAWS, planAccount)
		srv, endpoints := fakeAWS(t)
		srv.SetCaller("", "")
		args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", planFile}, endpoints...)
		code, out, errOut := runTally(args...)
		if code != 0 || !strings.Contains(out, "POST /CreateSavingsPlan") || !strings.Contains(errOut, "could not tell which AWS account") {
			t.Errorf("dry run: exit %d; want the requests and a note that the account is unknown:\n%s%s", code, out, errOut)
		}
		confirmInput = strings.NewReader("buy 1 commitments\n")
		code, _, errOut = runTally(append(args, "--execute")...)
		if purchases(srv) != 0 {
			t.Fatalf("bought with credentials of an unknown account:\n%s", errOut)
		}
		if code == 0 || !strings.Contains(errOut, "InvalidClientTokenId") || strings.Contains(errOut, "to confirm") {
			t.Errorf("--execute: exit %d; want a refusal before the confirmation naming STS's error:\n%s", code, errOut)
		}
	})
}

// writePlan writes plan as JSON into a temporary directory and returns its
// path, for purchase --plan.
func writePlan(t *testing.T, plan commitments.Plan) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.json")
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fakeAWS starts the AWS protocols' fake server for a purchase, with static
// credentials (restored, with the confirmation input, when the test ends),
// and returns it with purchase's flags that point at it.
func fakeAWS(t *testing.T) (*awstest.Server, []string) {
	t.Helper()
	srv := awstest.New(nil)
	t.Cleanup(srv.Close)
	awsCredentials = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	t.Cleanup(func() { awsCredentials = nil; confirmInput = os.Stdin })
	return srv, []string{"--region", "us-west-2", "--savings-plans-endpoint", srv.SavingsPlans.URL, "--ec2-endpoint", srv.EC2.URL,
		"--sts-endpoint", srv.STS.URL}
}

// purchaseArgs starts the fake AWS server with the credentials of account
// and returns it with the arguments of a dry run of plan against the
// database at url (add --execute to buy).
func purchaseArgs(t *testing.T, url, account string, plan commitments.Plan) (*awstest.Server, []string) {
	t.Helper()
	srv, endpoints := fakeAWS(t)
	srv.SetCaller(account, "arn:aws:iam::"+account+":user/buyer")
	return srv, append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, plan)}, endpoints...)
}

// computeSPPlan is a plan of account made at now: hourly of 1-year
// Compute Savings Plans paid as payment says.
func computeSPPlan(account, hourly, payment string, now time.Time) commitments.Plan {
	o := commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: payment}
	return commitments.Plan{CreatedAt: now, BillingAccountID: account, Items: []commitments.PlanItem{{
		ID: commitments.ItemID(account, o, now), Date: now, HourlyCommitment: tally.MustParseMoney(hourly, "USD"), Offer: o}}}
}

// loggedActions returns the latest commitment actions of account ("" for
// all) in the database at url.
func loggedActions(t *testing.T, url, account string, limit int) []commitments.Action {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := db.CommitmentActions(context.Background(), account, limit)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// purchases counts the purchases the fake server received.
func purchases(srv *awstest.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Operation == awsinventory.OpCreateSavingsPlan || c.Operation == awsinventory.OpPurchaseReservedInstancesOffering {
			n++
		}
	}
	return n
}

// TestPurchaseReservedInstancesSaysWhatTheyCost: Reserved Instances are
// bought in whole instances; the dry run and the typed confirmation say
// how many and what they cost an hour, within the plan's amount. A plan's
// 0.6/h of c5.2xlarge (0.214/h each) bought three, 0.642/h, while the
// confirmation asked to buy "for 0.600/h in total". Every amount names its
// currency: the hourly ones said none ("0.428/h"), beside "1752.00 USD".
func TestPurchaseReservedInstancesSaysWhatTheyCost(t *testing.T) {
	url := knownDB(t, tally.ProviderAWS, "111")
	now := time.Now().UTC().Truncate(time.Hour)
	plan := c5ReservedPlan(now)
	srv, endpoints := fakeAWS(t)
	srv.SetCaller("111", "arn:aws:iam::111:user/buyer")
	args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, plan)}, endpoints...)
	code, out, errOut := runTally(args...)
	if code != 0 || !strings.Contains(out, "2 × c5.2xlarge, 0.428 USD/h of 1-year No Upfront Reserved Instances (us-west-2, c5, c5.2xlarge) (the plan's 0.600 USD/h buys 2 whole instance(s))") ||
		!strings.Contains(out, "InstanceCount=2") {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	confirmInput = strings.NewReader("buy 1 commitments\n")
	code, out, errOut = runTally(append(args, "--execute")...)
	if code != 0 || !strings.Contains(errOut, "for 0.428 USD/h in total") {
		t.Errorf("--execute: exit %d; want the confirmation to name the 0.428/h bought\n%s%s", code, out, errOut)
	}
	for _, c := range srv.Calls() {
		if c.Operation == "PurchaseReservedInstancesOffering" && !strings.Contains(c.Body, "InstanceCount=2") {
			t.Errorf("bought %s", c.Body)
		}
	}
}

// TestPurchaseWithALostAnswerIsNotSentAgain: a Reserved Instance purchase
// whose answer was lost (EC2 carried it out, then answered 500) may have
// been made; it is logged "unknown", the command fails saying to check, and
// running the plan again sends nothing (a resend would buy the instances a
// second time: the request has no idempotency token).
func TestPurchaseWithALostAnswerIsNotSentAgain(t *testing.T) {
	url := knownDB(t, tally.ProviderAWS, "111")
	now := time.Now().UTC().Truncate(time.Hour)
	srv, endpoints := fakeAWS(t)
	srv.SetCaller("111", "arn:aws:iam::111:user/buyer")
	srv.LoseAnswers(awsinventory.OpPurchaseReservedInstancesOffering, 1)
	buyOnceOnly(t, url, srv, endpoints, now, "may have been made", "sync aws")
}

// buyOnceOnly runs a confirmed purchase of c5ReservedPlan that must fail
// after sending its one request, saying each of says, and leave the
// purchase logged unknown; then runs it again, which must send nothing.
func buyOnceOnly(t *testing.T, url string, srv *awstest.Server, endpoints []string, now time.Time, says ...string) {
	t.Helper()
	args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, c5ReservedPlan(now)), "--execute"}, endpoints...)
	confirmInput = strings.NewReader("buy 1 commitments\n")
	code, _, errOut := runTally(args...)
	said := true
	for _, s := range says {
		said = said && strings.Contains(errOut, s)
	}
	if code == 0 || purchases(srv) != 1 || !said {
		t.Fatalf("exit %d, %d purchases sent; want a failure after one, saying %q:\n%s", code, purchases(srv), says, errOut)
	}
	acts := loggedActions(t, url, "111", 10)
	if len(acts) == 0 || acts[0].Action != commitments.ActionPurchase || acts[0].Status != commitments.StatusUnknown {
		t.Errorf("latest actions %+v, want the purchase logged %q", acts, commitments.StatusUnknown)
	}
	confirmInput = strings.NewReader("buy 1 commitments\n")
	code, out, errOut := runTally(args...)
	if code != 0 || purchases(srv) != 1 {
		t.Errorf("run again: exit %d, %d purchases sent in all; want nothing sent\n%s%s", code, purchases(srv), out, errOut)
	}
}

// TestPurchaseNotRecordedIsNotSentAgain: a purchase AWS carried out but
// whose log write then failed was never logged, so the next run sent it
// again. It is logged before it is sent, as perhaps bought, and the answer
// recorded on that entry: here the database refuses the answer.
func TestPurchaseNotRecordedIsNotSentAgain(t *testing.T) {
	url := knownDB(t, tally.ProviderAWS, "111")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		CREATE FUNCTION refuse_bought() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'disk full'; END $$;
		CREATE TRIGGER refuse_bought BEFORE INSERT OR UPDATE ON commitment_actions
			FOR EACH ROW WHEN (NEW.action = 'purchase' AND NEW.status = 'ok') EXECUTE FUNCTION refuse_bought()`)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Hour)
	srv, endpoints := fakeAWS(t)
	srv.SetCaller("111", "arn:aws:iam::111:user/buyer")
	buyOnceOnly(t, url, srv, endpoints, now, "could not record it", "will not be sent again")
}

// TestPurchaseConfirmationSaysTheUpfrontCharge: an All Upfront purchase
// charges its whole term when it is bought; the dry run and the typed
// confirmation say how much, beside the hourly cost. The confirmation said
// only "for 0.200/h in total" of a plan that charged 1752 USD at once.
func TestPurchaseConfirmationSaysTheUpfrontCharge(t *testing.T) {
	url := knownDB(t, tally.ProviderAWS, "111")
	now := time.Now().UTC().Truncate(time.Hour)
	_, args := purchaseArgs(t, url, "111", computeSPPlan("111", "0.2", commitments.AllUpfront, now))
	code, out, errOut := runTally(args...)
	if code != 0 || !strings.Contains(out, "0.200 USD/h of 1-year All Upfront Compute Savings Plan, 1752.00 USD of it charged upfront") {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	confirmInput = strings.NewReader("no\n")
	code, out, errOut = runTally(append(args, "--execute")...)
	if code == 0 || !strings.Contains(errOut, "for 0.200 USD/h in total, for their whole terms (1752.00 USD of it charged upfront, now)") {
		t.Errorf("--execute: exit %d; want the confirmation to name the upfront charge\n%s%s", code, out, errOut)
	}
}

// TestPurchaseRefusesTheCSVPlan: recommend --plan-out writes CSV for review
// and JSON for purchase; a CSV plan given to purchase said "byte 1: bad
// purchase plan: invalid character 'i' looking for beginning of value".
func TestPurchaseRefusesTheCSVPlan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.csv")
	if err := os.WriteFile(path, []byte("id,date,provider\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runTally("--database-url", "postgres://x@127.0.0.1:1/x", "commitments", "purchase", "--plan", path)
	if code != exitUsage || !strings.Contains(errOut, "a CSV plan is for review") || !strings.Contains(errOut, "--plan-out plan.json") {
		t.Errorf("purchase --plan plan.csv: exit %d %s", code, errOut)
	}
}

// TestPurchaseTellsTermsAndPaymentsApart: a plan item's ID (and so the
// idempotency token and the action log's "bought already") named its
// account, pool and day, not its term or payment option: after a 1-year
// Compute Savings Plan was bought, a 3-year one for the same pool and day
// in a later plan read "bought already" and was never sent. Purchases
// logged under the old IDs still count for the item they bought (the one
// whose offering they were sent for), and for no other.
func TestPurchaseTellsTermsAndPaymentsApart(t *testing.T) {
	const account = "111"
	now := time.Now().UTC().Truncate(time.Hour)
	planOf := func(term int, payment string) commitments.Plan {
		o := commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: term, Payment: payment}
		hourly := tally.MustParseMoney("0.5", "USD")
		return commitments.NewPlan(account, now, []commitments.PoolPlan{{Pool: "aws/compute-savings-plan", Offer: o,
			PurchaseHourly: hourly, Tranches: []commitments.Tranche{{Date: now, HourlyCommitment: hourly}}}})
	}
	oneYear, threeYear, oneYearAllUpfront := planOf(12, commitments.NoUpfront), planOf(36, commitments.NoUpfront), planOf(12, commitments.AllUpfront)
	if id1, id3 := oneYear.Items[0].ID, threeYear.Items[0].ID; id1 == id3 || id1 == oneYearAllUpfront.Items[0].ID {
		t.Errorf("1-year, 3-year and All Upfront items of one pool and day have IDs %s, %s, %s", id1, id3, oneYearAllUpfront.Items[0].ID)
	}

	url := knownDB(t, tally.ProviderAWS, account)
	srv, endpoints := fakeAWS(t)
	srv.SetCaller(account, "arn:aws:iam::"+account+":user/buyer")
	run := func(p commitments.Plan, extra ...string) (int, string, string) {
		args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, p)}, endpoints...)
		return runTally(append(args, extra...)...)
	}
	confirmInput = strings.NewReader("buy 1 commitments\n")
	if code, out, errOut := run(oneYear, "--execute"); code != 0 || purchases(srv) != 1 {
		t.Fatalf("buying the 1-year item: exit %d, %d bought\n%s%s", code, purchases(srv), out, errOut)
	}
	for _, c := range []struct {
		name string
		plan commitments.Plan
		want string
	}{
		{"the same 1-year item", oneYear, "bought already"},
		{"a 3-year item", threeYear, "due now"},
		{"a 1-year All Upfront item", oneYearAllUpfront, "due now"},
	} {
		if code, out, errOut := run(c.plan); code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s after the 1-year one was bought: exit %d; want %q\n%s%s", c.name, code, c.want, out, errOut)
		}
	}

	// A purchase logged under the old ID (account/pool/day): it bought the
	// offering its request names, the 1-year one.
	url = pgtest.NewURL(t, true)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, out, errOut := run(oneYear, "--format", "json")
	var reqs []awsinventory.Request
	if err := json.Unmarshal([]byte(out), &reqs); code != 0 || err != nil || len(reqs) != 1 {
		t.Fatalf("dry run: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	legacy := account + "/aws/compute-savings-plan/" + tally.FormatDay(now)
	body, _ := json.Marshal(map[string]any{"itemId": legacy, "offeringId": reqs[0].OfferingID})
	if _, err := db.LogCommitmentAction(context.Background(), commitments.Action{BillingAccountID: account, Action: commitments.ActionPurchase,
		Status: commitments.StatusOK, Provider: "aws", ItemID: legacy, Operation: awsinventory.OpCreateSavingsPlan, Request: body}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		plan commitments.Plan
		want string
	}{
		{"the 1-year item", oneYear, "bought already"},
		{"a 3-year item", threeYear, "due now"},
	} {
		if code, out, errOut := run(c.plan); code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s after a purchase logged under the old ID: exit %d; want %q\n%s%s", c.name, code, c.want, out, errOut)
		}
	}
}

// TestPurchaseRegionHelpSaysWhatItDoes: purchase --help described --region
// as "Regions whose Reserved Instances are read", sync aws's meaning, then
// as "Changes nothing in a purchase": a purchase reads no inventory, buys
// each Reserved Instance in its plan item's region and Savings Plans
// through the global API. The flag is hidden, and still accepted with a
// warning for the scripts that pass it.
func TestPurchaseRegionHelpSaysWhatItDoes(t *testing.T) {
	help := func(args ...string) (int, string) { // the help's lines are wrapped
		code, out, _ := runTally(append(args, "--help")...)
		return code, strings.Join(strings.Fields(out), " ")
	}
	code, out := help("commitments", "purchase")
	if code != 0 || strings.Contains(out, "--region") {
		t.Errorf("purchase --help: exit %d; it lists --region, which changes nothing there:\n%s", code, out)
	}
	if code, out := help("commitments", "sync", "aws"); code != 0 || !strings.Contains(out, "Reserved Instances are read") {
		t.Errorf("sync aws --help: exit %d; --region should still name the regions read:\n%s", code, out)
	}

	// An item in us-west-2 is bought there, whatever --region.
	url := pgtest.NewURL(t, true)
	now := time.Now().UTC().Truncate(time.Hour)
	plan := c5ReservedPlan(now)
	srv, endpoints := fakeAWS(t)
	srv.SetCaller("111", "arn:aws:iam::111:user/buyer")
	args := append([]string{"--database-url", url, "--log-level", "warn", "commitments", "purchase", "--plan", writePlan(t, plan), "--format", "json"}, endpoints...)
	code, out, errOut := runTally(append(args, "--region", "eu-west-1")...)
	var reqs []awsinventory.Request
	if err := json.Unmarshal([]byte(out), &reqs); code != 0 || err != nil || len(reqs) != 1 || reqs[0].Payload.Region != "us-west-2" {
		t.Errorf("purchase --region eu-west-1 of a us-west-2 item: exit %d, %v, %+v\n%s", code, err, reqs, errOut)
	}
	if !strings.Contains(errOut, "--region changes nothing in a purchase") {
		t.Errorf("purchase --region: no warning that it changes nothing:\n%s", errOut)
	}
}

// c5ReservedPlan is a plan of account 111 made at now: 0.6/h of 1-year No
// Upfront c5.2xlarge Reserved Instances in us-west-2 (0.214/h each).
func c5ReservedPlan(now time.Time) commitments.Plan {
	return commitments.Plan{CreatedAt: now, BillingAccountID: "111", Items: []commitments.PlanItem{{
		ID: "111/aws/reserved-instance/us-west-2/c5/c5.2xlarge/" + tally.FormatDay(now), Date: now, HourlyCommitment: tally.MustParseMoney("0.6", "USD"),
		Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: commitments.NoUpfront, Region: "us-west-2",
			Family: "c5", InstanceType: "c5.2xlarge"}}}}
}

// TestPurchaseWarnsOfAPlanOfAnotherDatabase: what of a plan was bought
// already is in the action log of the database the plan was made from. A
// plan of a billing account this database knows nothing of (no bill, no
// stored commitment) was dry-run and bought without a word, its log blind
// to earlier purchases; it is warned of, and no longer once the account
// is known.
func TestPurchaseWarnsOfAPlanOfAnotherDatabase(t *testing.T) {
	url := pgtest.NewURL(t, true)
	now := time.Now().UTC().Truncate(time.Hour)
	_, args := purchaseArgs(t, url, "999999999999", computeSPPlan("999999999999", "0.5", commitments.NoUpfront, now))
	const warning = "warning: this database has no bill or stored commitment of the plan's billing account 999999999999"
	code, _, errOut := runTally(args...)
	if code != 0 || !strings.Contains(errOut, warning) {
		t.Errorf("dry run of an unknown account's plan: exit %d, stderr lacks %q:\n%s", code, warning, errOut)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UpsertCommitments(context.Background(), []tally.Commitment{{BillingAccountID: "999999999999", ID: "sp-1", Provider: "aws",
		Kind: tally.CommitComputeSP, TermMonths: 12, Start: now.AddDate(0, -1, 0), End: now.AddDate(0, 11, 0), PaymentOption: commitments.NoUpfront,
		HourlyCommitment: tally.MustParseMoney("1", "USD"), State: "active", Source: "aws"}}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runTally(args...); code != 0 || strings.Contains(errOut, "warning: this database") {
		t.Errorf("dry run of a known account's plan: exit %d, stderr:\n%s", code, errOut)
	}
}

// TestPurchaseRefusesAnUnknownAccount: --execute of a plan of a billing
// account this database has never seen (no bill, no stored commitment)
// buys nothing and says which account and what to do, before asking for
// confirmation or calling AWS; it was only warned of, and bought, blind to
// what the database the plan was made from had logged as bought. Once the
// account is known, the plan is bought.
func TestPurchaseRefusesAnUnknownAccount(t *testing.T) {
	const account = "999999999999"
	url := pgtest.NewURL(t, true)
	now := time.Now().UTC().Truncate(time.Hour)
	srv, args := purchaseArgs(t, url, account, computeSPPlan(account, "0.5", commitments.NoUpfront, now))
	args = append(args, "--execute")
	confirmInput = strings.NewReader("buy 1 commitments\n")
	code, _, errOut := runTally(args...)
	const want = `--execute: the plan's billing account 999999999999 is not known to this database (no bill, no stored commitment; ` +
		`its billing accounts: none: ingest a bill first), so nothing was bought: its action log cannot tell which of the plan's items were bought before. ` +
		`Buy from the database the plan was made from (--database, --database-url), or ingest the account's bill ('tally ingest') ` +
		`or sync its commitments ('tally commitments sync aws') first`
	if code != 2 || purchases(srv) != 0 || !strings.Contains(errOut, want) || strings.Contains(errOut, "to confirm") {
		t.Errorf("--execute of an unknown account's plan: exit %d, bought %d; stderr lacks %q:\n%s", code, purchases(srv), want, errOut)
	}
	knowAccounts(t, url, tally.ProviderAWS, account)
	confirmInput = strings.NewReader("buy 1 commitments\n")
	if code, out, errOut := runTally(args...); code != 0 || purchases(srv) != 1 {
		t.Errorf("--execute of a known account's plan: exit %d, bought %d\n%s%s", code, purchases(srv), out, errOut)
	}
}

// knownDB returns the URL of a new database that knows the billing accounts
// of provider, as an ingested bill of theirs would make it: a purchase
// buys only for an account its database knows.
func knownDB(t *testing.T, provider string, accounts ...string) string {
	t.Helper()
	url := pgtest.NewURL(t, true)
	knowAccounts(t, url, provider, accounts...)
	return url
}

// knowAccounts records the billing accounts of provider in the database at
// url.
func knowAccounts(t *testing.T, url, provider string, accounts ...string) {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, a := range accounts {
		if err := db.UpsertBillingAccount(context.Background(), tally.BillingAccount{ID: a, Provider: provider}); err != nil {
			t.Fatal(err)
		}
	}
}
