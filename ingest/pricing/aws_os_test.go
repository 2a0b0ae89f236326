package pricing_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tallyhq/tally/ingest/pricing"
)

// osServer answers by operating system: the Price List by its
// operatingSystem and preInstalledSw filters, Savings Plans by the usage
// operations asked for (each rate names its own, as AWS's do), spot prices
// by product description. m5.large costs 0.096 on Linux, 0.188 on Windows,
// 0.125 on Red Hat Enterprise Linux, 0.122 on SUSE Linux, 0.145 on Red Hat
// Enterprise Linux with HA, 0.131 on Ubuntu Pro, 0.428 on Windows with SQL
// Server Standard, 0.13 on Linux with SQL Server Web and 0.9 on Red Hat
// with SQL Server Enterprise. Spot prices are named by the four product
// descriptions DescribeSpotPriceHistory takes; asked for any other, or for
// none (every one), it fails.
func osServer(t *testing.T) *httptest.Server {
	t.Helper()
	od := map[[2]string]string{{"Linux", "NA"}: "0.0960000000", {"Windows", "NA"}: "0.1880000000", {"RHEL", "NA"}: "0.1250000000",
		{"SUSE", "NA"}: "0.1220000000", {"Red Hat Enterprise Linux with HA", "NA"}: "0.1450000000", {"Ubuntu Pro", "NA"}: "0.1310000000",
		{"Windows", "SQL Std"}: "0.4280000000", {"Linux", "SQL Web"}: "0.1300000000", {"RHEL", "SQL Ent"}: "0.9000000000"}
	type spRate struct{ description, rate string }
	sp := map[string]spRate{"RunInstances": {"Linux/UNIX", "0.067"}, "RunInstances:0002": {"Windows", "0.159"},
		"RunInstances:0010": {"Red Hat Enterprise Linux", "0.096"}, "RunInstances:000g": {"SUSE Linux", "0.093"},
		"RunInstances:1010": {"Red Hat Enterprise Linux with HA", "0.116"}, "RunInstances:0g00": {"Ubuntu Pro", "0.102"},
		"RunInstances:0006": {"Windows with SQL Server Standard", "0.399"}, "RunInstances:0200": {"Linux with SQL Server Web", "0.101"},
		"RunInstances:0110": {"Red Hat Enterprise Linux with SQL Server Enterprise", "0.871"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Header.Get("X-Amz-Target") == "AWSPriceListService.GetProducts":
			var req struct {
				Filters []struct{ Field, Value string }
			}
			json.Unmarshal(body, &req)
			f := map[string]string{}
			for _, x := range req.Filters {
				f[x.Field] = x.Value
			}
			os, sw := f["operatingSystem"], f["preInstalledSw"]
			if od[[2]string{os, sw}] == "" || f["licenseModel"] != "No License required" {
				http.Error(w, "bad filters "+string(body), 400)
				return
			}
			doc, _ := json.Marshal(map[string]any{
				"product": map[string]any{"attributes": map[string]string{"instanceType": "m5.large", "vcpu": "2", "memory": "8 GiB",
					"operatingSystem": os, "preInstalledSw": sw}},
				"terms": map[string]any{"OnDemand": map[string]any{"t": map[string]any{
					"priceDimensions": map[string]any{"d": map[string]any{"unit": "Hrs", "pricePerUnit": map[string]string{"USD": od[[2]string{os, sw}]}}}}}},
			})
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			json.NewEncoder(w).Encode(map[string]any{"FormatVersion": "aws_v1", "PriceList": []string{string(doc)}})
		case r.URL.Path == "/DescribeSavingsPlansOfferingRates":
			var req struct{ Operations []string }
			json.Unmarshal(body, &req)
			var results []any
			for _, op := range req.Operations {
				if sp[op].rate == "" {
					continue
				}
				results = append(results, map[string]any{"rate": sp[op].rate, "currency": "USD", "unit": "Hrs", "operation": op,
					"properties": []map[string]string{{"name": "instanceType", "value": "m5.large"}, {"name": "region", "value": "us-east-1"},
						{"name": "tenancy", "value": "shared"}, {"name": "productDescription", "value": sp[op].description}},
					"savingsPlanOffering": map[string]any{"paymentOption": "No Upfront", "planType": "Compute", "durationSeconds": 31536000, "currency": "USD"}})
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"searchResults": results})
		case strings.Contains(string(body), "Action=DescribeSpotPriceHistory"):
			form, _ := url.ParseQuery(string(body))
			var items string
			for k, v := range form {
				if strings.HasPrefix(k, "ProductDescription.") {
					price := map[string]string{"Linux/UNIX": "0.035", "Windows": "0.127", "Red Hat Enterprise Linux": "0.064", "SUSE Linux": "0.061"}[v[0]]
					if price == "" {
						http.Error(w, "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>product description "+v[0]+
							"</Message></Error></Errors></Response>", 400)
						return
					}
					items += "<item><instanceType>m5.large</instanceType><productDescription>" + v[0] + "</productDescription><spotPrice>" + price +
						"</spotPrice><timestamp>2026-11-22T23:10:00.000Z</timestamp><availabilityZone>us-east-1a</availabilityZone></item>"
				}
			}
			if items == "" {
				http.Error(w, "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>no product description</Message></Error></Errors></Response>", 400)
				return
			}
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprintf(w, `<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>`+
				`<spotPriceHistorySet>%s</spotPriceHistorySet><nextToken></nextToken></DescribeSpotPriceHistoryResponse>`, items)
		default:
			http.Error(w, "unexpected "+r.URL.String(), 404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestSyncAWSWindows: with OperatingSystems linux and windows, the sync
// stores each operating system's on-demand, Savings Plans and spot prices,
// named by operating system, so Windows nodes are estimated with their
// licence.
func TestSyncAWSWindows(t *testing.T) {
	srv := osServer(t)
	prices := syncAWS(t, srv, pricing.AWSOptions{Regions: []string{"us-east-1"}, OperatingSystems: []string{"linux", "windows"}})
	got := map[string]string{}
	for _, p := range prices {
		k := p.OperatingSystem + " " + p.PurchaseOption
		if p.Zone != "" {
			k += " " + p.Zone
		}
		got[k] = p.HourlyPrice.Decimal()
	}
	want := map[string]string{"linux on-demand": "0.096", "windows on-demand": "0.188", "linux savings-plan-compute-1y-no-upfront": "0.067",
		"windows savings-plan-compute-1y-no-upfront": "0.159", "linux spot": "0.035", "windows spot": "0.127",
		"linux spot us-east-1a": "0.035", "windows spot us-east-1a": "0.127"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %s", k, got[k], v)
		}
	}
	if len(prices) != len(want) {
		t.Errorf("%d prices, want %d: %v", len(prices), len(want), got)
	}
}

// TestSyncAWSRedHatAndSUSE: Red Hat Enterprise Linux and SUSE Linux are
// priced as Windows is, each under the name --os gives it, so that their
// reservations and Savings Plans are planned at their own discounts.
func TestSyncAWSRedHatAndSUSE(t *testing.T) {
	srv := osServer(t)
	prices := syncAWS(t, srv, pricing.AWSOptions{Regions: []string{"us-east-1"}, OperatingSystems: []string{"rhel", "suse"}})
	got := map[string]string{}
	for _, p := range prices {
		if p.Zone == "" {
			got[p.OperatingSystem+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
		}
	}
	want := map[string]string{"rhel on-demand": "0.125", "suse on-demand": "0.122", "rhel savings-plan-compute-1y-no-upfront": "0.096",
		"suse savings-plan-compute-1y-no-upfront": "0.093", "rhel spot": "0.064", "suse spot": "0.061"}
	if !maps.Equal(got, want) {
		t.Errorf("prices %v, want %v", got, want)
	}
}

// TestSyncAWSRedHatHAAndUbuntuPro: Red Hat Enterprise Linux with HA and
// Ubuntu Pro get their on-demand and Savings Plans prices. Spot prices are
// not asked for them, and a sync of them alone asks for none, rather than
// for every product description.
func TestSyncAWSRedHatHAAndUbuntuPro(t *testing.T) {
	srv := osServer(t)
	for _, oses := range [][]string{{"rhel-ha", "ubuntu-pro", "linux"}, {"rhel-ha", "ubuntu-pro"}} {
		prices := syncAWS(t, srv, pricing.AWSOptions{Regions: []string{"us-east-1"}, OperatingSystems: oses})
		got := map[string]string{}
		for _, p := range prices {
			if p.Zone == "" {
				got[p.OperatingSystem+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
			}
		}
		want := map[string]string{"rhel-ha on-demand": "0.145", "ubuntu-pro on-demand": "0.131",
			"rhel-ha savings-plan-compute-1y-no-upfront": "0.116", "ubuntu-pro savings-plan-compute-1y-no-upfront": "0.102"}
		if len(oses) == 3 {
			want["linux on-demand"], want["linux savings-plan-compute-1y-no-upfront"], want["linux spot"] = "0.096", "0.067", "0.035"
		}
		if !maps.Equal(got, want) {
			t.Errorf("%v: prices %v, want %v", oses, got, want)
		}
	}
}

// TestSyncAWSSQLServer: Windows, Linux and Red Hat with SQL Server are
// priced with the SQL Server licence (the Price List's preInstalledSw),
// on demand and in Savings Plans, under the names --os gives them.
// DescribeSpotPriceHistory has no SQL Server product description, so no
// spot price is asked for.
func TestSyncAWSSQLServer(t *testing.T) {
	srv := osServer(t)
	prices := syncAWS(t, srv, pricing.AWSOptions{Regions: []string{"us-east-1"}, OperatingSystems: []string{"windows-sql-std", "linux-sql-web", "rhel-sql-ent"}})
	got := map[string]string{}
	for _, p := range prices {
		got[p.OperatingSystem+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
	}
	want := map[string]string{"windows-sql-std on-demand": "0.428", "linux-sql-web on-demand": "0.13", "rhel-sql-ent on-demand": "0.9",
		"windows-sql-std savings-plan-compute-1y-no-upfront": "0.399", "linux-sql-web savings-plan-compute-1y-no-upfront": "0.101",
		"rhel-sql-ent savings-plan-compute-1y-no-upfront": "0.871"}
	if !maps.Equal(got, want) {
		t.Errorf("prices %v, want %v", got, want)
	}
}

// TestSyncAWSInstanceTypesFilterSavingsPlans: a sync of a few instance
// types asks the Price List and the Savings Plans API for those types only,
// rather than paging through the regions' whole catalogs and dropping the
// rest.
func TestSyncAWSInstanceTypesFilterSavingsPlans(t *testing.T) {
	var spBody, plBody string
	inner := osServer(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		switch {
		case r.URL.Path == "/DescribeSavingsPlansOfferingRates":
			spBody = string(b)
		case r.Header.Get("X-Amz-Target") == "AWSPriceListService.GetProducts":
			plBody = string(b)
		}
		inner.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	syncAWS(t, srv, pricing.AWSOptions{Regions: []string{"us-east-1"}, InstanceTypes: []string{"m5.large", "c5.xlarge"}})
	var req struct {
		Filters []struct {
			Name   string
			Values []string
		} `json:"filters"`
	}
	json.Unmarshal([]byte(spBody), &req)
	found := false
	for _, f := range req.Filters {
		found = found || f.Name == "instanceType" && strings.Join(f.Values, ",") == "m5.large,c5.xlarge"
	}
	if !found {
		t.Errorf("savings plans request without the instance types: %s", spBody)
	}
	if !strings.Contains(plBody, `{"Field":"instanceType","Type":"ANY_OF","Value":"m5.large,c5.xlarge"}`) {
		t.Errorf("price list request without the instance types: %s", plBody)
	}
}
