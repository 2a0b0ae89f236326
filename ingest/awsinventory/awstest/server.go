// Package awstest runs local servers that speak the AWS protocols the
// commitment adapter uses, for tests and the demo: the Savings Plans API
// (REST-JSON: POST /DescribeSavingsPlans, /DescribeSavingsPlansOfferings,
// /CreateSavingsPlan) and the EC2 Query protocol with XML responses
// (DescribeReservedInstances, DescribeReservedInstancesOfferings,
// PurchaseReservedInstancesOffering; DescribeInstances of the instances
// AddInstances adds), and STS GetCallerIdentity (Query
// protocol, XML), answering with a caller SetCaller configures. Requests
// must be SigV4-signed; bad ones get AWS-shaped errors. Purchases join the inventory, so a sync after
// a purchase sees them.
package awstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tallyhq/tally"
)

// Server is the local AWS endpoints.
type Server struct {
	SavingsPlans *httptest.Server // the Savings Plans endpoint
	EC2          *httptest.Server // the EC2 endpoint (every region)
	STS          *httptest.Server // the STS endpoint (GetCallerIdentity)

	mu        sync.Mutex
	plans     []savingsPlan
	reserved  map[string][]reservedInstance // by region
	calls     []Call
	now       func() time.Time
	seq       int
	account   string                // the caller's account; "" makes GetCallerIdentity fail
	arn       string                // the caller's ARN
	lose      map[string]int        // operation → answers still to lose (LoseAnswers)
	instances map[string][]Instance // by region (AddInstances)
}

// DefaultAccount is the account of the caller GetCallerIdentity names
// until SetCaller changes it.
const DefaultAccount = "000000000000"

// Call is a request the server answered.
type Call struct {
	Operation string
	Region    string
	Body      string
}

// RIPrices are the hourly No Upfront prices of the standard 1-year Reserved
// Instances the EC2 endpoint offers; other types are offered at $0.10.
var RIPrices = map[string]string{"m5.xlarge": "0.121", "m5.large": "0.0605", "c5.2xlarge": "0.214", "c5.xlarge": "0.107",
	"r5.xlarge": "0.159", "r5.large": "0.0795", "m7g.xlarge": "0.103"}

// New starts the servers holding portfolio's AWS commitments.
func New(portfolio []tally.Commitment) *Server {
	s := &Server{reserved: map[string][]reservedInstance{}, now: time.Now, account: DefaultAccount,
		arn: "arn:aws:iam::" + DefaultAccount + ":user/tally-test"}
	for _, c := range portfolio {
		s.add(c)
	}
	s.SavingsPlans = httptest.NewServer(http.HandlerFunc(s.savingsPlansAPI))
	s.EC2 = httptest.NewServer(http.HandlerFunc(s.ec2API))
	s.STS = httptest.NewServer(http.HandlerFunc(s.stsAPI))
	return s
}

// Close stops the servers.
func (s *Server) Close() {
	s.SavingsPlans.Close()
	s.EC2.Close()
	s.STS.Close()
}

// SetCaller sets whom GetCallerIdentity says the credentials belong to:
// account and arn. An empty account makes it fail as AWS does for
// credentials it does not know (InvalidClientTokenId).
func (s *Server) SetCaller(account, arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account, s.arn = account, arn
}

// LoseAnswers makes the next n requests of operation op (an EC2
// PurchaseReservedInstancesOffering) carried out but answered with EC2's
// 500 InternalError, as when AWS's answer is lost after the purchase.
func (s *Server) LoseAnswers(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lose == nil {
		s.lose = map[string]int{}
	}
	s.lose[op] = n
}

// loseAnswer reports whether the answer to this request of op is lost.
func (s *Server) loseAnswer(op string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lose[op] > 0 {
		s.lose[op]--
		return true
	}
	return false
}

// Calls returns the requests answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsOf counts the requests of operation op answered so far.
func (s *Server) CallsOf(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Operation == op {
			n++
		}
	}
	return n
}

func (s *Server) record(op, region, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Operation: op, Region: region, Body: body})
}

type savingsPlan struct {
	SavingsPlanID          string   `json:"savingsPlanId"`
	SavingsPlanArn         string   `json:"savingsPlanArn"`
	Description            string   `json:"description"`
	Start                  string   `json:"start"`
	End                    string   `json:"end"`
	State                  string   `json:"state"`
	Region                 string   `json:"region,omitempty"`
	EC2InstanceFamily      string   `json:"ec2InstanceFamily,omitempty"`
	SavingsPlanType        string   `json:"savingsPlanType"`
	PaymentOption          string   `json:"paymentOption"`
	ProductTypes           []string `json:"productTypes"`
	Currency               string   `json:"currency"`
	Commitment             string   `json:"commitment"`
	UpfrontPaymentAmount   string   `json:"upfrontPaymentAmount"`
	RecurringPaymentAmount string   `json:"recurringPaymentAmount"`
	TermDurationInSeconds  int64    `json:"termDurationInSeconds"`
	OfferingID             string   `json:"offeringId"`
}

type recurringCharge struct {
	Frequency string `xml:"frequency"`
	Amount    string `xml:"amount"`
}

type reservedInstance struct {
	ReservedInstancesID string            `xml:"reservedInstancesId"`
	InstanceType        string            `xml:"instanceType"`
	AvailabilityZone    string            `xml:"availabilityZone,omitempty"`
	Start               string            `xml:"start"`
	End                 string            `xml:"end"`
	Duration            int64             `xml:"duration"`
	UsagePrice          string            `xml:"usagePrice"`
	FixedPrice          string            `xml:"fixedPrice"`
	InstanceCount       int               `xml:"instanceCount"`
	ProductDescription  string            `xml:"productDescription"`
	State               string            `xml:"state"`
	InstanceTenancy     string            `xml:"instanceTenancy"`
	CurrencyCode        string            `xml:"currencyCode"`
	OfferingType        string            `xml:"offeringType"`
	RecurringCharges    []recurringCharge `xml:"recurringCharges>item"`
	OfferingClass       string            `xml:"offeringClass"`
	Scope               string            `xml:"scope"`
}

const isoTime = "2006-01-02T15:04:05.000Z"

// add puts a stored commitment into the inventory.
func (s *Server) add(c tally.Commitment) {
	seconds := int64(c.TermMonths) * 365 * 86400 / 12
	switch c.Kind {
	case tally.CommitComputeSP, tally.CommitEC2SP:
		id := c.ID[strings.LastIndex(c.ID, "/")+1:]
		sp := savingsPlan{SavingsPlanID: id, SavingsPlanArn: c.ID, Description: c.Kind, Start: c.Start.UTC().Format(time.RFC3339),
			End: c.End.UTC().Format(time.RFC3339), State: orDefault(c.State, "active"), SavingsPlanType: "Compute",
			PaymentOption: orDefault(c.PaymentOption, "No Upfront"), ProductTypes: []string{"EC2", "Fargate", "Lambda"},
			Currency: "USD", Commitment: c.HourlyCommitment.Decimal(), UpfrontPaymentAmount: c.UpfrontFee.Decimal(),
			RecurringPaymentAmount: c.RecurringHourlyFee.Decimal(), TermDurationInSeconds: seconds, OfferingID: "offering-" + id}
		if c.Kind == tally.CommitEC2SP {
			sp.SavingsPlanType, sp.ProductTypes = "EC2Instance", []string{"EC2"}
			sp.Region, sp.EC2InstanceFamily = c.Scope["region"], c.Scope["family"]
		}
		s.plans = append(s.plans, sp)
	case tally.CommitReserved:
		region := c.Scope["region"]
		n := max(1, int(c.Quantity))
		fixed, _ := c.UpfrontFee.MulRatio(1, uint64(n))
		hourly, _ := c.RecurringHourlyFee.MulRatio(1, uint64(n))
		ri := reservedInstance{ReservedInstancesID: c.ID[strings.LastIndex(c.ID, "/")+1:], InstanceType: c.Scope["instanceType"],
			Start: c.Start.UTC().Format(isoTime), End: c.End.UTC().Format(isoTime), Duration: seconds, UsagePrice: "0.0",
			FixedPrice: fixed.Round(4).Decimal(), InstanceCount: n, ProductDescription: orDefault(c.Scope["platform"], "Linux/UNIX"), State: orDefault(c.State, "active"),
			InstanceTenancy: orDefault(c.Scope["tenancy"], "default"), CurrencyCode: "USD", OfferingType: orDefault(c.PaymentOption, "No Upfront"),
			RecurringCharges: []recurringCharge{{Frequency: "Hourly", Amount: hourly.Round(6).Decimal()}}, OfferingClass: "standard", Scope: "Region"}
		if z := c.Scope["availabilityZone"]; z != "" {
			ri.Scope, ri.AvailabilityZone = "Availability Zone", z
		}
		s.reserved[region] = append(s.reserved[region], ri)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// signed checks that a request carries a SigV4 signature.
func signed(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=")
}

// savingsPlansAPI serves the REST-JSON Savings Plans API.
func (s *Server) savingsPlansAPI(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("X-Amzn-Errortype", typ)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	if !signed(r) {
		fail(http.StatusForbidden, "AccessDeniedException", "missing SigV4 authorization")
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		fail(http.StatusBadRequest, "ValidationException", "want POST with application/json")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			fail(http.StatusBadRequest, "SerializationException", err.Error())
			return
		}
	}
	op := strings.TrimPrefix(r.URL.Path, "/")
	s.record(op, "", string(body))
	w.Header().Set("Content-Type", "application/json")
	switch op {
	case "DescribeSavingsPlans":
		s.mu.Lock()
		plans := append([]savingsPlan(nil), s.plans...)
		s.mu.Unlock()
		// Two plans a page, to exercise pagination.
		start, _ := strconv.Atoi(str(in["nextToken"]))
		end := min(len(plans), start+2)
		out := map[string]any{"savingsPlans": plans[start:end]}
		if end < len(plans) {
			out["nextToken"] = strconv.Itoa(end)
		}
		json.NewEncoder(w).Encode(out)
	case "DescribeSavingsPlansOfferings":
		json.NewEncoder(w).Encode(map[string]any{"searchResults": offerings(in)})
	case "CreateSavingsPlan":
		offering, commitment := str(in["savingsPlanOfferingId"]), str(in["commitment"])
		if offering == "" || commitment == "" {
			fail(http.StatusBadRequest, "ValidationException", "savingsPlanOfferingId and commitment are required")
			return
		}
		if _, err := tally.ParseMoney(commitment, "USD"); err != nil {
			fail(http.StatusBadRequest, "ValidationException", "commitment: "+err.Error())
			return
		}
		planType, payment, seconds, region, family, ok := parseOfferingID(offering)
		if !ok {
			fail(http.StatusBadRequest, "ValidationException", "unknown savingsPlanOfferingId "+offering)
			return
		}
		// upfrontPaymentAmount: "a whole number between 50 and 99 percent
		// of the total value of the Savings Plan", "only supported if the
		// payment option is Partial Upfront" (CreateSavingsPlan's reference).
		hourly := tally.MustParseMoney(commitment, "USD")
		hours := uint64(seconds / 3600)
		total, _ := hourly.MulRatio(hours, 1)
		upfront, recurring := tally.Money{}, hourly
		u := str(in["upfrontPaymentAmount"])
		switch {
		case u != "" && payment != "Partial Upfront":
			fail(http.StatusBadRequest, "ValidationException", "upfrontPaymentAmount is only supported for Partial Upfront, not "+payment)
			return
		case payment == "Partial Upfront":
			m, err := tally.ParseMoney(u, "USD")
			lo, _ := total.MulRatio(50, 100)
			hi, _ := total.MulRatio(99, 100)
			cl, _ := m.Cmp(lo)
			ch, _ := m.Cmp(hi)
			if err != nil || !m.Equal(m.Round(0)) || cl < 0 || ch > 0 {
				fail(http.StatusBadRequest, "ValidationException", fmt.Sprintf("upfrontPaymentAmount %q: want a whole number between 50%% and 99%% of %s", u, total))
				return
			}
			upfront = m
			rest, _ := total.Sub(m)
			recurring, _ = rest.MulRatio(1, hours)
		case payment == "All Upfront":
			upfront, recurring = total, tally.MustParseMoney("0", "USD")
		}
		s.mu.Lock()
		s.seq++
		id := fmt.Sprintf("sp-%08d", s.seq)
		start := s.now().UTC().Truncate(time.Second)
		kind := tally.CommitComputeSP
		if planType == "EC2Instance" {
			kind = tally.CommitEC2SP
		}
		c := tally.Commitment{ID: "arn:aws:savingsplans::000000000000:savingsplan/" + id, Kind: kind, TermMonths: int(seconds * 12 / (365 * 86400)),
			Start: start, End: start.Add(time.Duration(seconds) * time.Second), PaymentOption: payment,
			HourlyCommitment: hourly, RecurringHourlyFee: recurring, UpfrontFee: upfront,
			Scope: map[string]string{"region": region, "family": family}, State: "active"}
		s.add(c)
		s.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"savingsPlanId": id})
	default:
		fail(http.StatusNotFound, "ResourceNotFoundException", "unknown operation "+op)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// offerings answers DescribeSavingsPlansOfferings for the requested plan
// types, durations, payment options and filters.
func offerings(in map[string]any) []map[string]any {
	list := func(k string) []string {
		var out []string
		if a, ok := in[k].([]any); ok {
			for _, v := range a {
				if f, ok := v.(float64); ok {
					out = append(out, strconv.FormatInt(int64(f), 10))
					continue
				}
				out = append(out, fmt.Sprint(v))
			}
		}
		return out
	}
	types, durations, payments := list("planTypes"), list("durations"), list("paymentOptions")
	if len(types) == 0 {
		types = []string{"Compute", "EC2Instance"}
	}
	if len(durations) == 0 {
		durations = []string{"31536000", "94608000"}
	}
	if len(payments) == 0 {
		payments = []string{"No Upfront", "Partial Upfront", "All Upfront"}
	}
	var region, family string
	if fs, ok := in["filters"].([]any); ok {
		for _, f := range fs {
			m, _ := f.(map[string]any)
			vals, _ := m["values"].([]any)
			if len(vals) == 0 {
				continue
			}
			switch m["name"] {
			case "region":
				region = fmt.Sprint(vals[0])
			case "instanceFamily":
				family = fmt.Sprint(vals[0])
			}
		}
	}
	var out []map[string]any
	for _, t := range types {
		for _, d := range durations {
			secs, _ := strconv.ParseInt(d, 10, 64)
			for _, p := range payments {
				o := map[string]any{"offeringId": offeringID(t, p, secs, region, family), "paymentOption": p, "planType": t,
					"durationSeconds": secs, "currency": "USD", "description": fmt.Sprintf("%d year %s %s", secs/(365*86400), p, t),
					"productTypes": []string{"EC2"}, "serviceCode": "ComputeSavingsPlans", "usageType": "ComputeSP:1yrNoUpfront", "operation": ""}
				if t == "EC2Instance" {
					if region == "" || family == "" {
						continue // EC2 Instance Savings Plans are offered per region and family
					}
					o["properties"] = []map[string]string{{"name": "region", "value": region}, {"name": "instanceFamily", "value": family}}
				}
				out = append(out, o)
			}
		}
	}
	return out
}

// offeringID encodes an offering in its id so CreateSavingsPlan can decode it.
func offeringID(planType, payment string, seconds int64, region, family string) string {
	return strings.Join([]string{"off", planType, url.PathEscape(payment), strconv.FormatInt(seconds, 10), region, family}, "~")
}

func parseOfferingID(id string) (planType, payment string, seconds int64, region, family string, ok bool) {
	p := strings.Split(id, "~")
	if len(p) != 6 || p[0] != "off" {
		return "", "", 0, "", "", false
	}
	payment, _ = url.PathUnescape(p[2])
	seconds, err := strconv.ParseInt(p[3], 10, 64)
	return p[1], payment, seconds, p[4], p[5], err == nil
}

// ec2API serves the EC2 Query protocol.
func (s *Server) ec2API(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
			code, xmlEscape(msg))
	}
	if !signed(r) {
		fail(http.StatusUnauthorized, "AuthFailure", "missing SigV4 authorization")
		return
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		fail(http.StatusBadRequest, "InvalidRequest", "want a POST form")
		return
	}
	if r.PostForm.Get("Version") != "2016-11-15" {
		fail(http.StatusBadRequest, "InvalidParameterValue", "Version must be 2016-11-15")
		return
	}
	region := regionOf(r.Header.Get("Authorization"))
	op := r.PostForm.Get("Action")
	s.record(op, region, r.PostForm.Encode())
	write := func(v any) {
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		io.WriteString(w, xml.Header)
		xml.NewEncoder(w).Encode(v)
	}
	type offering struct {
		ReservedInstancesOfferingID string            `xml:"reservedInstancesOfferingId"`
		InstanceType                string            `xml:"instanceType"`
		Duration                    int64             `xml:"duration"`
		UsagePrice                  string            `xml:"usagePrice"`
		FixedPrice                  string            `xml:"fixedPrice"`
		ProductDescription          string            `xml:"productDescription"`
		InstanceTenancy             string            `xml:"instanceTenancy"`
		CurrencyCode                string            `xml:"currencyCode"`
		OfferingType                string            `xml:"offeringType"`
		RecurringCharges            []recurringCharge `xml:"recurringCharges>item"`
		Marketplace                 bool              `xml:"marketplace"`
		OfferingClass               string            `xml:"offeringClass"`
		Scope                       string            `xml:"scope"`
	}
	switch op {
	case "DescribeReservedInstances":
		s.mu.Lock()
		ris := append([]reservedInstance(nil), s.reserved[region]...)
		s.mu.Unlock()
		write(struct {
			XMLName   xml.Name           `xml:"DescribeReservedInstancesResponse"`
			XMLNS     string             `xml:"xmlns,attr"`
			RequestID string             `xml:"requestId"`
			Set       []reservedInstance `xml:"reservedInstancesSet>item"`
		}{XMLNS: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "req-ri", Set: ris})
	case "DescribeReservedInstancesOfferings":
		t := r.PostForm.Get("InstanceType")
		if t == "" {
			fail(http.StatusBadRequest, "MissingParameter", "InstanceType is required by this server")
			return
		}
		payment := orDefault(r.PostForm.Get("OfferingType"), "No Upfront")
		platform := orDefault(r.PostForm.Get("ProductDescription"), "Linux/UNIX")
		secs, _ := strconv.ParseInt(orDefault(r.PostForm.Get("MinDuration"), "31536000"), 10, 64)
		price := tally.MustParseMoney(orDefault(RIPrices[t], "0.10"), "USD")
		if secs > 31536000 {
			price, _ = price.MulRatio(62, 100) // 3-year terms cost about 62% of 1-year ones
		}
		hourly, fixed := price, tally.Zero("USD")
		switch payment {
		case "All Upfront":
			fixed, _ = price.MulRatio(uint64(secs/3600)*96, 100)
			hourly = tally.Zero("USD")
		case "Partial Upfront":
			fixed, _ = price.MulRatio(uint64(secs/3600)*49, 100)
			hourly, _ = price.MulRatio(49, 100)
		}
		write(struct {
			XMLName   xml.Name   `xml:"DescribeReservedInstancesOfferingsResponse"`
			XMLNS     string     `xml:"xmlns,attr"`
			RequestID string     `xml:"requestId"`
			Set       []offering `xml:"reservedInstancesOfferingsSet>item"`
		}{XMLNS: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "req-rio", Set: []offering{{
			ReservedInstancesOfferingID: riOfferingID(region, t, payment, platform, secs), InstanceType: t, Duration: secs, UsagePrice: "0.0",
			FixedPrice: fixed.Round(2).Decimal(), ProductDescription: platform,
			InstanceTenancy: "default", CurrencyCode: "USD", OfferingType: payment, OfferingClass: "standard", Scope: "Region",
			RecurringCharges: []recurringCharge{{Frequency: "Hourly", Amount: hourly.Round(6).Decimal()}}}}})
	case "PurchaseReservedInstancesOffering":
		id, count := r.PostForm.Get("ReservedInstancesOfferingId"), r.PostForm.Get("InstanceCount")
		n, err := strconv.Atoi(count)
		if id == "" || err != nil || n < 1 {
			fail(http.StatusBadRequest, "InvalidParameterValue", "ReservedInstancesOfferingId and a positive InstanceCount are required")
			return
		}
		p := strings.Split(id, "~")
		if len(p) != 6 || p[1] != region {
			fail(http.StatusBadRequest, "InvalidReservedInstancesOfferingId.NotFound", "offering "+id+" not found in "+region)
			return
		}
		secs, _ := strconv.ParseInt(p[4], 10, 64)
		payment, _ := url.PathUnescape(p[3])
		platform, _ := url.PathUnescape(p[5])
		price := tally.MustParseMoney(orDefault(RIPrices[p[2]], "0.10"), "USD")
		hourly, _ := price.MulRatio(uint64(n), 1)
		s.mu.Lock()
		s.seq++
		riID := fmt.Sprintf("ri-%08d", s.seq)
		start := s.now().UTC().Truncate(time.Second)
		s.add(tally.Commitment{ID: "arn:aws:ec2:" + region + ":000000000000:reserved-instances/" + riID, Kind: tally.CommitReserved,
			TermMonths: int(secs * 12 / (365 * 86400)), Start: start, End: start.Add(time.Duration(secs) * time.Second), PaymentOption: payment,
			Quantity: float64(n), RecurringHourlyFee: hourly, Scope: map[string]string{"region": region, "instanceType": p[2], "platform": platform}})
		s.mu.Unlock()
		if s.loseAnswer(op) {
			fail(http.StatusInternalServerError, "InternalError", "An internal error has occurred")
			return
		}
		write(struct {
			XMLName   xml.Name `xml:"PurchaseReservedInstancesOfferingResponse"`
			XMLNS     string   `xml:"xmlns,attr"`
			RequestID string   `xml:"requestId"`
			ID        string   `xml:"reservedInstancesId"`
		}{XMLNS: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "req-buy", ID: riID})
	case "DescribeInstances":
		s.describeInstances(r.PostForm, region, write, fail)
	default:
		fail(http.StatusBadRequest, "InvalidAction", "unknown action "+op)
	}
}

// stsAPI serves STS GetCallerIdentity in the Query protocol.
func (s *Server) stsAPI(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-sts</RequestId></ErrorResponse>`,
			code, xmlEscape(msg))
	}
	if !signed(r) {
		fail(http.StatusForbidden, "MissingAuthenticationToken", "missing SigV4 authorization")
		return
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		fail(http.StatusBadRequest, "InvalidRequest", "want a POST form")
		return
	}
	if r.PostForm.Get("Version") != "2011-06-15" {
		fail(http.StatusBadRequest, "InvalidParameterValue", "Version must be 2011-06-15")
		return
	}
	op := r.PostForm.Get("Action")
	s.record(op, regionOf(r.Header.Get("Authorization")), r.PostForm.Encode())
	if op != "GetCallerIdentity" {
		fail(http.StatusBadRequest, "InvalidAction", "unknown action "+op)
		return
	}
	s.mu.Lock()
	account, arn := s.account, s.arn
	s.mu.Unlock()
	if account == "" {
		fail(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	type result struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	}
	w.Header().Set("Content-Type", "text/xml")
	io.WriteString(w, xml.Header)
	xml.NewEncoder(w).Encode(struct {
		XMLName   xml.Name `xml:"GetCallerIdentityResponse"`
		XMLNS     string   `xml:"xmlns,attr"`
		Result    result   `xml:"GetCallerIdentityResult"`
		RequestID string   `xml:"ResponseMetadata>RequestId"`
	}{XMLNS: "https://sts.amazonaws.com/doc/2011-06-15/", Result: result{Arn: arn, UserID: "AIDATALLYTEST", Account: account}, RequestID: "req-sts"})
}

// riOfferingID names an offering by what it sells:
// rio~region~type~payment~seconds~platform.
func riOfferingID(region, itype, payment, platform string, secs int64) string {
	return strings.Join([]string{"rio", region, itype, url.PathEscape(payment), strconv.FormatInt(secs, 10), url.PathEscape(platform)}, "~")
}

// regionOf reads the region from a SigV4 credential scope
// (Credential=AKID/20260101/us-west-2/ec2/aws4_request).
func regionOf(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	parts := strings.Split(strings.SplitN(rest, ",", 2)[0], "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Regions returns the regions holding Reserved Instances, sorted.
func (s *Server) Regions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for r := range s.reserved {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
