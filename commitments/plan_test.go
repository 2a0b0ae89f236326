package commitments

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
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
	// The amounts' columns say their unit: an hour's commitment, savings
	// over the whole term, in the row's currency.
	if want := "id,date,provider,kind,region,family,instance_type,term_months,payment_option,hourly_commitment_per_hour,currency," +
		"expected_savings_per_term,p10_savings_per_term,p90_savings_per_term,reason,platform"; lines[0] != want {
		t.Errorf("csv header:\n%s\nwant\n%s", lines[0], want)
	}
	if len(lines) != 3 || lines[1] != "123/aws/ec2-instance-savings-plan/us-east-1/m5/12m/no-upfront/2026-03-02,2026-03-02,aws,ec2-instance-savings-plan,us-east-1,m5,,12,No Upfront,2,USD,800,600,1000,because," {
		t.Fatalf("csv:\n%s", c.String())
	}
	// A family from the bill that a spreadsheet would run is written as text.
	pp.Offer.Family = "=HYPERLINK(\"http://x\")"
	c.Reset()
	if err := NewPlan("123", day, []PoolPlan{pp}).WriteCSV(&c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), `,us-east-1,"'=HYPERLINK(""http://x"")",,12,`) {
		t.Fatalf("csv with a formula family:\n%s", c.String())
	}
}

func usd(s string) tally.Money { return tally.MustParseMoney(s, "USD") }

func TestReadPlanErrors(t *testing.T) {
	item := `{"id":"x","date":"2026-03-02T00:00:00Z","offer":{"provider":"aws","kind":"ec2-instance-savings-plan","termMonths":12,"paymentOption":"No Upfront","region":"us-east-1","family":"m5"},"hourlyCommitment":{"amount":"1","currency":"USD"}}`
	for _, c := range []struct{ in, want string }{
		{`{`, "plan.json:1:1: bad purchase plan: the file ends inside the plan (truncated?)"},
		{`{"billingAccountId":""}`, "billingAccountId: empty"},
		{`{"billingAccountId":"1","items":[` + item + `,` + item + `]}`, `items[1] (x): bad purchase plan: id: value "x": empty or repeated`},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"termMonths":12`, `"termMonths":13`, 1) + `]}`, "offer.termMonths: value \"13\": want 12 or 36"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"family":"m5"`, `"family":""`, 1) + `]}`, "this kind needs both"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"amount":"1"`, `"amount":"-1"`, 1) + `]}`, "hourlyCommitment: value \"-1\": must be positive"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"family":"m5"`, `"family":"m5","availabilityZone":"us-east-1a"`, 1) + `]}`,
			`offer.availabilityZone: value "us-east-1a": Tally buys regional Reserved Instances of default tenancy only`},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"family":"m5"`, `"family":"m5","tenancy":"dedicated"`, 1) + `]}`,
			`offer.tenancy: value "dedicated": Tally buys regional Reserved Instances of default tenancy only`},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"paymentOption":"No Upfront"`, `"paymentOption":"Later"`, 1) + `]}`, "want No Upfront, Partial Upfront or All Upfront"},
		{`{"billingAccountId":"1","surprise":1}`, "unknown field"},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"currency":"USD"`, `"currency":""`, 1) + `]}`,
			`items[0] (x): bad purchase plan: hourlyCommitment.currency: value "": want a three-letter ISO 4217 code`},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `"currency":"USD"`, `"currency":"US$"`, 1) + `]}`,
			`hourlyCommitment.currency: value "US$": want a three-letter ISO 4217 code`},
		{`{"billingAccountId":"1","items":[` + item + `,` + strings.NewReplacer(`"id":"x"`, `"id":"y"`, `"currency":"USD"`, `"currency":"EUR"`).Replace(item) + `]}`,
			`items[1] (y): bad purchase plan: hourlyCommitment.currency: value "EUR": items[0] is in USD: a plan has one currency`},
		{`{"billingAccountId":"1","items":[` + strings.Replace(item, `}}`, `},"p90":{"amount":"5","currency":"EUR"}}`, 1) + `]}`,
			`p90.currency: value "EUR": want USD, the plan's currency`},
	} {
		_, err := ReadPlan(strings.NewReader(c.in), "plan.json")
		if err == nil || !errors.Is(err, ErrBadPlan) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.in, err, c.want)
		}
	}
}

// TestReadPlanCurrency: codes are read in any case and returned upper-case,
// and amounts left out stay zero.
func TestReadPlanCurrency(t *testing.T) {
	in := `{"billingAccountId":"1","items":[{"id":"x","date":"2026-03-02T00:00:00Z","offer":{"provider":"aws","kind":"compute-savings-plan","termMonths":12,"paymentOption":"No Upfront"},` +
		`"hourlyCommitment":{"amount":"1.5","currency":"usd"},"expectedSavings":{"amount":"10.25","currency":"Usd"}}]}`
	p, err := ReadPlan(strings.NewReader(in), "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	it := p.Items[0]
	if !it.HourlyCommitment.Equal(usd("1.5")) || !it.ExpectedSavings.Equal(usd("10.25")) || !it.P10.IsZero() || it.P10.Currency() != "" {
		t.Errorf("%+v", it)
	}
}

// TestPlanDue: per pool, only the earliest tranche not yet bought is due,
// once its date has come; a plan run late does not buy its whole ladder.
func TestPlanDue(t *testing.T) {
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	sp := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}
	ri := Offer{Provider: "aws", Kind: tally.CommitReserved, TermMonths: 12, Payment: NoUpfront, Region: "us-east-1", InstanceType: "m5.large"}
	var p Plan
	for w := 0; w < 4; w++ {
		d := day.AddDate(0, 0, 7*w)
		p.Items = append(p.Items, PlanItem{ID: "sp/" + tally.FormatDay(d), Date: d, Offer: sp},
			PlanItem{ID: "ri/" + tally.FormatDay(d), Date: d, Offer: ri})
	}
	p.Items[0], p.Items[6] = p.Items[6], p.Items[0] // the plan's order is not the ladder's
	for _, c := range []struct {
		name   string
		now    time.Time
		bought []string
		want   []string
	}{
		{"first day", day, nil, []string{"ri/2026-01-05", "sp/2026-01-05"}},
		{"the day before", day.Add(-time.Hour), nil, nil},
		{"months late, nothing bought", day.AddDate(0, 5, 0), nil, []string{"ri/2026-01-05", "sp/2026-01-05"}},
		{"months late, first bought", day.AddDate(0, 5, 0), []string{"sp/2026-01-05"}, []string{"ri/2026-01-05", "sp/2026-01-12"}},
		{"first bought, second not yet dated", day.AddDate(0, 0, 6), []string{"sp/2026-01-05", "ri/2026-01-05"}, nil},
		{"second week", day.AddDate(0, 0, 7), []string{"sp/2026-01-05", "ri/2026-01-05"}, []string{"ri/2026-01-12", "sp/2026-01-12"}},
		{"all bought", day.AddDate(0, 1, 0), []string{"sp/2026-01-05", "sp/2026-01-12", "sp/2026-01-19", "sp/2026-01-26",
			"ri/2026-01-05", "ri/2026-01-12", "ri/2026-01-19", "ri/2026-01-26"}, nil},
	} {
		bought := map[string]bool{}
		for _, id := range c.bought {
			bought[id] = true
		}
		var got []string
		for id := range p.Due(c.now, bought) {
			got = append(got, id)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: due %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPlanCheckAge(t *testing.T) {
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	p := Plan{Items: []PlanItem{{ID: "b", Date: day.AddDate(0, 0, 7)}, {ID: "a", Date: day}}}
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{day, ""},
		{day.Add(MaxPlanAge), ""},
		{day.Add(MaxPlanAge + time.Hour), "stale purchase plan: its first item (a) is dated 2026-01-05, 7 days ago, more than 7 days"},
		{day.AddDate(0, 5, 0), "(a) is dated 2026-01-05, 151 days ago"},
	} {
		err := p.CheckAge(c.now, MaxPlanAge)
		if c.want == "" && err != nil || c.want != "" && (!errors.Is(err, ErrStalePlan) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("at %s: err = %v, want %q", c.now, err, c.want)
		}
	}
	if err := (Plan{}).CheckAge(day, MaxPlanAge); err != nil {
		t.Errorf("empty plan: %v", err)
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
			if _, err := tally.ParseCurrency(string(it.HourlyCommitment.Currency())); err != nil || it.HourlyCommitment.Sign() <= 0 || it.ID == "" {
				t.Fatalf("accepted a bad item %+v", it)
			}
		}
	})
}

// TestPlanBought: purchases logged under an item's ID bought it; those
// logged under the legacy ID (account/pool/day, which named no term or
// payment option) bought the item of the offering they were sent for, or,
// when the log or the item does not say the offering, every item with that
// legacy ID (never bought twice).
func TestPlanBought(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	o12 := Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}
	o36 := o12
	o36.TermMonths = 36
	p := Plan{BillingAccountID: "123", Items: []PlanItem{{ID: ItemID("123", o12, day), Date: day, Offer: o12},
		{ID: ItemID("123", o36, day), Date: day, Offer: o36}}}
	id12, id36, legacy := p.Items[0].ID, p.Items[1].ID, "123/aws/compute-savings-plan/2026-03-02"
	if id12 != "123/aws/compute-savings-plan/12m/no-upfront/2026-03-02" || LegacyItemID("123", o36, day) != legacy {
		t.Fatalf("ItemID %s, LegacyItemID %s", id12, LegacyItemID("123", o36, day))
	}
	offering := map[string]string{id12: "off-12", id36: "off-36"}
	for _, c := range []struct {
		name     string
		logged   []LoggedPurchase
		offering map[string]string
		want     []string
	}{
		{"none", nil, offering, nil},
		{"by ID", []LoggedPurchase{{ItemID: id36, OfferingID: "off-changed"}}, offering, []string{id36}},
		{"legacy, its offering", []LoggedPurchase{{ItemID: legacy, OfferingID: "off-12"}}, offering, []string{id12}},
		{"legacy, offering unknown", []LoggedPurchase{{ItemID: legacy}}, offering, []string{id12, id36}},
		{"legacy, items' offerings unknown", []LoggedPurchase{{ItemID: legacy, OfferingID: "off-12"}}, nil, []string{id12, id36}},
		{"another day", []LoggedPurchase{{ItemID: "123/aws/compute-savings-plan/2026-03-09", OfferingID: "off-12"}}, offering, nil},
	} {
		var got []string
		for id := range p.Bought(c.logged, c.offering) {
			got = append(got, id)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: bought %v, want %v", c.name, got, c.want)
		}
	}
}

// TestReadPlanWhere: a plan file that is empty, truncated, followed by
// more, or with a value of the wrong type or form is refused with where
// (file:line:column), the field as the file spells it, and what is wrong;
// a second plan after the first was ignored, and the others said neither
// line nor field ("bad purchase plan: unexpected EOF", "amount "abc": not a
// decimal number").
func TestReadPlanWhere(t *testing.T) {
	p := Plan{BillingAccountID: "111", Items: []PlanItem{{ID: "a", Date: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		Offer: Offer{Provider: "aws", Kind: tally.CommitComputeSP, TermMonths: 12, Payment: NoUpfront}, HourlyCommitment: usd("1.5")}}}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "plan.json: bad purchase plan: the file is empty: want the JSON plan 'tally commitments recommend --plan-out plan.json' writes"},
		{"blank", "\n  \n", "plan.json: bad purchase plan: the file is empty"},
		{"truncated", good[:len(good)/2], "bad purchase plan: the file ends inside the plan (truncated?)"},
		{"two plans", good + "\n" + good, "plan.json:34:1: bad purchase plan: more after the plan's closing brace: a plan file holds one plan"},
		{"trailing text", good + " x", "plan.json:33:3: bad purchase plan: more after the plan's closing brace"},
		{"syntax", strings.Replace(good, `"termMonths": 12,`, `"termMonths": 12,,`, 1), "plan.json:11:26: bad purchase plan: not JSON: invalid character ','"},
		{"type", strings.Replace(good, `"termMonths": 12`, `"termMonths": "12"`, 1), "plan.json:11:23: bad purchase plan: items[0].offer.termMonths: value \"12\": a JSON string, want a whole number"},
		{"amount", strings.Replace(good, `"1.5"`, `"abc"`, 1), `plan.json:14:27: bad purchase plan: items[0].hourlyCommitment: value {"amount":"abc","currency":"USD"}: amount "abc": not a decimal number`},
		{"date", strings.Replace(good, `"2026-03-02T00:00:00Z"`, `"2026-13-02"`, 1), `plan.json:7:15: bad purchase plan: items[0].date: value "2026-13-02": parsing time "2026-13-02": month out of range`},
		{"unknown", strings.Replace(good, `"termMonths"`, `"terms": 1, "termMonths"`, 1), `plan.json:8:16: bad purchase plan: items[0].offer: value {"provider":"aws","kind":"compute-savings-plan","terms":1,"termMonths":12,"paymentOption":"No Upfront"}: json: unknown field "terms"`},
		{"check", strings.Replace(good, `"termMonths": 12`, `"termMonths": 24`, 1), `plan.json:11:23: items[0] (a): bad purchase plan: offer.termMonths: value "24": want 12 or 36`},
		{"top", strings.Replace(good, `"createdAt": "0001-01-01T00:00:00Z"`, `"createdAt": "yesterday"`, 1), `plan.json:2:16: bad purchase plan: createdAt: value "yesterday": parsing time`},
	} {
		_, err := ReadPlan(strings.NewReader(c.in), "plan.json")
		if err == nil || !errors.Is(err, ErrBadPlan) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v\nwant %q", c.name, err, c.want)
		}
	}
	if _, err := ReadPlan(strings.NewReader(good+"\n\n"), "plan.json"); err != nil {
		t.Errorf("a plan followed by blank lines: %v", err)
	}
}
