package awsinventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
)

var (
	t0        = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	portfolio = []tally.Commitment{
		{ID: "arn:aws:savingsplans::123456789012:savingsplan/sp-compute", Kind: tally.CommitComputeSP, TermMonths: 12, Start: t0,
			End: t0.AddDate(1, 0, 0), PaymentOption: "No Upfront", HourlyCommitment: usd("1.5"), RecurringHourlyFee: usd("1.5")},
		{ID: "arn:aws:savingsplans::123456789012:savingsplan/sp-ec2", Kind: tally.CommitEC2SP, TermMonths: 36, Start: t0,
			End: t0.AddDate(3, 0, 0), PaymentOption: "Partial Upfront", HourlyCommitment: usd("0.55"), RecurringHourlyFee: usd("0.275"),
			UpfrontFee: usd("7227"), Scope: map[string]string{"region": "us-west-2", "family": "m5"}},
		{ID: "arn:aws:savingsplans::123456789012:savingsplan/sp-3", Kind: tally.CommitComputeSP, TermMonths: 12, Start: t0,
			End: t0.AddDate(1, 0, 0), PaymentOption: "No Upfront", HourlyCommitment: usd("0.2"), RecurringHourlyFee: usd("0.2")},
		{ID: "arn:aws:ec2:us-west-2:123456789012:reserved-instances/4b2a1c9e", Kind: tally.CommitReserved, TermMonths: 12, Start: t0,
			End: t0.AddDate(1, 0, 0), PaymentOption: "No Upfront", Quantity: 5, RecurringHourlyFee: usd("0.605"),
			Scope: map[string]string{"region": "us-west-2", "instanceType": "m5.xlarge"}},
	}
)

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

func clients(t *testing.T, srv *awstest.Server) *awsinventory.Clients {
	t.Helper()
	c, err := awsinventory.NewClients(context.Background(), awsinventory.Options{Regions: []string{"us-west-2"},
		SavingsPlansEndpoint: srv.SavingsPlans.URL, EC2Endpoint: srv.EC2.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInventory(t *testing.T) {
	srv := awstest.New(portfolio)
	defer srv.Close()
	got, err := awsinventory.Inventory(context.Background(), clients(t, srv), "123456789012", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d commitments, want 4 (three plans over two pages, one RI): %+v", len(got), got)
	}
	byID := map[string]tally.Commitment{}
	for _, c := range got {
		byID[c.ID] = c
	}
	ec2sp := byID["arn:aws:savingsplans::123456789012:savingsplan/sp-ec2"]
	if ec2sp.Kind != tally.CommitEC2SP || ec2sp.Scope["family"] != "m5" || ec2sp.Scope["region"] != "us-west-2" || ec2sp.TermMonths != 36 ||
		!ec2sp.HourlyCommitment.Equal(usd("0.55")) || !ec2sp.UpfrontFee.Equal(usd("7227")) || ec2sp.PaymentOption != "Partial Upfront" ||
		!ec2sp.Start.Equal(t0) || ec2sp.BillingAccountID != "123456789012" || ec2sp.Source != awsinventory.SourceAPI {
		t.Errorf("EC2 Instance Savings Plan: %+v", ec2sp)
	}
	ri := byID["arn:aws:ec2:us-west-2:123456789012:reserved-instances/4b2a1c9e"]
	if ri.Kind != tally.CommitReserved || ri.Quantity != 5 || ri.Scope["instanceType"] != "m5.xlarge" || !ri.RecurringHourlyFee.Equal(usd("0.605")) ||
		ri.TermMonths != 12 || !ri.End.Equal(t0.AddDate(1, 0, 0)) || ri.PaymentOption != "No Upfront" {
		t.Errorf("Reserved Instance: %+v", ri)
	}
	if c := byID["arn:aws:savingsplans::123456789012:savingsplan/sp-compute"]; c.Kind != tally.CommitComputeSP || len(c.Scope) != 0 {
		t.Errorf("Compute Savings Plan: %+v", c)
	}
}

func TestPrepareAndSend(t *testing.T) {
	srv := awstest.New(portfolio)
	defer srv.Close()
	c := clients(t, srv)
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	plan := commitments.Plan{BillingAccountID: "123456789012", Items: []commitments.PlanItem{
		{ID: "a/ec2sp", Date: now, HourlyCommitment: usd("12.345"), Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitEC2SP,
			TermMonths: 12, Payment: "No Upfront", Region: "us-west-2", Family: "m5"}},
		{ID: "a/compute", Date: now.AddDate(0, 0, 7), HourlyCommitment: usd("2"), Offer: commitments.Offer{Provider: "aws",
			Kind: tally.CommitComputeSP, TermMonths: 36, Payment: "All Upfront"}},
		{ID: "a/ri", Date: now, HourlyCommitment: usd("0.428"), Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitReserved,
			TermMonths: 12, Payment: "No Upfront", Region: "us-west-2", Family: "c5", InstanceType: "c5.2xlarge"}},
		{ID: "g/cud", Date: now, HourlyCommitment: usd("1"), Offer: commitments.Offer{Provider: "gcp", Kind: tally.CommitCUDFlexible,
			TermMonths: 12, Payment: "No Upfront", Region: "us-central1"}},
	}}
	reqs, err := awsinventory.Prepare(context.Background(), c, plan, plan.Due(now, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 (the GCP item is not AWS's)", len(reqs))
	}
	for _, call := range srv.Calls() {
		if call.Operation == "CreateSavingsPlan" || call.Operation == "PurchaseReservedInstancesOffering" {
			t.Fatalf("Prepare sent %s", call.Operation)
		}
	}
	sp := reqs[0].Payload
	var body map[string]any
	if err := json.Unmarshal([]byte(sp.Body), &body); err != nil {
		t.Fatalf("CreateSavingsPlan body %q: %v", sp.Body, err)
	}
	if sp.Operation != "CreateSavingsPlan" || sp.Method != "POST" || sp.Path != "/CreateSavingsPlan" || body["commitment"] != "12.345" ||
		body["savingsPlanOfferingId"] != reqs[0].OfferingID || !strings.Contains(reqs[0].OfferingID, "EC2Instance") ||
		!strings.Contains(reqs[0].OfferingID, "us-west-2~m5") || body["clientToken"] == "" || !reqs[0].Due {
		t.Errorf("EC2 Instance Savings Plan request: %+v body %v", reqs[0], body)
	}
	var all map[string]any
	json.Unmarshal([]byte(reqs[1].Payload.Body), &all)
	// All Upfront pays the whole term by its offering: CreateSavingsPlan
	// takes upfrontPaymentAmount only for Partial Upfront.
	if _, ok := all["upfrontPaymentAmount"]; ok || all["commitment"] != "2" || reqs[1].Due { // dated next week
		t.Errorf("All Upfront Compute Savings Plan: due %v body %s", reqs[1].Due, reqs[1].Payload.Body)
	}
	ri := reqs[2]
	form, err := url.ParseQuery(ri.Payload.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ri.Quantity != 2 || form.Get("Action") != "PurchaseReservedInstancesOffering" || form.Get("InstanceCount") != "2" ||
		form.Get("ReservedInstancesOfferingId") != ri.OfferingID || form.Get("Version") != "2016-11-15" || ri.Payload.Region != "us-west-2" {
		t.Errorf("Reserved Instance request: %+v", ri)
	}

	for _, r := range []*awsinventory.Request{reqs[0], reqs[2]} {
		resp, err := r.Send(context.Background())
		if err != nil {
			t.Fatalf("send %s: %v", r.ItemID, err)
		}
		if !strings.Contains(string(resp), `"sp-`) && !strings.Contains(string(resp), `"ri-`) {
			t.Errorf("send %s: answer %s", r.ItemID, resp)
		}
	}
	got, err := awsinventory.Inventory(context.Background(), c, "123456789012", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	var newSP, newRI bool
	for _, x := range got {
		newSP = newSP || (x.Kind == tally.CommitEC2SP && x.HourlyCommitment.Equal(usd("12.345")))
		newRI = newRI || (x.Kind == tally.CommitReserved && x.Scope["instanceType"] == "c5.2xlarge" && x.Quantity == 2)
	}
	if !newSP || !newRI || len(got) != 6 {
		t.Errorf("after the purchases the inventory has %d commitments (new plan %v, new RI %v)", len(got), newSP, newRI)
	}
}

func TestPrepareNoOffering(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	plan := commitments.Plan{BillingAccountID: "1", Items: []commitments.PlanItem{{ID: "x", Date: t0, HourlyCommitment: usd("1"),
		Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitEC2SP, TermMonths: 12, Payment: "No Upfront", Region: "us-west-2"}}}}
	if _, err := awsinventory.Prepare(context.Background(), clients(t, srv), plan, plan.Due(t0, nil)); !errors.Is(err, awsinventory.ErrNoOffering) {
		t.Fatalf("err = %v, want ErrNoOffering", err)
	}
}

func TestBadCredentialsAreRefused(t *testing.T) {
	srv := awstest.New(portfolio)
	defer srv.Close()
	c, err := awsinventory.NewClients(context.Background(), awsinventory.Options{Regions: []string{"us-west-2"},
		SavingsPlansEndpoint: srv.SavingsPlans.URL + "/nope", EC2Endpoint: srv.EC2.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awsinventory.Inventory(context.Background(), c, "1", "1"); err == nil || !strings.Contains(err.Error(), "describe savings plans") {
		t.Fatalf("err = %v", err)
	}
}

// TestCaller: Caller asks STS GetCallerIdentity, with the clients'
// credentials and configuration, whose the credentials are; credentials
// STS does not know are an error naming STS's code.
func TestCaller(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	c, err := awsinventory.NewClients(context.Background(), awsinventory.Options{Regions: []string{"us-west-2"},
		SavingsPlansEndpoint: srv.SavingsPlans.URL, EC2Endpoint: srv.EC2.URL, STSEndpoint: srv.STS.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	who, err := c.Caller(context.Background())
	if err != nil || who.Account != awstest.DefaultAccount || who.ARN != "arn:aws:iam::"+awstest.DefaultAccount+":user/tally-test" || who.UserID == "" {
		t.Errorf("default caller: %+v, %v", who, err)
	}
	srv.SetCaller("222222222222", "arn:aws:sts::222222222222:assumed-role/buyer/session")
	if who, err := c.Caller(context.Background()); err != nil || who.Account != "222222222222" ||
		who.ARN != "arn:aws:sts::222222222222:assumed-role/buyer/session" {
		t.Errorf("caller after SetCaller: %+v, %v", who, err)
	}
	srv.SetCaller("", "")
	if who, err := c.Caller(context.Background()); err == nil || !strings.Contains(err.Error(), "get caller identity") ||
		!strings.Contains(err.Error(), "InvalidClientTokenId") {
		t.Errorf("unknown credentials: %+v, %v", who, err)
	}
	if n := srv.CallsOf("GetCallerIdentity"); n != 3 {
		t.Errorf("%d GetCallerIdentity calls, want 3", n)
	}
}

// TestPrepareUpfrontPayments: CreateSavingsPlan's upfrontPaymentAmount is
// "a whole number between 50 and 99 percent of the total value of the
// Savings Plan", "only supported if the payment option is Partial Upfront".
// A Partial Upfront plan states half its total at the commitment sent,
// rounded up to a whole unit; an All Upfront plan states none. Both are
// accepted by the fake Savings Plans API, which checks those rules, and
// join the inventory with the upfront and recurring fees AWS would charge.
func TestPrepareUpfrontPayments(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	c := clients(t, srv)
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	item := func(id, hourly, payment string) commitments.PlanItem {
		return commitments.PlanItem{ID: id, Date: now, HourlyCommitment: usd(hourly), Offer: commitments.Offer{Provider: "aws",
			Kind: tally.CommitComputeSP, TermMonths: 12, Payment: payment}}
	}
	plan := commitments.Plan{BillingAccountID: "123456789012", Items: []commitments.PlanItem{
		item("a/partial", "0.151", "Partial Upfront"), // 0.151 × 8,760 = 1,322.76; half 661.38
		item("b/all", "0.2", "All Upfront"),
	}}
	reqs, err := awsinventory.Prepare(context.Background(), c, plan, plan.Due(now, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"commitment": "0.151", "upfrontPaymentAmount": "662"}, {"commitment": "0.2"}}
	for i, r := range reqs {
		var body map[string]any
		if err := json.Unmarshal([]byte(r.Payload.Body), &body); err != nil {
			t.Fatal(err)
		}
		_, has := body["upfrontPaymentAmount"]
		if body["commitment"] != want[i]["commitment"] || has != (want[i]["upfrontPaymentAmount"] != nil) ||
			(has && body["upfrontPaymentAmount"] != want[i]["upfrontPaymentAmount"]) {
			t.Errorf("%s: body %s, want %v", r.ItemID, r.Payload.Body, want[i])
		}
		if resp, err := r.Send(context.Background()); err != nil {
			t.Errorf("send %s: %v", r.ItemID, err)
		} else if !strings.Contains(string(resp), `"sp-`) {
			t.Errorf("send %s: answer %s", r.ItemID, resp)
		}
	}
	got, err := awsinventory.Inventory(context.Background(), c, "123456789012", "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	fees := map[string]string{}
	for _, x := range got {
		fees[x.PaymentOption] = x.UpfrontFee.Decimal() + " + " + x.RecurringHourlyFee.Decimal() + "/h"
	}
	if fees["Partial Upfront"] != "662 + 0.075429223744/h" || fees["All Upfront"] != "1752 + 0/h" {
		t.Errorf("bought: %v", fees)
	}
}

// TestPrepareReservedInstancesWithinThePlan: Reserved Instances come in
// whole instances; a plan item's hourly amount buys as many as fit in it,
// never more (a risk-bounded 0.6/h of c5.2xlarge at 0.214/h each is two,
// 0.428/h: three, 0.642/h, was bought), and the request says what they
// cost an hour. An amount below one instance buys nothing: it is an error
// naming the item and the instance's price (one instance, 0.214/h, four
// times the plan's 0.05/h, was bought).
func TestPrepareReservedInstancesWithinThePlan(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	c := clients(t, srv)
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	ri := func(id, hourly string) commitments.Plan {
		return commitments.Plan{BillingAccountID: "123456789012", Items: []commitments.PlanItem{{ID: id, Date: now,
			HourlyCommitment: usd(hourly), Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12,
				Payment: "No Upfront", Region: "us-west-2", Family: "c5", InstanceType: "c5.2xlarge"}}}}
	}
	plan := ri("a/ri", "0.6")
	reqs, err := awsinventory.Prepare(context.Background(), c, plan, plan.Due(now, nil))
	if err != nil {
		t.Fatal(err)
	}
	form, _ := url.ParseQuery(reqs[0].Payload.Body)
	if reqs[0].Quantity != 2 || form.Get("InstanceCount") != "2" || !reqs[0].HourlyCost.Equal(usd("0.428")) {
		t.Errorf("0.6/h of c5.2xlarge at 0.214/h: %d instances (%s), %s/h; want 2, 0.428/h", reqs[0].Quantity, form.Get("InstanceCount"), reqs[0].HourlyCost)
	}
	plan = ri("b/ri", "0.05")
	_, err = awsinventory.Prepare(context.Background(), c, plan, plan.Due(now, nil))
	if err == nil || !strings.Contains(err.Error(), "b/ri") || !strings.Contains(err.Error(), "0.214") ||
		!strings.Contains(err.Error(), "less than one") {
		t.Errorf("0.05/h of c5.2xlarge at 0.214/h: err %v; want it to name the item, the price and less than one instance", err)
	}
	// A Savings Plan costs the commitment sent an hour.
	plan.Items[0] = commitments.PlanItem{ID: "c/sp", Date: now, HourlyCommitment: usd("1.2345"),
		Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: "No Upfront"}}
	reqs, err = awsinventory.Prepare(context.Background(), c, plan, plan.Due(now, nil))
	if err != nil || !reqs[0].HourlyCost.Equal(usd("1.234")) {
		t.Errorf("Savings Plan of 1.2345/h: %v, %+v; want it to cost the 1.234/h sent", err, reqs)
	}
}

// TestPrepareRefusesCommitmentBelowTheMinimum: CreateSavingsPlan's
// commitment is "a value between 0.001 and 1 million"; an item of
// 0.0004/h was sent as "commitment":"0" (rounded to three decimals) and
// shown as due. It is an error naming the item and the minimum.
func TestPrepareRefusesCommitmentBelowTheMinimum(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	plan := commitments.Plan{BillingAccountID: "1", Items: []commitments.PlanItem{{ID: "a/tiny", Date: now, HourlyCommitment: usd("0.0004"),
		Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: "No Upfront"}}}}
	reqs, err := awsinventory.Prepare(context.Background(), clients(t, srv), plan, plan.Due(now, nil))
	if err == nil || !strings.Contains(err.Error(), "a/tiny") || !strings.Contains(err.Error(), "0.001") {
		body := ""
		if len(reqs) > 0 {
			body = reqs[0].Payload.Body
		}
		t.Errorf("0.0004/h: err %v, body %s; want an error naming the item and the 0.001/h minimum", err, body)
	}
}

// TestPrepareRefusesAPlanInAnotherCurrency: Savings Plans and Reserved
// Instances are offered in USD; the plan of an account billed in EUR is in
// EUR (the bill's currency), and its 1.5 EUR/h was sent as commitment
// "1.5", which AWS reads as 1.5 USD/h, and its RI amount compared with USD
// prices. Both are errors naming the two currencies; nothing is built.
func TestPrepareRefusesAPlanInAnotherCurrency(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	eur := tally.MustParseMoney("1.5", "EUR")
	for _, o := range []commitments.Offer{
		{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: "No Upfront"},
		{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: "No Upfront", Region: "eu-west-1", Family: "m5", InstanceType: "m5.xlarge"},
	} {
		plan := commitments.Plan{BillingAccountID: "1", Items: []commitments.PlanItem{{ID: "a/" + o.Kind, Date: now, HourlyCommitment: eur, Offer: o}}}
		reqs, err := awsinventory.Prepare(context.Background(), clients(t, srv), plan, plan.Due(now, nil))
		if err == nil || !strings.Contains(err.Error(), "EUR") || !strings.Contains(err.Error(), "USD") {
			body := ""
			if len(reqs) > 0 {
				body = reqs[0].Payload.Body
			}
			t.Errorf("%s in EUR: err %v, body %s; want an error naming EUR and USD", o.Kind, err, body)
		}
	}
}

// TestReservedInstancePurchaseIsSentOnce: PurchaseReservedInstancesOffering
// takes no idempotency token, so a resend is a second purchase. When EC2
// carried out the purchase but its answer was lost (a 500 InternalError),
// the SDK's retryer sent it again: one confirmed item bought its instances
// twice, and Send reported success. It is now sent once, and Send says the
// outcome is unknown (ErrOutcomeUnknown); a refusal (a client fault) is not
// unknown.
func TestReservedInstancePurchaseIsSentOnce(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	srv.LoseAnswers(awsinventory.OpPurchaseReservedInstancesOffering, 1)
	c := clients(t, srv)
	plan := commitments.Plan{BillingAccountID: "123456789012", Items: []commitments.PlanItem{
		{ID: "a/ri", Date: t0, HourlyCommitment: usd("0.428"), Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitReserved,
			TermMonths: 12, Payment: "No Upfront", Region: "us-west-2", Family: "c5", InstanceType: "c5.2xlarge"}}}}
	reqs, err := awsinventory.Prepare(context.Background(), c, plan, plan.Due(t0, nil))
	if err != nil || len(reqs) != 1 {
		t.Fatalf("prepare: %d requests, %v", len(reqs), err)
	}
	resp, err := reqs[0].Send(context.Background())
	bought := srv.CallsOf(awsinventory.OpPurchaseReservedInstancesOffering)
	if bought != 1 || !errors.Is(err, awsinventory.ErrOutcomeUnknown) {
		t.Errorf("one Send of 2 × c5.2xlarge whose answer was lost made %d purchases at EC2 (answer %s, error %v); want 1 and ErrOutcomeUnknown", bought, resp, err)
	}
}
