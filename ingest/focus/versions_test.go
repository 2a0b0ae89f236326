package focus_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/focus"
)

func parseString(t *testing.T, name, csv string) ([]tally.CostLine, []*ingest.LineError, error) {
	t.Helper()
	var lines []tally.CostLine
	var bad []*ingest.LineError
	err := focus.ParseCSV(context.Background(), name, strings.NewReader(csv), func(_ int64, l *tally.CostLine, b *ingest.LineError) error {
		if b != nil {
			bad = append(bad, b)
			return nil
		}
		lines = append(lines, *l)
		return nil
	})
	return lines, bad, err
}

const (
	head10 = "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName,PublisherName,Tags,x_UsageType\n"
	head12 = "BilledCost,EffectiveCost,ListCost,ContractedCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,ServiceProviderName,HostProviderName,InvoiceIssuerName,InvoiceId,Tags\n"
)

func TestVersionDetection(t *testing.T) {
	tests := []struct {
		cols []string
		want focus.Version
	}{
		{strings.Split(strings.TrimSpace(head10), ","), focus.V1_0},
		{[]string{"BilledCost", "ProviderName", "CapacityReservationId"}, focus.V1_1},
		{[]string{"BilledCost", "ProviderName", "SkuPriceDetails", "ServiceSubcategory"}, focus.V1_1},
		{strings.Split(strings.TrimSpace(head12), ","), focus.V1_2},
	}
	for _, tt := range tests {
		if got := focus.DetectVersion(tt.cols); got != tt.want {
			t.Errorf("DetectVersion(%v) = %s, want %s", tt.cols, got, tt.want)
		}
	}
}

func TestFOCUS12RenamedProviderColumns(t *testing.T) {
	csv := head12 + `"1.5","1.25",2,1.5,acct-1,EUR,2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,Usage,2025-03-02T10:00:00Z,2025-03-02T11:00:00Z,Compute Engine,Google Cloud,Google Cloud,Google Cloud EMEA,INV-7,"{""team"":""a"",""n"":3}"` + "\n"
	lines, bad, err := parseString(t, "f12.csv", csv)
	if err != nil || len(bad) > 0 || len(lines) != 1 {
		t.Fatalf("lines %d bad %v err %v", len(lines), bad, err)
	}
	l := lines[0]
	if l.Provider != tally.ProviderGCP || l.BilledCost.String() != "1.5 EUR" || l.EffectiveCost.String() != "1.25 EUR" {
		t.Errorf("line %+v", l)
	}
	if l.Tags["team"] != "a" || l.Tags["n"] != "3" || l.Extras["InvoiceId"] != "INV-7" {
		t.Errorf("tags %v extras %v", l.Tags, l.Extras)
	}
}

func TestNullQuotedAndProviderColumns(t *testing.T) {
	csv := head10 + `"0.5","0.5",NULL,NULL,"123",USD,2024-09-01 00:00:00,2024-10-01 00:00:00,Credit,2024-09-03 00:00:00,2024-09-04 00:00:00,Amazon EC2,AWS,AWS,NULL,BoxUsage:m5.large` + "\n"
	lines, bad, err := parseString(t, "f10.csv", csv)
	if err != nil || len(bad) > 0 || len(lines) != 1 {
		t.Fatalf("lines %d bad %v err %v", len(lines), bad, err)
	}
	l := lines[0]
	if l.EffectiveCost.String() != "0.5 USD" || !l.ListCost.IsZero() || l.ListCost.Currency() != "USD" || l.Tags != nil {
		t.Errorf("NULL cost/tags: %+v", l)
	}
	if l.Extras["x_UsageType"] != "BoxUsage:m5.large" || l.ChargeCategory != tally.ChargeCredit {
		t.Errorf("extras %v", l.Extras)
	}
}

func TestBadRowsNameFileLineColumnValue(t *testing.T) {
	good := `1,1,1,1,123,USD,2024-09-01 00:00:00,2024-10-01 00:00:00,Usage,2024-09-03 00:00:00,2024-09-03 01:00:00,S,AWS,AWS,NULL,x`
	tests := []struct{ row, want string }{
		{strings.Replace(good, "1,1,1,1", "1,abc,1,1", 1), `bad.csv:3: column EffectiveCost value "abc": not a decimal number`},
		{strings.Replace(good, "Usage", "Usag", 1), `bad.csv:3: column ChargeCategory value "Usag": want Usage, Purchase, Tax, Credit or Adjustment`},
		{strings.Replace(good, "2024-09-03 00:00:00", "yesterday", 1), `bad.csv:3: column ChargePeriodStart value "yesterday": not a timestamp`},
		{strings.Replace(good, "USD", "dollars", 1), `bad.csv:3: column BillingCurrency value "dollars": want a three-letter ISO 4217 code`},
		{strings.Replace(good, "NULL,x", "{oops,x", 1), `bad.csv:3: column Tags value "{oops": Tags is not a JSON object`},
		{good + ",extra", `bad.csv:3: 17 fields, header has 16`},
		{strings.Replace(good, "1,1,1,1", "1e26,1,1,1", 1), `bad.csv:3: column BilledCost value "1e26": beyond ±1000000000000, the most one bill line may cost`},
		{strings.Replace(good, "1,1,1,1", "1,1,-1000000000000.01,1", 1), `bad.csv:3: column ListCost value "-1000000000000.01": beyond ±1000000000000, the most one bill line may cost`},
		{strings.Replace(good, "1,1,1,1", "1,1,1,99999999999999999999999999", 1), `bad.csv:3: column ContractedCost value "99999999999999999999999999": beyond ±1000000000000`},
		{strings.Replace(good, "1,1,1,1", "1e400,1,1,1", 1), `bad.csv:3: column BilledCost value "1e400": beyond ±1000000000000`},
		{strings.Replace(good, "1,1,1,1", "1,Inf,1,1", 1), `bad.csv:3: column EffectiveCost value "Inf": not a decimal number`},
		{strings.Replace(good, "1,1,1,1", "NaN,1,1,1", 1), `bad.csv:3: column BilledCost value "NaN": not a decimal number`},
	}
	for _, tt := range tests {
		_, bad, err := parseString(t, "bad.csv", head10+good+"\n"+tt.row+"\n"+good+"\n")
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) != 1 || !strings.HasPrefix(bad[0].Error(), tt.want) {
			t.Errorf("row %q: errors %v, want %q", tt.row, bad, tt.want)
		}
	}
}

// FOCUS allows no null BilledCost or EffectiveCost: an empty or NULL cell
// is a bad row naming it, not a charge of 0. ListCost and ContractedCost
// are read as 0 when null, as the FOCUS sample and AWS's export leave
// some of them.
func TestNullCosts(t *testing.T) {
	const rest = `,123,USD,2024-09-01 00:00:00,2024-10-01 00:00:00,Usage,2024-09-03 00:00:00,2024-09-03 01:00:00,S,AWS,AWS,NULL,x`
	for _, tt := range []struct{ costs, want string }{
		{"NULL,1,1,1", `null.csv:2: column BilledCost value "NULL": required: empty or null`},
		{",1,1,1", `null.csv:2: column BilledCost value "": required: empty or null`},
		{"1,NULL,1,1", `null.csv:2: column EffectiveCost value "NULL": required: empty or null`},
		{`1,"",1,1`, `null.csv:2: column EffectiveCost value "": required: empty or null`},
		{"1,null,1,1", `null.csv:2: column EffectiveCost value "null": required: empty or null`},
		{"1,1,NULL,", ""},
	} {
		lines, bad, err := parseString(t, "null.csv", head10+tt.costs+rest+"\n")
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tt.want != "" && (len(bad) != 1 || bad[0].Error() != tt.want):
			t.Errorf("costs %s: errors %v, want %s", tt.costs, bad, tt.want)
		case tt.want == "" && (len(bad) != 0 || len(lines) != 1 || lines[0].ListCost.String() != "0 USD" || lines[0].ContractedCost.String() != "0 USD"):
			t.Errorf("costs %s: lines %+v, errors %v; want list and contracted cost 0 USD", tt.costs, lines, bad)
		}
	}
}

func TestMissingRequiredColumns(t *testing.T) {
	_, _, err := parseString(t, "m.csv", "BilledCost,ServiceName\n1,x\n")
	if !errors.Is(err, ingest.ErrMissingColumn) || !strings.Contains(err.Error(), "BillingAccountId") || !strings.Contains(err.Error(), "m.csv") {
		t.Fatalf("err = %v", err)
	}
}

func TestGzipAndUnknownFormat(t *testing.T) {
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write(raw)
	z.Close()
	dir := t.TempDir()
	gz := filepath.Join(dir, "focus.csv.gz")
	if err := os.WriteFile(gz, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := len(parseFile(t, gz)); n != 1000 {
		t.Fatalf("gzip: %d lines", n)
	}
	txt := filepath.Join(dir, "focus.txt")
	os.WriteFile(txt, raw, 0o644)
	in, _ := ingest.OpenInput(txt, txt, nil)
	defer in.Close()
	if err := (focus.Parser{}).Parse(context.Background(), in, nil); !errors.Is(err, ingest.ErrUnknownFormat) && !strings.Contains(err.Error(), "unknown file format") {
		t.Fatalf("unknown format: %v", err)
	}
}

func FuzzParseCSV(f *testing.F) {
	raw, err := os.ReadFile(sample)
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitN(string(raw), "\n", 4)
	f.Add(strings.Join(lines[:3], "\n"))
	f.Add(head10 + `"0.5",NULL,NULL,NULL,"123",USD,2024-09-01 00:00:00,2024-10-01 00:00:00,Credit,2024-09-03 00:00:00,2024-09-04 00:00:00,Amazon EC2,AWS,AWS,"{""a"":1}",x` + "\n")
	f.Fuzz(func(t *testing.T, s string) {
		err := focus.ParseCSV(context.Background(), "fuzz.csv", strings.NewReader(s), func(_ int64, l *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil {
				if bad.File != "fuzz.csv" || bad.Line < 1 || bad.Reason == "" {
					t.Fatalf("bad row without file, line or reason: %#v", bad)
				}
				return nil
			}
			if l.Currency() == "" || l.BillingAccountID == "" {
				t.Fatalf("line without currency or account: %+v", l)
			}
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "fuzz.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
