package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

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

func TestIngestCommandSkipBadRows(t *testing.T) {
	url := pgtest.NewURL(t, true)
	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "ingest", "gcp-billing", "--skip-bad-rows", "../../ingest/gcpbilling/testdata"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	for _, want := range []string{"committed", "rows 5", "period 2025-03 account 01A2B3-C4D5E6-F7A8B9", "USD  total"} {
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
