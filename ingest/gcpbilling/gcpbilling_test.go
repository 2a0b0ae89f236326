package gcpbilling_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
	"github.com/tallyhq/tally/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// parseExport writes data as an export file named name and parses it,
// failing on any bad row.
func parseExport(t *testing.T, name string, data []byte) []tally.CostLine {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	lines, bad := parse(t, p)
	if len(bad) > 0 {
		t.Fatalf("%s: bad rows %v", name, bad)
	}
	return lines
}

func parse(t *testing.T, path string) ([]tally.CostLine, []*ingest.LineError) {
	t.Helper()
	in, err := ingest.OpenInput(path, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var lines []tally.CostLine
	var bad []*ingest.LineError
	err = gcpbilling.Parser{}.Parse(context.Background(), in, func(_ int64, l *tally.CostLine, b *ingest.LineError) error {
		if b != nil {
			bad = append(bad, b)
		} else {
			lines = append(lines, *l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines, bad
}

// Expected per fixture row: net = cost + Σ credits.
var wantNet = []string{"0.07584", "0.051128", "0", "0.0514", "1.23"}

func checkFixture(t *testing.T, lines []tally.CostLine) {
	t.Helper()
	if len(lines) != 5 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		if l.EffectiveCost.Decimal() != wantNet[i] || l.BilledCost.Decimal() != wantNet[i] {
			t.Errorf("row %d: billed %s effective %s, want net %s", i+1, l.BilledCost.Decimal(), l.EffectiveCost.Decimal(), wantNet[i])
		}
	}
	cpu := lines[0]
	if cpu.ContractedCost.Decimal() != "0.13536" || cpu.Extras["x_Credit_COMMITTED_USAGE_DISCOUNT"] != "-0.0514" ||
		cpu.Extras["x_Credit_SUSTAINED_USAGE_DISCOUNT"] != "-0.00812" {
		t.Errorf("credits by type: gross %s extras %v", cpu.ContractedCost, cpu.Extras)
	}
	if cpu.CommitmentDiscountID != "commitments/1234" || cpu.CommitmentDiscountCategory != "Usage" || cpu.CommitmentDiscountStatus != tally.CommitmentUsed {
		t.Errorf("CUD: %+v", cpu)
	}
	if cpu.ResourceID != "gke-prod-eu-pool-1-8f2c" || cpu.Tags["team"] != "payments" || cpu.SubAccountID != "acme-prod" ||
		cpu.ServiceName != "Compute Engine" || cpu.SkuID != "CF4E-A0C7-E3BF" || cpu.RegionID != "europe-west1" || cpu.PricingQuantity != 4 {
		t.Errorf("mapping: %+v", cpu)
	}
	if !cpu.ChargePeriodStart.Equal(time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)) || !cpu.BillingPeriodStart.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("periods %v %v", cpu.ChargePeriodStart, cpu.BillingPeriodStart)
	}
	if lines[1].Extras["x_Credit_FEE_UTILIZATION_OFFSET"] != "-0.020272" || lines[1].CommitmentDiscountCategory != "Spend" || lines[1].ListCost.Decimal() != "0.0724" {
		t.Errorf("spend CUD: %+v", lines[1])
	}
	if lines[3].ChargeCategory != tally.ChargePurchase || lines[4].ChargeCategory != tally.ChargeTax {
		t.Errorf("categories %s %s", lines[3].ChargeCategory, lines[4].ChargeCategory)
	}
}

func TestNDJSON(t *testing.T) {
	lines, bad := parse(t, "testdata/export.ndjson")
	if len(bad) > 0 {
		t.Fatal(bad)
	}
	checkFixture(t, lines)
}

func fixtureRows(t *testing.T) []gcpbilling.Row {
	raw, err := os.ReadFile("testdata/export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var rows []gcpbilling.Row
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r gcpbilling.Row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

func TestCSV(t *testing.T) {
	var b strings.Builder
	b.WriteString("billing_account_id,service.id,service.description,sku.id,sku.description,usage_start_time,usage_end_time,project.id,project.name,labels,location.region,location.zone,resource.name,cost,currency,usage.amount,usage.amount_in_pricing_units,usage.pricing_unit,credits,invoice.month,cost_type,cost_at_list\n")
	for _, r := range fixtureRows(t) {
		labels, _ := json.Marshal(r.Labels)
		credits, _ := json.Marshal(r.Credits)
		rec := []string{r.BillingAccountID, r.Service.ID, r.Service.Description, r.Sku.ID, r.Sku.Description, r.UsageStartTime, r.UsageEndTime,
			r.Project.ID, r.Project.Name, string(labels), r.Location.Region, r.Location.Zone, r.Resource.Name, string(r.Cost), r.Currency,
			string(r.Usage.Amount), string(r.Usage.AmountInPricingUnits), r.Usage.PricingUnit, string(credits), r.Invoice.Month, r.CostType, string(r.CostAtList)}
		for i, f := range rec {
			rec[i] = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		b.WriteString(strings.Join(rec, ",") + "\n")
	}
	checkFixture(t, parseExport(t, "export.csv", []byte(b.String())))
}

// bqRow is the export schema as BigQuery writes it to Parquet.
type bqRow struct {
	BillingAccountID string `parquet:"billing_account_id"`
	Service          struct {
		ID          string `parquet:"id"`
		Description string `parquet:"description"`
	} `parquet:"service"`
	Sku struct {
		ID          string `parquet:"id"`
		Description string `parquet:"description"`
	} `parquet:"sku"`
	UsageStartTime time.Time `parquet:"usage_start_time,timestamp(microsecond)"`
	UsageEndTime   time.Time `parquet:"usage_end_time,timestamp(microsecond)"`
	Project        struct {
		ID   string `parquet:"id"`
		Name string `parquet:"name"`
	} `parquet:"project"`
	Labels []struct {
		Key   string `parquet:"key"`
		Value string `parquet:"value"`
	} `parquet:"labels,list"`
	Location struct {
		Region string `parquet:"region"`
		Zone   string `parquet:"zone"`
	} `parquet:"location"`
	Resource struct {
		Name string `parquet:"name"`
	} `parquet:"resource"`
	Cost     float64 `parquet:"cost"`
	Currency string  `parquet:"currency"`
	Usage    struct {
		Amount               float64 `parquet:"amount"`
		AmountInPricingUnits float64 `parquet:"amount_in_pricing_units"`
		PricingUnit          string  `parquet:"pricing_unit"`
	} `parquet:"usage"`
	Credits []struct {
		Name   string  `parquet:"name"`
		Amount float64 `parquet:"amount"`
		ID     string  `parquet:"id"`
		Type   string  `parquet:"type"`
	} `parquet:"credits,list"`
	Invoice struct {
		Month string `parquet:"month"`
	} `parquet:"invoice"`
	CostType   string   `parquet:"cost_type"`
	CostAtList *float64 `parquet:"cost_at_list,optional"`
}

func TestParquet(t *testing.T) {
	var rows []bqRow
	for _, r := range fixtureRows(t) {
		var b bqRow
		b.BillingAccountID, b.Service.ID, b.Service.Description = r.BillingAccountID, r.Service.ID, r.Service.Description
		b.Sku.ID, b.Sku.Description = r.Sku.ID, r.Sku.Description
		b.UsageStartTime, _ = ingest.Time(r.UsageStartTime)
		b.UsageEndTime, _ = ingest.Time(r.UsageEndTime)
		b.Project.ID, b.Project.Name = r.Project.ID, r.Project.Name
		for _, l := range r.Labels {
			b.Labels = append(b.Labels, struct {
				Key   string `parquet:"key"`
				Value string `parquet:"value"`
			}{l.Key, l.Value})
		}
		b.Location.Region, b.Location.Zone, b.Resource.Name = r.Location.Region, r.Location.Zone, r.Resource.Name
		b.Cost, _ = strconv.ParseFloat(string(r.Cost), 64)
		b.Currency = r.Currency
		b.Usage.Amount, _ = strconv.ParseFloat(string(r.Usage.Amount), 64)
		b.Usage.AmountInPricingUnits, _ = strconv.ParseFloat(string(r.Usage.AmountInPricingUnits), 64)
		b.Usage.PricingUnit = r.Usage.PricingUnit
		for _, c := range r.Credits {
			a, _ := strconv.ParseFloat(string(c.Amount), 64)
			b.Credits = append(b.Credits, struct {
				Name   string  `parquet:"name"`
				Amount float64 `parquet:"amount"`
				ID     string  `parquet:"id"`
				Type   string  `parquet:"type"`
			}{c.Name, a, c.ID, c.Type})
		}
		b.Invoice.Month, b.CostType = r.Invoice.Month, r.CostType
		if r.CostAtList != "" {
			f, _ := strconv.ParseFloat(string(r.CostAtList), 64)
			b.CostAtList = &f
		}
		rows = append(rows, b)
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	checkFixture(t, parseExport(t, "export.parquet", buf.Bytes()))
}

func TestIngestNetTotals(t *testing.T) {
	db := pgtest.New(t)
	res, err := ingest.Run(context.Background(), db, "gcp-billing", gcpbilling.Parser{},
		[]ingest.File{{Name: "testdata/export.ndjson", Path: "testdata/export.ndjson"}}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Totals.Sum("USD"); s.Effective.Decimal() != "1.408368" || s.Rows != 5 {
		t.Fatalf("net total %s rows %d, want 1.408368 and 5", s.Effective.Decimal(), s.Rows)
	}
}

func TestBadRow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.ndjson")
	os.WriteFile(p, []byte(`{"billing_account_id":"A","usage_start_time":"2025-03-04 10:00:00 UTC","cost":"x1","currency":"USD"}`+"\n"), 0o644)
	_, bad := parse(t, p)
	if len(bad) != 1 || !strings.Contains(bad[0].Error(), "bad.ndjson:1") {
		t.Fatalf("bad %v", bad)
	}
}

// A row's cost is required: a JSON null, a row without it and an empty or
// NULL CSV cell are bad rows naming it, not charges of 0.
func TestNullCost(t *testing.T) {
	const want = `: column cost value "": required: empty or null`
	const row = `{"billing_account_id":"A","usage_start_time":"2025-03-04 10:00:00 UTC",%s"currency":"USD"}`
	for _, c := range []struct{ name, data string }{
		{"null.ndjson", strings.ReplaceAll(row, "%s", `"cost":null,`)},
		{"absent.ndjson", strings.ReplaceAll(row, "%s", "")},
		{"empty.csv", "billing_account_id,usage_start_time,cost,currency\nA,2025-03-04 10:00:00 UTC,,USD"},
		{"null.csv", "billing_account_id,usage_start_time,cost,currency\nA,2025-03-04 10:00:00 UTC,NULL,USD"},
	} {
		p := filepath.Join(t.TempDir(), c.name)
		if err := os.WriteFile(p, []byte(c.data+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lines, bad := parse(t, p)
		line := ":1"
		if strings.HasSuffix(c.name, ".csv") {
			line = ":2"
		}
		if len(lines) != 0 || len(bad) != 1 || bad[0].Error() != p+line+want {
			t.Errorf("%s: lines %+v, errors %v; want %s%s%s", c.name, lines, bad, p, line, want)
		}
	}
}

// A billing period in two currencies is an error naming the export's
// currency column, not FOCUS's BillingCurrency.
func TestMixedCurrenciesNameTheCurrencyColumn(t *testing.T) {
	const row = `{"billing_account_id":"A","usage_start_time":"2025-03-04 10:00:00 UTC","cost":1,"currency":"%s"}` + "\n"
	p := filepath.Join(t.TempDir(), "export.ndjson")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(row, "%s", "USD")+strings.ReplaceAll(row, "%s", "EUR")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ingest.Run(t.Context(), pgtest.New(t), "gcp-billing", gcpbilling.Parser{}, []ingest.File{{Name: p, Path: p}}, ingest.Options{})
	if want := p + `:2: column currency value "EUR": billing period 2025-03 of account A already has lines in USD`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err %v, want %s", err, want)
	}
}

// FuzzParseNDJSON parses arbitrary text as an NDJSON export: rows or bad
// rows naming file and line, errors naming the file, never a panic. Its
// seeds are the fixture's rows one by one and its last two together, not
// the whole 3.5 KB fixture: the time the fuzzer spends on an input, and
// on minimizing one it keeps, grows with its length.
func FuzzParseNDJSON(f *testing.F) {
	raw, err := os.ReadFile("testdata/export.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSpace(string(raw)), "\n")
	for _, l := range lines {
		f.Add(l)
	}
	f.Add(strings.Join(lines[len(lines)-2:], ""))
	// The consumption model's rows: covered usage, a fee with its offset
	// credit, a fee of a documented SKU without one.
	cm, err := os.ReadFile("testdata/consumption.ndjson")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.SplitAfter(strings.TrimSpace(string(cm)), "\n") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := gcpbilling.ParseNDJSON(context.Background(), "fuzz.ndjson", strings.NewReader(s), func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
			checkBad(t, "fuzz.ndjson", bad)
			if l != nil && l.EffectiveCost.Currency() != l.Currency() {
				t.Fatalf("inconsistent line %+v", l)
			}
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "fuzz.ndjson") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add("billing_account_id,usage_start_time,cost,currency,credits,labels\nA,2025-03-04 10:00:00 UTC,1.5,USD,\"[{\"\"amount\"\":-0.5,\"\"type\"\":\"\"PROMOTION\"\"}]\",\"[{\"\"key\"\":\"\"a\"\",\"\"value\"\":\"\"b\"\"}]\"\n")
	f.Add("billing_account_id,usage_start_time,sku.id,cost,currency,credits,consumption_model.id,consumption_model.description,subscription.instance_id\n" +
		"A,2025-03-04 10:00:00 UTC,X,0.144,USD,[],CM-1,Compute Flexible CUD - 1 Year,\n" +
		"A,2025-03-04 10:00:00 UTC,5515-81A8-03A2,0.72,USD,\"[{\"\"amount\"\":-0.36,\"\"type\"\":\"\"FEE_UTILIZATION_OFFSET\"\"}]\",,,sub-1\n")
	f.Fuzz(func(t *testing.T, s string) {
		err := gcpbilling.ParseCSV(context.Background(), "fuzz.csv", strings.NewReader(s), func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
			checkBad(t, "fuzz.csv", bad)
			if l != nil && (l.Currency() == "" || l.EffectiveCost.Currency() != l.Currency()) {
				t.Fatalf("inconsistent line %+v", l)
			}
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "fuzz.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// checkBad fails t unless a bad row's error names the file, the line and why.
func checkBad(t *testing.T, file string, bad *ingest.LineError) {
	t.Helper()
	if bad != nil && (bad.File != file || bad.Line < 1 || bad.Reason == "") {
		t.Fatalf("bad row without file, line or reason: %#v", bad)
	}
}

// A row that does not decode says which field, with what value, and why,
// in the words of the export rather than of Go's types.
// Parsing a small file allocates for its rows, not a reader buffer of
// a megabyte (1 MiB of the 1,038 KiB the fixture's 5 rows took).
func TestNDJSONSmallFile(t *testing.T) {
	raw, err := os.ReadFile("testdata/export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	const runs = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		var n int
		err := gcpbilling.ParseNDJSON(context.Background(), "export.ndjson", bytes.NewReader(raw), func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil {
				t.Fatal(bad)
			}
			n++
			return nil
		})
		if err != nil || n != 5 {
			t.Fatalf("%d lines, %v", n, err)
		}
	}
	runtime.ReadMemStats(&after)
	if kib := (after.TotalAlloc - before.TotalAlloc) / runs >> 10; kib > 256 {
		t.Errorf("parsing a %d-byte file allocated %d KiB", len(raw), kib)
	}
}

// A UTF-8 byte order mark before the first line (written by Windows tools)
// is skipped, as the CSV readers skip it: left in, the first row was not
// JSON.
func TestNDJSONByteOrderMark(t *testing.T) {
	const row = `{"billing_account_id":"A","usage_start_time":"2024-09-01T00:00:00Z","cost":1.5,"currency":"USD"}`
	var lines []int64
	err := gcpbilling.ParseNDJSON(context.Background(), "bom.json", strings.NewReader("\ufeff"+row+"\n"+row+"\n"), func(n int64, _ *tally.CostLine, bad *ingest.LineError) error {
		if bad != nil {
			return bad
		}
		lines = append(lines, n)
		return nil
	})
	if err != nil || !slices.Equal(lines, []int64{1, 2}) {
		t.Fatalf("lines %v, err %v; want lines 1 and 2", lines, err)
	}
}

// A line longer than the reader's buffer is one row, and the lines after
// it keep their numbers.
func TestNDJSONLongLine(t *testing.T) {
	const head = `{"billing_account_id":"A","usage_start_time":"2024-09-01T00:00:00Z","cost":1,"currency":"USD","labels":[{"key":"k","value":"`
	long := strings.Repeat("v", 3<<20)
	in := head + long + `"}]}` + "\n" + head + `short"}]}` + "\n"
	var got []string
	var at []int64
	err := gcpbilling.ParseNDJSON(context.Background(), "export.json", strings.NewReader(in), func(n int64, l *tally.CostLine, bad *ingest.LineError) error {
		if bad != nil {
			t.Fatal(bad)
		}
		got, at = append(got, l.Tags["k"]), append(at, n)
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != long || got[1] != "short" || !slices.Equal(at, []int64{1, 2}) {
		t.Fatalf("lines %v, label lengths %d, err %v", at, len(got), err)
	}
}

func TestNDJSONErrors(t *testing.T) {
	const head = `{"billing_account_id":"A","usage_start_time":"2024-09-01T00:00:00Z",`
	for _, c := range []struct{ row, want string }{
		{head + `"cost":"1.2.3","currency":"USD"}`, `export.json:1: column cost value "1.2.3": not a decimal number`},
		{head + `"cost":1,"currency":978}`, `export.json:1: column currency value "978": a JSON number, want text`},
		{head + `"cost":{"a":1},"currency":"USD"}`, `export.json:1: column cost value "{\"a\":1}": a JSON object, want a number`},
		{head + `"cost":1,"currency":"USD","credits":[{"amount":"x"}]}`, `export.json:1: column credits.amount value "x": not a decimal number`},
		{head + `"cost":1e26,"currency":"USD"}`, `export.json:1: column cost value "1e26": beyond ±1000000000000, the most one bill line may cost`},
		{head + `"cost":1,"currency":"USD","credits":[{"amount":-1000000000000.5}]}`,
			`export.json:1: column credits.amount value "-1000000000000.5": beyond ±1000000000000, the most one bill line may cost`},
		{head + `"cost":1,"cost_at_list":"2e12","currency":"USD"}`, `export.json:1: column cost_at_list value "2e12": beyond ±1000000000000, the most one bill line may cost`},
		{head + `"cost":1,"currency":"USD","credits":{"amount":1}}`, `export.json:1: column credits value "{\"amount\":1}": a JSON object, want an array`},
		{head + `"cost":1,"currency":"USD"`, `export.json:1: not JSON: unexpected end of JSON input at byte 93`},
	} {
		var got []string
		err := gcpbilling.ParseNDJSON(context.Background(), "export.json", strings.NewReader(c.row+"\n"), func(_ int64, _ *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil {
				got = append(got, bad.Error())
			}
			return nil
		})
		if err != nil || len(got) != 1 || got[0] != c.want {
			t.Errorf("%s:\n got %q, %v\nwant %s", c.row, got, err, c.want)
		}
	}
}
