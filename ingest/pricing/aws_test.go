package pricing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/pricing"
)

func product(itype, vcpu, mem, od, ri1 string) string {
	doc := map[string]any{
		"product": map[string]any{"productFamily": "Compute Instance", "sku": "SKU-" + itype, "attributes": map[string]string{
			"instanceType": itype, "vcpu": vcpu, "memory": mem, "regionCode": "us-east-1", "operatingSystem": "Linux", "tenancy": "Shared"}},
		"serviceCode": "AmazonEC2",
		"terms": map[string]any{
			"OnDemand": map[string]any{"SKU-" + itype + ".JRTCKXETXF": map[string]any{
				"priceDimensions": map[string]any{"SKU-" + itype + ".JRTCKXETXF.6YS6EN2CT7": map[string]any{"unit": "Hrs", "pricePerUnit": map[string]string{"USD": od}}},
				"termAttributes":  map[string]string{}}},
			"Reserved": map[string]any{
				"SKU-" + itype + ".4NA7Y494T4": map[string]any{
					"priceDimensions": map[string]any{"d1": map[string]any{"unit": "Hrs", "pricePerUnit": map[string]string{"USD": ri1}}},
					"termAttributes":  map[string]string{"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "No Upfront"}},
				// All Upfront: the fee, and an hourly rate of 0; Partial Upfront: a fee and an hourly rate.
				"SKU-" + itype + ".VJWZNREJX2": map[string]any{
					"priceDimensions": map[string]any{"d2": map[string]any{"unit": "Quantity", "pricePerUnit": map[string]string{"USD": "438"}},
						"d3": map[string]any{"unit": "Hrs", "pricePerUnit": map[string]string{"USD": "0.0000000000"}}},
					"termAttributes": map[string]string{"LeaseContractLength": "1yr", "OfferingClass": "standard", "PurchaseOption": "All Upfront"}},
				"SKU-" + itype + ".38NPMPTW36": map[string]any{
					"priceDimensions": map[string]any{"d4": map[string]any{"unit": "Quantity", "pricePerUnit": map[string]string{"USD": "657"}},
						"d5": map[string]any{"unit": "Hrs", "pricePerUnit": map[string]string{"USD": "0.0020000000"}}},
					"termAttributes": map[string]string{"LeaseContractLength": "3yr", "OfferingClass": "standard", "PurchaseOption": "Partial Upfront"}},
				"SKU-" + itype + ".Z2E3P23VKM": map[string]any{
					"priceDimensions": map[string]any{"d6": map[string]any{"unit": "Quantity", "pricePerUnit": map[string]string{"USD": "100"}}},
					"termAttributes":  map[string]string{"LeaseContractLength": "1yr", "OfferingClass": "convertible", "PurchaseOption": "All Upfront"}},
			},
		},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// awsServer speaks the Price List Query API (AWS JSON 1.1, X-Amz-Target
// AWSPriceListService.GetProducts) and Savings Plans (REST-JSON POST
// /DescribeSavingsPlansOfferingRates), paging both.
func awsServer(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		json.Unmarshal(body, &req)
		switch {
		case r.Header.Get("X-Amz-Target") == "AWSPriceListService.GetProducts":
			if req["ServiceCode"] != "AmazonEC2" || !strings.Contains(string(body), `"regionCode"`) || !strings.Contains(string(body), "TERM_MATCH") {
				http.Error(w, "bad request "+string(body), 400)
				return
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			if req["NextToken"] == nil {
				json.NewEncoder(w).Encode(map[string]any{"FormatVersion": "aws_v1", "NextToken": "page2",
					"PriceList": []string{product("m5.large", "2", "8 GiB", "0.0960000000", "0.0600000000")}})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"FormatVersion": "aws_v1",
				"PriceList": []string{product("c5.xlarge", "4", "8 GiB", "0.1700000000", "0.1070000000"), product("p3.2xlarge", "8", "61 GiB", "3.0600000000", "1.9530000000")}})
		case r.URL.Path == "/DescribeSavingsPlansOfferingRates":
			if !strings.Contains(string(body), `"No Upfront"`) || !strings.Contains(string(body), `"AmazonEC2"`) {
				http.Error(w, "bad request "+string(body), 400)
				return
			}
			rate := func(plan, itype, r string, payment ...string) map[string]any {
				option := "No Upfront"
				if len(payment) > 0 {
					option = payment[0]
				}
				return map[string]any{"rate": r, "currency": "USD", "unit": "Hrs", "usageType": "BoxUsage:" + itype, "operation": "RunInstances",
					"productType": "EC2", "serviceCode": "AmazonEC2",
					"properties": []map[string]string{{"name": "instanceType", "value": itype}, {"name": "region", "value": "us-east-1"},
						{"name": "tenancy", "value": "shared"}, {"name": "productDescription", "value": "Linux/UNIX"}},
					"savingsPlanOffering": map[string]any{"offeringId": "o-" + plan, "paymentOption": option, "planType": plan,
						"durationSeconds": 31536000, "currency": "USD", "planDescription": "1 year " + option + " " + plan}}
			}
			w.Header().Set("Content-Type", "application/json")
			if req["nextToken"] == nil {
				json.NewEncoder(w).Encode(map[string]any{"searchResults": []any{rate("Compute", "m5.large", "0.0670")}, "nextToken": "n2"})
				return
			}
			results := []any{rate("EC2Instance", "m5.large", "0.0580"), rate("Compute", "c5.xlarge", "0.1190"), rate("Compute", "c7g.large", "0.0500")}
			if strings.Contains(string(body), `"All Upfront"`) && strings.Contains(string(body), `"Partial Upfront"`) {
				results = append(results, rate("Compute", "m5.large", "0.0640", "Partial Upfront"), rate("Compute", "m5.large", "0.0620", "All Upfront"))
			}
			json.NewEncoder(w).Encode(map[string]any{"searchResults": results})
		case r.Method == http.MethodPost && strings.Contains(string(body), "Action=DescribeSpotPriceHistory"):
			// EC2 Query protocol: the current spot price per type and zone, one page per zone.
			form, _ := url.ParseQuery(string(body))
			if form.Get("ProductDescription.1") != "Linux/UNIX" || form.Get("StartTime") == "" {
				http.Error(w, "bad request "+string(body), 400)
				return
			}
			item := func(itype, zone, price string) string {
				return "<item><instanceType>" + itype + "</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>" + price +
					"</spotPrice><timestamp>2026-11-22T23:10:00.000Z</timestamp><availabilityZone>" + zone + "</availabilityZone></item>"
			}
			items, next := item("m5.large", "us-east-1a", "0.0350")+item("c5.xlarge", "us-east-1a", "0.0700"), "<nextToken>z2</nextToken>"
			if form.Get("NextToken") == "z2" {
				items, next = item("m5.large", "us-east-1b", "0.0410")+item("c7g.large", "us-east-1b", "0.0300"), "<nextToken></nextToken>"
			}
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>`+
				`<spotPriceHistorySet>%s</spotPriceHistorySet>%s</DescribeSpotPriceHistoryResponse>`, items, next)
		default:
			http.Error(w, fmt.Sprintf("unexpected %s %s %s", r.Method, r.URL, r.Header.Get("X-Amz-Target")), 404)
		}
	}))
}

// syncAWS runs SyncAWS with opt against srv, every API's endpoint, with
// test credentials and no AWS configuration read from the machine.
func syncAWS(t *testing.T, srv *httptest.Server, opt pricing.AWSOptions) []tally.InstancePrice {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	opt.PricingEndpoint, opt.SavingsPlansEndpoint, opt.EC2Endpoint = srv.URL, srv.URL, srv.URL
	clients, err := pricing.NewAWSClients(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	prices, err := pricing.SyncAWS(context.Background(), clients, opt)
	if err != nil {
		t.Fatal(err)
	}
	return prices
}

func TestSyncAWS(t *testing.T) {
	srv := awsServer(t)
	defer srv.Close()
	prices := syncAWS(t, srv, pricing.AWSOptions{Regions: []string{"us-east-1"}})
	got := map[string]tally.InstancePrice{}
	for _, p := range prices {
		k := p.InstanceType + " " + p.PurchaseOption
		if p.Zone != "" {
			k += " " + p.Zone
		}
		if _, dup := got[k]; dup {
			t.Errorf("%s twice", k)
		}
		got[k] = p
	}
	want := map[string]string{
		"m5.large on-demand":                               "0.096",
		"m5.large reserved-1y-no-upfront":                  "0.06",
		"m5.large savings-plan-compute-1y-no-upfront":      "0.067",
		"m5.large savings-plan-ec2-instance-1y-no-upfront": "0.058",
		"c5.xlarge on-demand":                              "0.17",
		"c5.xlarge savings-plan-compute-1y-no-upfront":     "0.119",
		"p3.2xlarge on-demand":                             "3.06",
		// Upfront options: the upfront fee over the term's hours (8,760 a year)
		// plus the hourly rate; Savings Plans rates are the option's own.
		"m5.large reserved-1y-all-upfront":                 "0.05",
		"m5.large reserved-3y-partial-upfront":             "0.027",
		"c5.xlarge reserved-1y-all-upfront":                "0.05",
		"m5.large savings-plan-compute-1y-partial-upfront": "0.064",
		"m5.large savings-plan-compute-1y-all-upfront":     "0.062",
		// Spot: each zone's current price, and their mean over the region's zones (no zone);
		// c7g.large is not in the Price List (no shape): its spot and Savings Plans
		// prices are skipped (its Savings Plans rate was stored with 0 vCPUs and memory).
		"m5.large spot":             "0.038",
		"m5.large spot us-east-1a":  "0.035",
		"m5.large spot us-east-1b":  "0.041",
		"c5.xlarge spot":            "0.07",
		"c5.xlarge spot us-east-1a": "0.07",
	}
	for k, v := range want {
		if got[k].HourlyPrice.Decimal() != v {
			t.Errorf("%s = %s, want %s", k, got[k].HourlyPrice, v)
		}
	}
	if len(prices) != 22 {
		t.Errorf("%d prices: %+v", len(prices), prices)
	}
	m5 := got["m5.large savings-plan-compute-1y-no-upfront"]
	if m5.VCPUs != 2 || m5.MemoryBytes != 8<<30 || got["p3.2xlarge on-demand"].MemoryBytes != 61<<30 || got["m5.large spot"].VCPUs != 2 ||
		got["m5.large spot us-east-1b"].VCPUs != 2 {
		t.Errorf("shapes: %+v", m5)
	}
}

// TestSyncAWSRegionWithoutPrices: a region the Price List has no product of
// (a typo, a region it does not know) fails the sync, named, with the
// operating systems asked for; it was skipped, and the sync of the others
// said nothing of it.
func TestSyncAWSRegionWithoutPrices(t *testing.T) {
	api := awsServer(t)
	defer api.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Target") == "AWSPriceListService.GetProducts" && !strings.Contains(string(body), `"us-east-1"`) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			io.WriteString(w, `{"FormatVersion":"aws_v1","PriceList":[]}`)
			return
		}
		forward(w, r, body, api.URL)
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	for _, tc := range []struct {
		opt  pricing.AWSOptions
		want string
	}{
		{pricing.AWSOptions{Regions: []string{"us-east-1", "us-esat-1"}},
			`aws price list: region "us-esat-1" has no EC2 shared-tenancy price for linux: is the region code right (as in us-east-1)?`},
		{pricing.AWSOptions{Regions: []string{"us-esat-1"}, OperatingSystems: []string{"windows", "rhel"}, InstanceTypes: []string{"m5.large"}},
			`aws price list: region "us-esat-1" has no EC2 shared-tenancy price for windows, rhel of instance type m5.large: ` +
				`is the region code right (as in us-east-1), and does the region offer the instance type?`},
	} {
		opt := tc.opt
		opt.PricingEndpoint, opt.SavingsPlansEndpoint, opt.EC2Endpoint = srv.URL, srv.URL, srv.URL
		clients, err := pricing.NewAWSClients(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		prices, err := pricing.SyncAWS(context.Background(), clients, opt)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: %d prices, error %v\nwant %s", opt.Regions, len(prices), err, tc.want)
		}
		if tally.ErrorCode(err) != tally.ENotFound {
			t.Errorf("%v: error code %q, want %q", opt.Regions, tally.ErrorCode(err), tally.ENotFound)
		}
	}
}

// TestSyncAWSRetriesThrottling: a sync that AWS throttles (the Price List's
// 400 ThrottlingException, Savings Plans' 429) waits and retries, up to ten
// attempts a call, saying so on its log; it gave up after three attempts,
// "exceeded maximum number of attempts, 3, … ThrottlingException: Rate
// exceeded", without a word while it waited, and stored nothing.
func TestSyncAWSRetriesThrottling(t *testing.T) {
	api := awsServer(t)
	defer api.Close()
	var mu sync.Mutex
	throttle := map[string]int{"price list": 5, "savings plans": 2}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		what, status := "price list", http.StatusBadRequest
		if r.URL.Path == "/DescribeSavingsPlansOfferingRates" {
			what, status = "savings plans", http.StatusTooManyRequests
		}
		mu.Lock()
		throttled := throttle[what] > 0
		throttle[what]--
		mu.Unlock()
		if throttled && (what != "price list" || r.Header.Get("X-Amz-Target") == "AWSPriceListService.GetProducts") {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-Errortype", "ThrottlingException")
			w.WriteHeader(status)
			io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded"}`)
			return
		}
		forward(w, r, body, api.URL)
	}))
	defer srv.Close()
	var logged bytes.Buffer
	opt := pricing.AWSOptions{Regions: []string{"us-east-1"}, MaxBackoff: 10 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	prices := syncAWS(t, srv, opt)
	if len(prices) != 22 {
		t.Errorf("%d prices, want 14", len(prices))
	}
	for _, want := range []string{`level=WARN msg="aws throttled the call; retrying" api=pricing attempt=5 of=10 `,
		`level=WARN msg="aws throttled the call; retrying" api=savingsplans attempt=2 of=10 `} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logged.String())
		}
	}
}

// forward sends request r, whose body was read, to the server at url, and
// its answer to w.
func forward(w http.ResponseWriter, r *http.Request, body []byte, url string) {
	req, _ := http.NewRequest(r.Method, url+r.URL.String(), bytes.NewReader(body))
	req.Header = r.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// TestSyncAWSBadPageSaysWhere: a page or a product document the Price List
// answers that cannot be read is named by region, operating system, page
// and product, the document by its beginning; the error said only "aws
// price list us-east-1: price list product: unexpected end of JSON input".
func TestSyncAWSBadPageSaysWhere(t *testing.T) {
	bad := `{"product":{"attributes":{"instanceType":"m9.large","vcpu":"2","memory":"8 GiB","operatingSystem":"Windows"`
	for _, tc := range []struct {
		page2, want string
	}{
		{`{"FormatVersion":"aws_v1","PriceList":[` + strconv.Quote(product("c5.xlarge", "4", "8 GiB", "0.17", "0.107")) + `,` + strconv.Quote(bad) + `]}`,
			`aws price list us-east-1, windows: page 2, product 2: document "{\"product\":{\"attributes\":{\"instanceType\":\"m9.large\",\"vcpu\":\""… ` +
				`(107 bytes): unexpected end of JSON input`},
		{`{"FormatVersion":"aws_v1","PriceList":["{}"`, `aws price list us-east-1, windows: page 2: operation error Pricing: GetProducts, https response error StatusCode: 200, ` +
			`RequestID: , deserialization failed, unexpected end of JSON input`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			if !strings.Contains(string(body), `"NextToken"`) {
				json.NewEncoder(w).Encode(map[string]any{"FormatVersion": "aws_v1", "NextToken": "2",
					"PriceList": []string{product("m5.large", "2", "8 GiB", "0.096", "0.06")}})
				return
			}
			io.WriteString(w, tc.page2)
		}))
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
		t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
		opt := pricing.AWSOptions{Regions: []string{"us-east-1"}, OperatingSystems: []string{"windows"}, NoSpot: true, MaxBackoff: time.Millisecond,
			PricingEndpoint: srv.URL, SavingsPlansEndpoint: srv.URL}
		clients, err := pricing.NewAWSClients(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pricing.SyncAWS(context.Background(), clients, opt); err == nil || err.Error() != tc.want {
			t.Errorf("error %v\nwant  %s", err, tc.want)
		}
		srv.Close()
	}
}
