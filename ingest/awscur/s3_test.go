package awscur_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/curtest"
	"github.com/tallyhq/tally/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fakeS3 serves an in-process S3-compatible store and returns options
// pointing the real SDK at it.
func fakeS3(t *testing.T) (awscur.S3Options, *s3.Client) {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	opt := awscur.S3Options{Region: "us-east-1", Endpoint: srv.URL, TempDir: t.TempDir()}
	client, err := awscur.NewS3Client(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("billing")}); err != nil {
		t.Fatal(err)
	}
	return opt, client
}

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
	opt, client := fakeS3(t)
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
	opt, client := fakeS3(t)
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
