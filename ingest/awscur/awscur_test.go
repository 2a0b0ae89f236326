package awscur_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
)

var march = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

func writeFile(t *testing.T, dir, name string, write func(f *os.File) error) string {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func parse(t *testing.T, path string) ([]tally.CostLine, []*ingest.LineError, error) {
	t.Helper()
	in, err := ingest.OpenInput(path, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var lines []tally.CostLine
	var bad []*ingest.LineError
	err = awscur.Parser{}.Parse(context.Background(), in, func(_ int64, l *tally.CostLine, b *ingest.LineError) error {
		if b != nil {
			bad = append(bad, b)
			return nil
		}
		lines = append(lines, *l)
		return nil
	})
	return lines, bad, err
}

func writeParquet(t *testing.T, dir, name string, rows []curtest.Row) string {
	return writeFile(t, dir, name, func(f *os.File) error { return curtest.WriteParquet(f, rows) })
}

func writeLegacy(t *testing.T, dir, name string, rows []curtest.Row) string {
	return writeFile(t, dir, name, func(f *os.File) error {
		z := gzip.NewWriter(f)
		if err := curtest.WriteLegacyCSV(z, rows); err != nil {
			return err
		}
		return z.Close()
	})
}

func TestAmortizationEveryLineItemType(t *testing.T) {
	cases := curtest.Month(march)
	dir := t.TempDir()
	for _, format := range []string{"cur2.parquet", "legacy.csv.gz"} {
		t.Run(format, func(t *testing.T) {
			var path string
			if strings.HasSuffix(format, ".parquet") {
				path = writeParquet(t, dir, format, curtest.Rows(cases))
			} else {
				path = writeLegacy(t, dir, format, curtest.Rows(cases))
			}
			lines, bad, err := parse(t, path)
			if err != nil || len(bad) > 0 {
				t.Fatalf("err %v bad %v", err, bad)
			}
			if len(lines) != len(cases) {
				t.Fatalf("%d lines, want %d", len(lines), len(cases))
			}
			billed, effective := tally.Zero("USD"), tally.Zero("USD")
			for i, c := range cases {
				l := lines[i]
				if got := l.EffectiveCost.Decimal(); got != c.Effective {
					t.Errorf("%s: EffectiveCost %s, want %s", c.Name, got, c.Effective)
				}
				if string(l.ChargeCategory) != c.Category || string(l.CommitmentDiscountStatus) != c.Status {
					t.Errorf("%s: category %s status %q, want %s %q", c.Name, l.ChargeCategory, l.CommitmentDiscountStatus, c.Category, c.Status)
				}
				if l.BilledCost.Float64() != c.Row.LineItemUnblendedCost {
					t.Errorf("%s: BilledCost %s, want %v", c.Name, l.BilledCost, c.Row.LineItemUnblendedCost)
				}
				billed, _ = billed.Add(l.BilledCost)
				effective, _ = effective.Add(l.EffectiveCost)
			}
			if billed.Decimal() != "1557.4364" || effective.Decimal() != "16.6076" {
				t.Errorf("totals billed %s effective %s, want 1557.4364 and 16.6076", billed.Decimal(), effective.Decimal())
			}
			ri, sp, usage := lines[1], lines[3], lines[0]
			if ri.CommitmentDiscountID != curtest.RIArn || ri.CommitmentDiscountType != "Reserved Instance" || ri.ListCost.Decimal() != "0.096" ||
				ri.Extras["x_ReservationAvailabilityZone"] != "us-east-1a" {
				t.Errorf("RI line %+v", ri)
			}
			if sp.CommitmentDiscountID != curtest.SPArn || sp.PricingCategory != "Committed" || sp.ResourceID != "i-0ccc0000000000003" {
				t.Errorf("SP line %+v", sp)
			}
			if x := lines[5].Extras; x["x_SavingsPlanOfferingType"] != "ComputeSavingsPlans" || x["x_SavingsPlanPurchaseTerm"] != "3yr" ||
				x["x_SavingsPlanPaymentOption"] != "Partial Upfront" {
				t.Errorf("SP fee line's extras %v: want the savings_plan_offering_type, _purchase_term and _payment_option", x)
			}
			if x := lines[2].Extras; x["x_LeaseContractLength"] != "1yr" || x["x_PurchaseOption"] != "Partial Upfront" {
				t.Errorf("RIFee line's extras %v: want the pricing_lease_contract_length and pricing_purchase_option", x)
			}
			// A commitment's term, as its fee lines date it: the bill Tally
			// has may start long after it did.
			if x := lines[5].Extras; x["x_SavingsPlanStartTime"] != "2025-03-15T10:00:00.000Z" || x["x_SavingsPlanEndTime"] != "2028-03-15T10:00:00.000Z" {
				t.Errorf("SP fee line's extras %v: want the savings_plan_start_time and _end_time", x)
			}
			if x := lines[2].Extras; x["x_ReservationStartTime"] != "2025-06-01T00:00:00.000Z" || x["x_ReservationEndTime"] != "2026-06-01T00:00:00.000Z" {
				t.Errorf("RIFee line's extras %v: want the reservation_start_time and _end_time", x)
			}
			if usage.ResourceID != "i-0aaa0000000000001" || usage.ResourceType != "Instance" || usage.ServiceName != "Amazon Elastic Compute Cloud" ||
				usage.RegionID != "us-east-1" || usage.SkuID != "SKUm5.large" || usage.Tags["user_team"] != "payments" && usage.Tags["user:team"] != "payments" ||
				usage.PricingQuantity != 1 || usage.PricingUnit != "Hrs" || usage.Extras["x_UsageType"] != "BoxUsage:m5.large" {
				t.Errorf("usage line %+v", usage)
			}
			if !usage.ChargePeriodStart.Equal(march.Add(36*time.Hour)) || !usage.BillingPeriodStart.Equal(march) {
				t.Errorf("periods %v %v", usage.ChargePeriodStart, usage.BillingPeriodStart)
			}
		})
	}
}

func TestUnknownLineItemTypeAndMissingColumns(t *testing.T) {
	dir := t.TempDir()
	rows := curtest.Rows(curtest.Month(march))
	rows[2].LineItemLineItemType = "MysteryFee"
	_, bad, err := parse(t, writeParquet(t, dir, "u.parquet", rows))
	if err != nil || len(bad) != 1 || !errors.Is(bad[0], ingest.ErrUnknownLineItemType) ||
		!strings.HasPrefix(bad[0].Error(), filepath.Join(dir, "u.parquet")+`:3: column line_item_line_item_type value "MysteryFee": unknown line item type`) {
		t.Fatalf("err %v bad %v", err, bad)
	}
	csv := "lineItem/UnblendedCost,bill/PayerAccountId\n1,2\n"
	p := writeFile(t, dir, "m.csv", func(f *os.File) error { _, err := f.WriteString(csv); return err })
	_, _, err = parse(t, p)
	if !errors.Is(err, ingest.ErrMissingColumn) || !strings.Contains(err.Error(), "lineItem/LineItemType") {
		t.Fatalf("missing columns: %v", err)
	}
}

// A cost beyond ingest.MaxLineCost in a Parquet DOUBLE column is a bad
// row naming it, as in CSV; so is one that is not finite.
func TestParquetCostBound(t *testing.T) {
	dir := t.TempDir()
	rows := curtest.Rows(curtest.Month(march))
	rows[1].LineItemUnblendedCost = 1e26
	rows[3].PricingPublicOnDemandCost = math.Inf(-1)
	p := writeParquet(t, dir, "b.parquet", rows)
	_, bad, err := parse(t, p)
	want := []string{
		p + `:2: column line_item_unblended_cost value "1e+26": beyond ±1000000000000, the most one bill line may cost`,
		p + `:4: column pricing_public_on_demand_cost value "-Inf": not a finite number`,
	}
	if err != nil || len(bad) != len(want) {
		t.Fatalf("err %v, bad rows %v; want %q", err, bad, want)
	}
	for i, w := range want {
		if bad[i].Error() != w {
			t.Errorf("got  %s\nwant %s", bad[i], w)
		}
	}
}

// A legacy CUR line whose usage starts at or after its billing period's
// end is a bad row naming the period as the file writes it; one whose
// usage is billed late (before the period) or spans the whole period (a
// tax, an RI fee) is a line of the period, as in FOCUS and CUR 2.0.
func TestUsageOutsideTheBillingPeriod(t *testing.T) {
	rows := curtest.Rows(curtest.Month(march))
	april := march.AddDate(0, 1, 0)
	rows[0].LineItemUsageStartDate, rows[0].LineItemUsageEndDate = march.Add(-time.Hour), march                   // billed late
	rows[1].LineItemUsageStartDate, rows[1].LineItemUsageEndDate = march, april                                   // the whole period
	rows[2].LineItemUsageStartDate, rows[2].LineItemUsageEndDate = april.Add(-time.Hour), april                   // the last hour
	rows[3].LineItemUsageStartDate, rows[3].LineItemUsageEndDate = april, april.Add(time.Hour)                    // after it
	rows[4].LineItemUsageStartDate, rows[4].LineItemUsageEndDate = april.AddDate(0, 1, 0), april.AddDate(0, 2, 0) // long after
	p := writeLegacy(t, t.TempDir(), "r.csv.gz", rows)
	lines, bad, err := parse(t, p)
	const why = ` – 2025-04-01T00:00:00Z (bill/BillingPeriodStartDate – bill/BillingPeriodEndDate): ` +
		`a bill holds its period's usage and late charges of earlier periods, not later usage`
	want := []string{
		p + `:5: column lineItem/UsageStartDate value "2025-04-01T00:00:00Z": after the billing period 2025-03-01T00:00:00Z` + why,
		p + `:6: column lineItem/UsageStartDate value "2025-05-01T00:00:00Z": after the billing period 2025-03-01T00:00:00Z` + why,
	}
	if err != nil || len(bad) != len(want) || len(lines) != len(rows)-len(want) {
		t.Fatalf("err %v, %d lines, bad rows %v; want %d lines and %q", err, len(lines), bad, len(rows)-len(want), want)
	}
	for i, w := range want {
		if bad[i].Error() != w {
			t.Errorf("got  %s\nwant %s", bad[i], w)
		}
	}
}

func TestSelectUsesCurrentManifests(t *testing.T) {
	files := map[string]string{
		"cur/r/20250301-20250401/r-Manifest.json":                `{"assemblyId":"b","reportKeys":["prefix/cur/r/20250301-20250401/b/r-00001.csv.gz"]}`,
		"cur/r/20250301-20250401/a/r-Manifest.json":              `{"assemblyId":"a","reportKeys":["prefix/cur/r/20250301-20250401/a/r-00001.csv.gz"]}`,
		"cur/r/20250301-20250401/a/r-00001.csv.gz":               "",
		"cur/r/20250301-20250401/b/r-00001.csv.gz":               "",
		"exp/metadata/BILLING_PERIOD=2025-04/e-Manifest.json":    `{"dataFiles":["s3://bkt/prefix/exp/data/BILLING_PERIOD=2025-04/e-00001.snappy.parquet"]}`,
		"exp/data/BILLING_PERIOD=2025-04/e-00001.snappy.parquet": "",
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	got, err := awscur.Select(names, func(n string) ([]byte, error) { return []byte(files[n]), nil })
	if err != nil {
		t.Fatal(err)
	}
	want := "cur/r/20250301-20250401/b/r-00001.csv.gz exp/data/BILLING_PERIOD=2025-04/e-00001.snappy.parquet"
	if strings.Join(got, " ") != want {
		t.Fatalf("Select = %v, want %s", got, want)
	}
	files["cur/r/20250301-20250401/r-Manifest.json"] = `{"reportKeys":["prefix/cur/r/20250301-20250401/c/r-00001.csv.gz"]}`
	if _, err := awscur.Select(names, func(n string) ([]byte, error) { return []byte(files[n]), nil }); err == nil || !strings.Contains(err.Error(), "not there") {
		t.Fatalf("missing report key: %v", err)
	}
}

func FuzzParseCSV(f *testing.F) {
	var buf bytes.Buffer
	curtest.WriteLegacyCSV(&buf, curtest.Rows(curtest.Month(march)))
	f.Add(buf.String())
	f.Add("line_item_line_item_type,bill_payer_account_id,bill_billing_period_start_date,line_item_usage_start_date,line_item_usage_end_date,line_item_currency_code,line_item_unblended_cost,resource_tags,product\nUsage,1,2025-03-01T00:00:00Z,2025-03-02T00:00:00Z,2025-03-02T01:00:00Z,USD,1.5,\"{\"\"a\"\":\"\"b\"\"}\",\"{\"\"region\"\":\"\"us-east-1\"\"}\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		err := awscur.ParseCSV(context.Background(), "fuzz.csv", strings.NewReader(s), func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil && (bad.File != "fuzz.csv" || bad.Line < 1 || bad.Reason == "") {
				t.Fatalf("bad row without file, line or reason: %#v", bad)
			}
			if l != nil && (l.Currency() == "" || l.EffectiveCost.Currency() != l.Currency()) {
				t.Fatalf("line with inconsistent currency: %+v", l)
			}
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "fuzz.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"assemblyId":"b","reportKeys":["p/r/20250301-20250401/b/r-00001.csv.gz"]}`))
	f.Add([]byte(`{"dataFiles":["s3://bkt/p/data/BILLING_PERIOD=2025-04/e-00001.snappy.parquet"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := awscur.ParseManifest("fuzz.json", b)
		if err == nil {
			for _, k := range m.Keys() {
				if k == "" || strings.Contains(k, "..") {
					t.Fatalf("accepted key %q", k)
				}
			}
		}
	})
}

// smallCUR is a CUR 2.0 file of few columns: those every line needs, the
// effective costs of Savings Plan and Reserved Instance usage, tags and
// product attributes.
type smallCUR struct {
	Payer     string            `parquet:"bill_payer_account_id"`
	Start     time.Time         `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	Type      string            `parquet:"line_item_line_item_type"`
	UsageFrom time.Time         `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	UsageTo   time.Time         `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	Currency  string            `parquet:"line_item_currency_code"`
	Unblended float64           `parquet:"line_item_unblended_cost"`
	SPCost    float64           `parquet:"savings_plan_savings_plan_effective_cost"`
	RICost    float64           `parquet:"reservation_effective_cost"`
	Tags      map[string]string `parquet:"resource_tags"`
	Product   map[string]string `parquet:"product"`
}

// FuzzParseParquet reads arbitrary bytes as a CUR 2.0 Parquet file: an
// error or bad rows, never a panic. Its seeds are three lines of a full
// CUR 2.0 export (50 columns, 13 KB) and three of smallCUR (3.6 KB), whose
// variants the fuzzer runs twice as fast. Every input is written to the
// same file: a directory an input took a third of the time.
func FuzzParseParquet(f *testing.F) {
	var buf bytes.Buffer
	if err := curtest.WriteParquet(&buf, curtest.Rows(curtest.Month(march))[:3]); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	h := march.Add(time.Hour)
	small := []smallCUR{
		{"1", march, "Usage", h, h.Add(time.Hour), "USD", 1.5, 0, 0, map[string]string{"user:team": "a"}, map[string]string{"region": "us-east-1"}},
		{"1", march, "SavingsPlanCoveredUsage", h, h.Add(time.Hour), "USD", 1, 0.5, 0, nil, nil},
		{"1", march, "DiscountedUsage", h, h.Add(time.Hour), "USD", 1, 0, 0.25, nil, nil},
	}
	buf.Reset()
	if err := parquet.Write(&buf, small); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	p := filepath.Join(f.TempDir(), "f.parquet")
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := ingest.OpenInput(p, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		_ = awscur.Parser{}.Parse(context.Background(), in, func(_ int64, l *tally.CostLine, bad *ingest.LineError) error { return nil })
	})
}

// spOnly lacks the Savings Plan columns its SavingsPlanCoveredUsage row needs.
type spOnly struct {
	Payer     string    `parquet:"bill_payer_account_id"`
	Start     time.Time `parquet:"bill_billing_period_start_date,timestamp(millisecond)"`
	Type      string    `parquet:"line_item_line_item_type"`
	UsageFrom time.Time `parquet:"line_item_usage_start_date,timestamp(millisecond)"`
	UsageTo   time.Time `parquet:"line_item_usage_end_date,timestamp(millisecond)"`
	Currency  string    `parquet:"line_item_currency_code"`
	Unblended float64   `parquet:"line_item_unblended_cost"`
}

func TestAmortizationNeedsItsColumns(t *testing.T) {
	h := march.Add(time.Hour)
	p := writeFile(t, t.TempDir(), "sp.parquet", func(f *os.File) error {
		return parquet.Write(f, []spOnly{{"1", march, "Usage", h, h.Add(time.Hour), "USD", 1}, {"1", march, "SavingsPlanCoveredUsage", h, h.Add(time.Hour), "USD", 1}})
	})
	lines, bad, err := parse(t, p)
	if err != nil || len(lines) != 1 || len(bad) != 1 || !errors.Is(bad[0], ingest.ErrMissingColumn) ||
		!strings.Contains(bad[0].Error(), ":2: column savings_plan_savings_plan_effective_cost") {
		t.Fatalf("lines %d bad %v err %v", len(lines), bad, err)
	}
}

// TestManyPages reads a file whose columns span many pages, so that rows
// straddle page boundaries.
func TestManyPages(t *testing.T) {
	cases := curtest.Month(march)
	var rows []curtest.Row
	for i := 0; i < 40000; i++ {
		r := cases[i%len(cases)].Row
		r.IdentityLineItemID = strings.Repeat("x", i%50)
		rows = append(rows, r)
	}
	p := writeFile(t, t.TempDir(), "many.parquet", func(f *os.File) error {
		w := parquet.NewGenericWriter[curtest.Row](f, parquet.PageBufferSize(4<<10))
		if _, err := w.Write(rows); err != nil {
			return err
		}
		return w.Close()
	})
	lines, bad, err := parse(t, p)
	if err != nil || len(bad) > 0 || len(lines) != len(rows) {
		t.Fatalf("lines %d bad %v err %v", len(lines), bad, err)
	}
	for i, l := range lines {
		c := cases[i%len(cases)]
		if l.EffectiveCost.Decimal() != c.Effective || l.Currency() != "USD" || l.BillingAccountID != curtest.Payer {
			t.Fatalf("row %d: %+v", i+1, l)
		}
	}
}
