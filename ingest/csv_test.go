package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/focus"
	"github.com/tallyhq/tally/ingest/focus/focustest"
	"github.com/tallyhq/tally/ingest/gcpbilling"
)

// bytesOf is an endless reader of one byte.
type bytesOf byte

func (b bytesOf) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// An unclosed quote makes the rest of a CSV file one record: the FOCUS,
// CUR and GCP readers stop at MaxRecordBytes with an error at the line the
// record starts on, instead of growing their buffers with the file (3.8 GiB
// for 512 MiB in one quoted field, which gzip packs into 509 KiB; now about
// 500 MiB, most of it encoding/csv growing its buffers to the limit).
func TestCSVRecordLimit(t *testing.T) {
	for name, c := range map[string]struct {
		parse  func(context.Context, string, io.Reader, ingest.Emit) error
		header string
	}{
		"focus":      {focus.ParseCSV, "BilledCost,EffectiveCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName"},
		"awscur":     {awscur.ParseCSV, "bill_payer_account_id,bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_currency_code,line_item_unblended_cost"},
		"gcpbilling": {gcpbilling.ParseCSV, "billing_account_id,usage_start_time,cost,currency"},
	} {
		// A header, a short line (a row error), a quoted line break, then a
		// quote on line 5 that never closes.
		head := c.header + "\n1,2\n\"x\ny\",3\n\"z\n"
		in := io.MultiReader(strings.NewReader(head), io.LimitReader(bytesOf('a'), 512<<20))
		var rows []int64
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := c.parse(context.Background(), "bill.csv", in, func(at int64, _ *tally.CostLine, _ *ingest.LineError) error {
			rows = append(rows, at)
			return nil
		})
		runtime.ReadMemStats(&after)
		want := fmt.Sprintf(`bill.csv:5: malformed CSV: the record starting at byte %d is longer than 64 MiB (an unclosed quote?)`, len(head)-3)
		var le *ingest.LineError
		if !errors.As(err, &le) || err.Error() != want {
			t.Errorf("%s: got %v, want %s", name, err, want)
		}
		if len(rows) != 2 || rows[0] != 2 || rows[1] != 3 {
			t.Errorf("%s: rows at lines %v, want 2 and 3", name, rows)
		}
		if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 1024 {
			t.Errorf("%s: allocated %d MiB", name, mb)
		}
	}
}

// Malformed CSV is a row error that says where in the line it is.
func TestCSVParseError(t *testing.T) {
	in := strings.NewReader("a,b\n1,2\n3,x\"y\n\"4\nz\"q,5\n")
	var got []string
	err := ingest.EachCSV(context.Background(), "bill.csv", in, func(_ int64, _ *tally.CostLine, bad *ingest.LineError) error {
		got = append(got, bad.Error())
		return nil
	}, func([]string) error { return nil }, func(int64, []string) error { return nil })
	want := []string{
		`bill.csv:3: malformed CSV at byte 4 of the line: bare " in non-quoted-field`,
		`bill.csv:5: malformed CSV at byte 2 of the line, in a record starting on line 4: extraneous or missing " in quoted-field`,
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}

// A gzipped bill cut short (an interrupted download or copy) fails naming
// the line its data ends in and saying the file is truncated, not with a
// bare "unexpected EOF".
func TestTruncatedGzip(t *testing.T) {
	var focusCSV bytes.Buffer
	if err := focustest.Write(&focusCSV, 3000, "111111111111", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), 1); err != nil {
		t.Fatal(err)
	}
	gcpRow, err := os.ReadFile("gcpbilling/testdata/export.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		parser ingest.Parser
		data   []byte
	}{
		{"focus.csv.gz", focus.Parser{}, focusCSV.Bytes()},
		{"export.json.gz", gcpbilling.Parser{}, bytes.Repeat(gcpRow, 300)},
	} {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(tc.data)
		zw.Close()
		p := filepath.Join(t.TempDir(), tc.name)
		if err := os.WriteFile(p, z.Bytes()[:z.Len()/2], 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := ingest.OpenInput(tc.name, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		var rows int64
		err = tc.parser.Parse(context.Background(), in, func(at int64, l *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil {
				return bad
			}
			rows = at
			return nil
		})
		in.Close()
		want := fmt.Sprintf("%s:%d: ", tc.name, rows+1)
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "truncated") {
			t.Errorf("%s cut in half: %v; want an error starting %q (the line after the last read, %d) that says the file is truncated", tc.name, err, want, rows)
		}
	}
}

// A CSV bill may start with a UTF-8 byte order mark (Azure's FOCUS exports
// and files saved by Excel do), before a quoted header: every CSV reader
// skips it and reads the header and rows.
func TestCSVByteOrderMark(t *testing.T) {
	for name, c := range map[string]struct {
		parse       func(context.Context, string, io.Reader, ingest.Emit) error
		header, row string
	}{
		"focus": {focus.ParseCSV, "BilledCost,EffectiveCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ServiceName,ProviderName",
			"1.5,1.5,123,USD,2025-03-01T00:00:00Z,2025-04-01T00:00:00Z,Usage,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,S,AWS"},
		"legacy CUR": {awscur.ParseCSV, "bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/CurrencyCode,lineItem/UnblendedCost",
			"111122223333,2025-03-01T00:00:00Z,Usage,2025-03-01T00:00:00Z,2025-03-01T01:00:00Z,USD,1.5"},
		"gcpbilling": {gcpbilling.ParseCSV, "billing_account_id,usage_start_time,cost,currency",
			"01A2B3-C4D5E6-F7A8B9,2025-03-01T00:00:00Z,1.5,USD"},
	} {
		quoted := `"` + strings.ReplaceAll(c.header, ",", `","`) + `"`
		in := strings.NewReader("\ufeff" + quoted + "\n" + c.row + "\n")
		var lines []string
		err := c.parse(context.Background(), "bom.csv", in, func(at int64, l *tally.CostLine, bad *ingest.LineError) error {
			if bad != nil {
				return bad
			}
			lines = append(lines, fmt.Sprintf("%d: %s %s", at, l.BillingAccountID, l.BilledCost))
			return nil
		})
		if err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "2: ") || !strings.HasSuffix(lines[0], " 1.5 USD") {
			t.Errorf("%s: lines %q, err %v; want line 2 billing 1.5 USD", name, lines, err)
		}
	}
}

// TestMissingColumnsNamesTheBillGiven: a bill given to another source's
// reader (the demo's FOCUS export to `tally ingest aws-cur`) says what
// bill it is and which source reads it, after the columns it lacks; it
// listed seven CUR columns a FOCUS export never has, and no more.
func TestMissingColumnsNamesTheBillGiven(t *testing.T) {
	const (
		focusHead = "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,EffectiveCost,ListCost,ProviderName\n"
		curHead   = "bill_payer_account_id,bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,line_item_usage_end_date,line_item_currency_code,line_item_unblended_cost\n"
		gcpHead   = "billing_account_id,service.description,usage_start_time,usage_end_time,cost,currency\n"
	)
	parsers := map[string]func(context.Context, string, string) error{
		"focus": func(ctx context.Context, file, csv string) error {
			return focus.ParseCSV(ctx, file, strings.NewReader(csv), discard)
		},
		"aws-cur": func(ctx context.Context, file, csv string) error {
			return awscur.ParseCSV(ctx, file, strings.NewReader(csv), discard)
		},
		"gcp-billing": func(ctx context.Context, file, csv string) error {
			return gcpbilling.ParseCSV(ctx, file, strings.NewReader(csv), discard)
		},
	}
	for _, tc := range []struct{ reader, head, want string }{
		{"aws-cur", focusHead, "its columns are a FOCUS export's: the focus source reads it"},
		{"gcp-billing", focusHead, "its columns are a FOCUS export's: the focus source reads it"},
		{"focus", curHead, "its columns are an AWS CUR's: the aws-cur source reads it"},
		{"aws-cur", gcpHead, "its columns are a GCP billing export's: the gcp-billing source reads it"},
	} {
		err := parsers[tc.reader](context.Background(), "bill.csv", tc.head)
		if err == nil || !strings.Contains(err.Error(), "missing required column") || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("%s reading a %q header: %v, want the missing columns, then %q", tc.reader, tc.head[:20], err, tc.want)
		}
	}
}

func discard(int64, *tally.CostLine, *ingest.LineError) error { return nil }
