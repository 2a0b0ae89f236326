package commitments

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

func TestPlanJSONAndCSV(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	pp := PoolPlan{Pool: "aws/ec2-instance-savings-plan/us-east-1/m5", Offer: Offer{Provider: "aws", Kind: tally.CommitEC2SP,
		TermMonths: 12, Payment: NoUpfront, Region: "us-east-1", Family: "m5"}, PurchaseHourly: usd("3"),
		Savings: Evaluation{ExpectedSavings: 1200, P10: 900, P90: 1500}, Why: "because",
		Tranches: []Tranche{{Date: day, HourlyCommitment: usd("2")}, {Date: day.AddDate(0, 0, 7), HourlyCommitment: usd("1")}}}
	p := NewPlan("123", day, []PoolPlan{pp})
	if len(p.Items) != 2 || p.Items[0].ExpectedSavings.Decimal() != "800" || p.Items[1].P90.Decimal() != "500" {
		t.Fatalf("%+v", p.Items)
	}
	b, _ := json.Marshal(p)
	back, err := ReadPlan(bytes.NewReader(b), "plan.json")
	if err != nil || len(back.Items) != 2 || !back.Items[1].HourlyCommitment.Equal(usd("1")) {
		t.Fatalf("%+v %v", back, err)
	}
	var c bytes.Buffer
	if err := p.WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(c.String()), "\n")
	if len(lines) != 3 || lines[1] != "123/aws/ec2-instance-savings-plan/us-east-1/m5/2026-03-02,2026-03-02,aws,ec2-instance-savings-plan,us-east-1,m5,,12,No Upfront,2,USD,800,600,1000,because" {
		t.Fatalf("csv:\n%s", c.String())
	}
}

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

func TestReadPlanErrors(t *testing.T) {
	item := `{"id":"x","date":"2026-03-02T00:00:00Z","offer":{"provider":"aws","kind":"ec2-instance-savings-plan","termMonths":12,"paymentOption":"No Upfront","region":"us-east-1","family":"m5"},"hourlyCommitment":{"amount":"1","currency":"USD"}}`
	for _, c := range []struct{ in, want string }{
		{`{`, "plan.json: bad purchase plan"},
		{`{"billingAccountId":""}`, "billingAccountId: empty"},
		{`{"billingAccountId":"1","items":[` + item + `,` + item + `]}`, `items[1] (x): bad purchase plan: id: value "x": empty or repeated`},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"termMonths":12`, `"termMonths":13`, 1) + `]}`, "offer.termMonths: value \"13\": want 12 or 36"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"family":"m5"`, `"family":""`, 1) + `]}`, "this kind needs both"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"amount":"1"`, `"amount":"-1"`, 1) + `]}`, "hourlyCommitment: value \"-1\": must be positive"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"paymentOption":"No Upfront"`, `"paymentOption":"Later"`, 1) + `]}`, "want No Upfront, Partial Upfront or All Upfront"},
		{`{"billingAccountId":"1","surprise":1}`, "unknown field"},
	} {
		_, err := ReadPlan(strings.NewReader(c.in), "plan.json")
		if err == nil || !errors.Is(err, ErrBadPlan) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzReadPlan(f *testing.F) {
	f.Add(`{"billingAccountId":"1","items":[{"id":"x","date":"2026-03-02T00:00:00Z","offer":{"provider":"aws","kind":"compute-savings-plan","termMonths":12,"paymentOption":"No Upfront"},"hourlyCommitment":{"amount":"1.5","currency":"USD"}}]}`)
	f.Add(`{"billingAccountId":"1","items":[]}`)
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ReadPlan(strings.NewReader(in), "fuzz.json")
		if err != nil {
			if !errors.Is(err, ErrBadPlan) {
				t.Fatalf("error does not wrap ErrBadPlan: %v", err)
			}
			return
		}
		for _, it := range p.Items {
			if it.HourlyCommitment.Sign() <= 0 || it.ID == "" {
				t.Fatalf("accepted a bad item %+v", it)
			}
		}
	})
}
