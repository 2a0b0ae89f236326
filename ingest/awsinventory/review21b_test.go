package awsinventory_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/commitments"
	"github.com/tallyhq/tally/ingest/awsinventory"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
)

// TestReservedInstancePurchaseIsSentOnce: PurchaseReservedInstancesOffering
// takes no idempotency token, so a resend is a second purchase. When EC2
// takes the purchase but its answer is lost (an InternalError 500 after the
// Reserved Instances were bought), the SDK's default retryer sends the
// purchase again: one confirmed item buys its instances twice. A purchase
// must be sent once; an ambiguous failure is for a person to check.
func TestReservedInstancePurchaseIsSentOnce(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	var purchases atomic.Int32
	// EC2 in front of the local one: the first purchase is made, and its
	// answer replaced by the 500 EC2 answers for an internal error.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		req, _ := http.NewRequest(r.Method, srv.EC2.URL+r.URL.Path, bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if form.Get("Action") == awsinventory.OpPurchaseReservedInstancesOffering && purchases.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InternalError</Code>`+
				`<Message>An internal error has occurred</Message></Error></Errors><RequestID>req-500</RequestID></Response>`)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(out)
	}))
	defer front.Close()
	c, err := awsinventory.NewClients(context.Background(), awsinventory.Options{Regions: []string{"us-west-2"},
		SavingsPlansEndpoint: srv.SavingsPlans.URL, EC2Endpoint: front.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	if err != nil {
		t.Fatal(err)
	}
	plan := commitments.Plan{BillingAccountID: "123456789012", Items: []commitments.PlanItem{
		{ID: "a/ri", Date: t0, HourlyCommitment: usd("0.428"), Offer: commitments.Offer{Provider: "aws", Kind: tally.CommitReserved,
			TermMonths: 12, Payment: "No Upfront", Region: "us-west-2", Family: "c5", InstanceType: "c5.2xlarge"}}}}
	reqs, err := awsinventory.Prepare(context.Background(), c, plan, plan.Due(t0, nil))
	if err != nil || len(reqs) != 1 {
		t.Fatalf("prepare: %d requests, %v", len(reqs), err)
	}
	resp, err := reqs[0].Send(context.Background())
	bought := 0
	for _, call := range srv.Calls() {
		if call.Operation == awsinventory.OpPurchaseReservedInstancesOffering {
			bought++
		}
	}
	if bought != 1 {
		t.Errorf("one Send of 2 × c5.2xlarge made %d purchases at EC2 (answer %s, error %v); want 1", bought, resp, err)
	}
}
