package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/billing/apiv1/billingpb"
	"google.golang.org/genproto/googleapis/type/money"
	"google.golang.org/grpc"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/pricing"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func TestPricingSyncAWSOffline(t *testing.T) {
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "sync", "aws", "--offline", "--region", "us-east-1,eu-west-1"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "in 2 regions") || !strings.Contains(out.String(), "reserved-1y-no-upfront") {
		t.Fatalf("output:\n%s", out.String())
	}
	// The snapshot's prices come from two modules: the summary names both, not the first price's.
	for _, src := range []string{"snapshot:github.com/aws/karpenter-provider-aws@", "snapshot:github.com/cristim/ec2-instances-info@"} {
		if !strings.Contains(out.String(), src) {
			t.Errorf("summary lacks source %s:\n%s", src, out.String())
		}
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prices, err := db.Prices(context.Background(), postgres.PriceFilter{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large", PurchaseOption: "on-demand"})
	if err != nil || len(prices) != 1 || prices[0].HourlyPrice.Decimal() != "0.096" || prices[0].VCPUs != 2 {
		t.Fatalf("prices %+v %v", prices, err)
	}
}

// TestPricingSyncAWSOfflineWindows: the snapshot prices Windows, and
// Windows with SQL Server (licences included), so a Windows Reserved
// Instance is priced offline at Windows' rate, not at Linux's discount.
func TestPricingSyncAWSOfflineWindows(t *testing.T) {
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "sync", "aws", "--offline",
		"--region", "us-east-1", "--instance-type", "m5.large", "--os", "windows,windows-sql-web"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prices, err := db.Prices(context.Background(), postgres.PriceFilter{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range prices {
		got[p.OperatingSystem+" "+p.PurchaseOption] = p.HourlyPrice.Decimal()
	}
	want := map[string]string{"windows on-demand": "0.188", "windows reserved-1y-no-upfront": "0.152", "windows reserved-3y-no-upfront": "0.133",
		"windows-sql-web on-demand": "0.256", "windows-sql-web reserved-1y-no-upfront": "0.22", "windows-sql-web reserved-3y-no-upfront": "0.201"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %s (stored: %v)", k, got[k], v, got)
		}
	}
	for k := range got {
		if !strings.HasPrefix(k, "windows ") && !strings.HasPrefix(k, "windows-sql-web ") {
			t.Errorf("stored %s, though --os windows,windows-sql-web", k)
		}
	}
}

// TestPricingOSFlagNamesEverySystem: --os accepts exactly the operating
// systems the AWS sync prices.
func TestPricingOSFlagNamesEverySystem(t *testing.T) {
	f, _ := reflect.TypeFor[pricingAWSCmd]().FieldByName("OS")
	got := strings.Split(f.Tag.Get("enum"), ",")
	slices.Sort(got)
	if want := pricing.OperatingSystems(); !slices.Equal(got, want) {
		t.Errorf("--os enum %v, want %v", got, want)
	}
}

func TestIngestCommandSkipBadRows(t *testing.T) {
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "ingest", "gcp-billing", "--skip-bad-rows", "../../ingest/gcpbilling/testdata"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, want := range []string{"committed", "rows 9", "period 2025-03 account 01A2B3-C4D5E6-F7A8B9", "period 2026-03 account 01A2B3-C4D5E6-F7A8B9", "USD  total"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	code = run([]string{"--database-url", url, "--log-level", "warn", "ingest", "focus", "../../ingest/gcpbilling/testdata/export.ndjson"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "unknown file format") {
		t.Fatalf("focus on NDJSON: exit %d: %s", code, errb.String())
	}
}

// priceListServer speaks the Price List Query API (GetProducts, 100 products
// a page) for products and the Savings Plans API (no rates).
func priceListServer(t *testing.T, products []string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		json.Unmarshal(body, &req)
		switch {
		case r.Header.Get("X-Amz-Target") == "AWSPriceListService.GetProducts":
			start := 0
			if tok, ok := req["NextToken"].(string); ok {
				start, _ = strconv.Atoi(tok)
			}
			end := min(start+100, len(products))
			resp := map[string]any{"FormatVersion": "aws_v1", "PriceList": products[start:end]}
			if end < len(products) {
				resp["NextToken"] = strconv.Itoa(end)
			}
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			json.NewEncoder(w).Encode(resp)
		case r.URL.Path == "/DescribeSavingsPlansOfferingRates":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"searchResults": []any{}})
		default:
			http.Error(w, "unexpected "+r.URL.String(), http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	return srv
}

// onDemandProduct is a Price List product document with one on-demand rate.
func onDemandProduct(itype, usd string) string {
	b, _ := json.Marshal(map[string]any{
		"product": map[string]any{"attributes": map[string]string{"instanceType": itype, "vcpu": "2", "memory": "8 GiB"}},
		"terms": map[string]any{"OnDemand": map[string]any{"t": map[string]any{
			"priceDimensions": map[string]any{"d": map[string]any{"unit": "Hrs", "pricePerUnit": map[string]string{"USD": usd}}}}}},
	})
	return string(b)
}

// TestPricingSyncStoresAllOrNothing: a sync whose store fails part-way
// leaves the catalog as it was, not with the first prices of the new sync.
func TestPricingSyncStoresAllOrNothing(t *testing.T) {
	var products []string
	for i := range 2100 {
		products = append(products, onDemandProduct(fmt.Sprintf("t%04d.large", i), "0.1"))
	}
	// Sorted last, in the second 2000-price chunk; PostgreSQL refuses a NUL byte in text.
	products = append(products, onDemandProduct("zz\x00.large", "0.1"))
	srv := priceListServer(t, products)
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "sync", "aws",
		"--pricing-endpoint", srv.URL, "--savings-plans-endpoint", srv.URL, "--no-spot"}, &out, &errb)
	if code == 0 {
		t.Fatalf("sync with a price PostgreSQL refuses: exit 0: %s", out.String())
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prices, err := db.Prices(context.Background(), postgres.PriceFilter{Provider: "aws"})
	if err != nil {
		t.Fatal(err)
	}
	if len(prices) != 0 {
		t.Errorf("failed sync stored %d of its %d prices: %s", len(prices), len(products), errb.String())
	}
}

// eurCatalog is a Cloud Billing Catalog server that prices the N2 core and
// RAM SKUs in the currency asked for, as the real API does.
type eurCatalog struct {
	billingpb.UnimplementedCloudCatalogServer
}

func (eurCatalog) ListSkus(_ context.Context, req *billingpb.ListSkusRequest) (*billingpb.ListSkusResponse, error) {
	cur := req.CurrencyCode
	if cur == "" {
		cur = "USD"
	}
	nanos := map[string][2]int32{"USD": {31611000, 4237000}, "EUR": {29000000, 3900000}}[cur]
	sku := func(id, desc, unit string, nanos int32) *billingpb.Sku {
		return &billingpb.Sku{SkuId: id, Description: desc, ServiceRegions: []string{"europe-west1"},
			Category: &billingpb.Category{ResourceFamily: "Compute", UsageType: "OnDemand"},
			PricingInfo: []*billingpb.PricingInfo{{PricingExpression: &billingpb.PricingExpression{UsageUnit: unit,
				TieredRates: []*billingpb.PricingExpression_TierRate{{UnitPrice: &money.Money{CurrencyCode: cur, Nanos: nanos}}}}}}}
	}
	return &billingpb.ListSkusResponse{Skus: []*billingpb.Sku{
		sku("C", "N2 Instance Core running in Belgium", "h", nanos[0]),
		sku("R", "N2 Instance Ram running in Belgium", "GiBy.h", nanos[1]),
	}}, nil
}

// TestPricingSyncGCPCurrency: a billing account invoiced in euros syncs its
// catalog in euros, so its estimates are in the currency of its bill.
func TestPricingSyncGCPCurrency(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	billingpb.RegisterCloudCatalogServer(srv, eurCatalog{})
	go srv.Serve(lis)
	defer srv.Stop()
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "info", "--log-format", "text", "pricing", "sync", "gcp",
		"--endpoint", lis.Addr().String(), "--region", "europe-west1", "--currency", "EUR"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), `msg="gcp catalog" skus=2`) {
		t.Errorf("no progress on stderr:\n%s", errb.String())
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	prices, err := db.Prices(context.Background(), postgres.PriceFilter{Provider: "gcp", InstanceType: "n2-standard-4"})
	if err != nil || len(prices) != 1 || prices[0].HourlyPrice.String() != tally.MustParseMoney("0.1784", "EUR").String() { // 4 × 0.029 + 16 × 0.0039
		t.Fatalf("prices %+v %v", prices, err)
	}
	// The family's unit prices are stored too, in euros, for nodes of
	// machine types without a price.
	units, err := db.UnitPricesIn(context.Background(), tally.Window{Start: time.Now().Add(-time.Hour), End: time.Now()})
	if err != nil || len(units) != 2 || units[0].Family != "n2" || units[0].Price.Currency() != "EUR" || units[1].Price.Currency() != "EUR" {
		t.Fatalf("unit prices %+v %v", units, err)
	}
	if !strings.Contains(out.String(), "gcp: synced 2 unit prices (per vCPU, GiB, GPU) of 1 machine families") {
		t.Errorf("output does not count the unit prices:\n%s", out.String())
	}
}

// TestPricingSyncNothingMatchedSaysWhat: a sync that matches no price names
// what was asked and, offline, what the snapshot has.
func TestPricingSyncNothingMatchedSaysWhat(t *testing.T) {
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "sync", "aws", "--offline",
		"--region", "eu-west-3", "--instance-type", "m5.large"}, &out, &errb)
	if code == 0 {
		t.Fatalf("exit 0: %s", out.String())
	}
	for _, want := range []string{"eu-west-3", "m5.large", "snapshot", "us-east-1", "operating systems: linux, linux-sql-ent, linux-sql-std, linux-sql-web, rhel, rhel-sql-ent, rhel-sql-std, rhel-sql-web, suse, ubuntu-pro, windows, windows-sql-ent, windows-sql-std, windows-sql-web"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("error lacks %q: %s", want, errb.String())
		}
	}
}

// TestPricingSyncAWSReportsProgress: a live sync, which pages through
// thousands of products and rates, says on stderr how far it got.
func TestPricingSyncAWSReportsProgress(t *testing.T) {
	var products []string
	for i := range 250 {
		products = append(products, onDemandProduct(fmt.Sprintf("t%04d.large", i), "0.1"))
	}
	srv := priceListServer(t, products)
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "info", "--log-format", "text", "pricing", "sync", "aws",
		"--pricing-endpoint", srv.URL, "--savings-plans-endpoint", srv.URL, "--no-spot"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, want := range []string{`msg="aws price list" region=us-east-1 os=linux products=100`, `products=250`, `msg="aws savings plans rates"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %s:\n%s", want, errb.String())
		}
	}
}

// TestPricingSyncReestimates: a sync that prices an instance type that had
// no price re-estimates the unbilled hours of its nodes, which cost 0, at
// once and says how many; the billed day is not touched, and a price
// stored again at the same amount re-estimates nothing.
func TestPricingSyncReestimates(t *testing.T) {
	url, db := oneNodeDatabaseBilled(t, 24) // n1 (m5.large, $0.096) billed on day 1, estimated on day 2
	if err := db.UpsertNodes(context.Background(), []tally.Node{{Cluster: "prod", UID: "n2", Name: "n2", InstanceID: "i-2", InstanceType: "c6i.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 4 << 30, AllocatableCPU: 2, AllocatableMemory: 4 << 30, ValidFrom: fixture.Day1.Add(-time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	tally := mustTally(t, "--database-url", url, "--log-level", "error")
	tally("attribute", "--from", "2026-10-05", "--to", "2026-10-07")
	cost := func(w string) string {
		t.Helper()
		return tally("costs", "--window", w, "--aggregate", "cluster", "--idle", "share", "--format", "csv")
	}
	// Day 2 of the cluster: n1 at 24 × $0.096, unpriced n2 at 0.
	total := regexp.MustCompile(`(?m)^prod,(?:[^,]*,){14}([0-9.]+),(?:[^,]*,){8}(true|false)$`)
	day1 := cost("2026-10-05T00:00:00Z,2026-10-06T00:00:00Z")
	if m := total.FindStringSubmatch(cost("2026-10-06T00:00:00Z,2026-10-07T00:00:00Z")); m == nil || m[1] != "2.304" || m[2] != "true" {
		t.Fatalf("day 2 before the sync: %q, want 2.304 estimated", m)
	}
	srv := priceListServer(t, []string{onDemandProduct("c6i.large", "0.2"), onDemandProduct("m5.large", "0.096")})
	out := tally("pricing", "sync", "aws", "--pricing-endpoint", srv.URL, "--savings-plans-endpoint", srv.URL, "--no-spot")
	if want := "aws: stored 2 new or changed prices, 1 of them changing estimates; re-estimated 24 unbilled hours (2026-10-06 00:00 to 2026-10-07 00:00 UTC, " +
		"each at the price in effect in it; billed hours unchanged)"; !strings.Contains(out, want) {
		t.Errorf("sync summary lacks %q:\n%s", want, out)
	}
	// n2 at 24 × $0.2 more.
	if m := total.FindStringSubmatch(cost("2026-10-06T00:00:00Z,2026-10-07T00:00:00Z")); m == nil || m[1] != "7.104" || m[2] != "true" {
		t.Errorf("day 2 after the sync: %q, want 7.104 estimated", m)
	}
	if got := cost("2026-10-05T00:00:00Z,2026-10-06T00:00:00Z"); got != day1 {
		t.Errorf("the billed day changed:\n%s\nwas\n%s", got, day1)
	}
	out = tally("pricing", "sync", "aws", "--pricing-endpoint", srv.URL, "--savings-plans-endpoint", srv.URL, "--no-spot")
	if want := "aws: stored 0 new or changed prices, 0 of them changing estimates; re-estimated 0 unbilled hours\n"; !strings.Contains(out, want) {
		t.Errorf("second sync's summary lacks %q:\n%s", want, out)
	}
}

// noAWSCredentials leaves the AWS default credential chain nothing to find:
// no keys in the environment, no files, no instance metadata.
func noAWSCredentials(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestPricingSyncAWSNoCredentials: without AWS credentials the sync says
// which to set, and that --offline needs none; it passed on the SDK's
// "get identity: get credentials: failed to refresh cached credentials, no
// EC2 IMDS role found, …".
func TestPricingSyncAWSNoCredentials(t *testing.T) {
	srv := priceListServer(t, []string{onDemandProduct("m5.large", "0.096")})
	noAWSCredentials(t)
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "sync", "aws",
		"--pricing-endpoint", srv.URL, "--savings-plans-endpoint", srv.URL, "--no-spot"}, &out, &errb)
	want := "tally: pricing sync aws: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE " +
		"to a profile of ~/.aws/config, or run with an instance or pod role; --offline loads the shipped snapshot without them ("
	if code == 0 || !strings.HasPrefix(errb.String(), want) {
		t.Fatalf("exit %d: %s\nwant %s…", code, errb.String(), want)
	}
}

// TestPricingSyncAWSOfflineSaysSnapshotAge: an offline sync says how old
// the snapshot's prices are, by source, and how to get current ones; it
// named the sources only, so 18-month-old spot prices read as today's.
func TestPricingSyncAWSOfflineSaysSnapshotAge(t *testing.T) {
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "sync", "aws", "--offline", "--region", "us-east-1"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	prices, err := pricing.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	oldest := map[string]time.Time{}
	for _, p := range prices {
		if o, ok := oldest[p.Source]; !ok || p.EffectiveFrom.Before(o) {
			oldest[p.Source] = p.EffectiveFrom
		}
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var first time.Time
	for src, from := range oldest {
		want := regexp.MustCompile(`(?m)^  source ` + regexp.QuoteMeta(src) + ` +[0-9]+, prices of ` + from.Format(time.DateOnly) +
			` \(` + strconv.Itoa(int(today.Sub(from).Hours()/24)) + ` days old\)$`)
		if !want.MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", want, out.String())
		}
		if first.IsZero() || from.Before(first) {
			first = from
		}
	}
	want := fmt.Sprintf("aws: the offline snapshot's prices are up to %d days old (of %s): pricing sync aws without --offline fetches current ones\n",
		int(today.Sub(first).Hours()/24), first.Format(time.DateOnly))
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}
