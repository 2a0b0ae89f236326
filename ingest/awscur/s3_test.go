package awscur_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/ingest/awscur/s3test"
	"github.com/tallyhq/tally/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func put(t *testing.T, c *s3.Client, key string, body []byte) {
	t.Helper()
	if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("billing"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, rows []curtest.Row) []byte {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	if err := curtest.WriteLegacyCSV(z, rows); err != nil {
		t.Fatal(err)
	}
	z.Close()
	return buf.Bytes()
}

func TestLegacyCURFromS3IsAmortizedAndIdempotent(t *testing.T) {
	opt, client := s3test.Bucket(t, "billing")
	db := pgtest.New(t)
	ctx := context.Background()
	rows := curtest.Rows(curtest.Month(march))
	// An older assembly with different numbers stays in the bucket; the
	// period manifest points at the current one.
	old := curtest.Rows(curtest.Month(march))
	old[0].LineItemUnblendedCost = 999
	put(t, client, "cur/acme/20250301-20250401/asm-1/acme-00001.csv.gz", gz(t, old))
	put(t, client, "cur/acme/20250301-20250401/asm-2/acme-00001.csv.gz", gz(t, rows[:7]))
	put(t, client, "cur/acme/20250301-20250401/asm-2/acme-00002.csv.gz", gz(t, rows[7:]))
	put(t, client, "cur/acme/20250301-20250401/acme-Manifest.json", []byte(`{"assemblyId":"asm-2","bucket":"billing",
		"reportKeys":["cur/acme/20250301-20250401/asm-2/acme-00001.csv.gz","cur/acme/20250301-20250401/asm-2/acme-00002.csv.gz"],
		"billingPeriod":{"start":"20250301T000000.000Z","end":"20250401T000000.000Z"}}`))

	for i := 0; i < 2; i++ {
		files, cleanup, err := awscur.Locate(ctx, []string{"s3://billing/cur/acme"}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 || files[0].Name != "s3://billing/cur/acme/20250301-20250401/asm-2/acme-00001.csv.gz" {
			t.Fatalf("files %+v", files)
		}
		res, err := ingest.Run(ctx, db, "aws-cur", awscur.Parser{}, files, ingest.Options{})
		cleanup()
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 14 {
			t.Fatalf("rows %d", res.Rows)
		}
	}
	key := tally.BillingPeriodKey{BillingAccountID: curtest.Payer, Start: march, Source: "aws-cur"}
	totals, err := db.PeriodTotals(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	billed, effective := tally.Zero("USD"), tally.Zero("USD")
	var n int64
	for _, pt := range totals {
		billed, _ = billed.Add(pt.BilledCost)
		effective, _ = effective.Add(pt.EffectiveCost)
		n += pt.Rows
	}
	if n != 14 || billed.Decimal() != "1557.4364" || effective.Decimal() != "16.6076" {
		t.Fatalf("stored %d rows, billed %s, effective %s; want 14, 1557.4364, 16.6076", n, billed.Decimal(), effective.Decimal())
	}
	runs, _ := db.IngestRuns(ctx, 1)
	if len(runs[0].Files) != 2 || len(runs[0].Files[0].SHA256) != 64 || runs[0].Files[0].Rows != 7 {
		t.Fatalf("run files %+v", runs[0].Files)
	}
}

func TestCUR2ParquetFromS3(t *testing.T) {
	opt, client := s3test.Bucket(t, "billing")
	db := pgtest.New(t)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := curtest.WriteParquet(&buf, curtest.Rows(curtest.Month(march))); err != nil {
		t.Fatal(err)
	}
	put(t, client, "exports/acme/data/BILLING_PERIOD=2025-03/acme-00001.snappy.parquet", buf.Bytes())
	put(t, client, "exports/acme/metadata/BILLING_PERIOD=2025-03/acme-Manifest.json",
		[]byte(`{"dataFiles":["s3://billing/exports/acme/data/BILLING_PERIOD=2025-03/acme-00001.snappy.parquet"]}`))
	files, cleanup, err := awscur.Locate(ctx, []string{"s3://billing/exports/acme/"}, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	res, err := ingest.Run(ctx, db, "aws-cur", awscur.Parser{}, files, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Totals.Sum("USD"); res.Rows != 14 || s.Effective.Decimal() != "16.6076" {
		t.Fatalf("rows %d effective %s", res.Rows, s.Effective.Decimal())
	}
}

// An s3:// prefix is a directory: s3://billing/cur/acme lists cur/acme/…,
// not the sibling cur/acme-old/…, unless it names an object exactly.
func TestS3PrefixIsADirectory(t *testing.T) {
	opt, client := s3test.Bucket(t, "billing")
	ctx := context.Background()
	for _, k := range []string{"cur/acme/a.csv", "cur/acme/b.parquet", "cur/acme-old/a.csv", "cur/acmebackup.csv", "cur/one.csv", "cur/one.csv.bak/x.csv"} {
		put(t, client, k, []byte("x\n"))
	}
	names := func(fs []ingest.File) string {
		var s []string
		for _, f := range fs {
			s = append(s, strings.TrimPrefix(f.Name, "s3://billing/"))
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct{ url, want string }{
		{"s3://billing/cur/acme", "cur/acme/a.csv cur/acme/b.parquet"},
		{"s3://billing/cur/acme/", "cur/acme/a.csv cur/acme/b.parquet"},
		{"s3://billing/cur/one.csv", "cur/one.csv"},
		{"s3://billing/cur/acme-old", "cur/acme-old/a.csv"},
	} {
		files, cleanup, err := awscur.Locate(ctx, []string{tc.url}, opt)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if got := names(files); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.url, got, tc.want)
		}
		cleanup()
	}
	// A listing without data files is bad input.
	if _, _, err := awscur.Locate(ctx, []string{"s3://billing/cur/ac"}, opt); tally.ErrorCode(err) != tally.EInvalid {
		t.Errorf("s3://billing/cur/ac: %v, want an EInvalid error", err)
	}
}

// Another source's selector picks the S3 files instead of CUR's.
func TestLocateS3WithSelector(t *testing.T) {
	opt, client := s3test.Bucket(t, "billing")
	ctx := context.Background()
	put(t, client, "gcp/export-000.json", []byte("{}\n"))
	put(t, client, "gcp/export-001.csv", []byte("x\n"))
	json := func(names []string, _ func(string) ([]byte, error)) ([]string, error) {
		var out []string
		for _, n := range names {
			if strings.HasSuffix(n, ".json") {
				out = append(out, n)
			}
		}
		return out, nil
	}
	files, cleanup, err := awscur.LocateS3(ctx, []string{"s3://billing/gcp"}, opt, json)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if len(files) != 1 || files[0].Name != "s3://billing/gcp/export-000.json" {
		t.Errorf("files %+v, want the JSON export only", files)
	}
}
