package main

import (
	"bytes"
	"context"
	"path"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tallyhq/tally/ingest/awscur"
	"github.com/tallyhq/tally/ingest/awscur/s3test"
)

// s3Bucket serves an in-process S3-compatible store holding keys in the
// bucket "bills", reached through the real AWS SDK.
func s3Bucket(t *testing.T, keys ...string) awscur.S3Options {
	t.Helper()
	opt, c := s3test.Bucket(t, "bills")
	for _, k := range keys {
		if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bills"), Key: aws.String(k), Body: bytes.NewReader([]byte("x\n"))}); err != nil {
			t.Fatal(err)
		}
	}
	return opt
}

// Each source picks its own files on S3, under the prefix taken as a
// directory: FOCUS CSV under focus/ (not focusbackup/), GCP NDJSON exports.
func TestIngestLocateS3(t *testing.T) {
	opt := s3Bucket(t, "focus/part-1.csv", "focus/part-2.parquet", "focus/_SUCCESS", "focusbackup/old.csv",
		"gcp/export-000.json", "gcp/export-001.ndjson.gz", "gcp/notes.txt")
	for _, tc := range []struct {
		source, url string
		want        []string
	}{
		{"focus", "s3://bills/focus", []string{"part-1.csv", "part-2.parquet"}},
		{"gcp-billing", "s3://bills/gcp/", []string{"export-000.json", "export-001.ndjson.gz"}},
	} {
		files, cleanup, err := locateFiles(context.Background(), tc.source, []string{tc.url}, opt)
		if err != nil {
			t.Errorf("%s %s: %v", tc.source, tc.url, err)
			continue
		}
		var got []string
		for _, f := range files {
			got = append(got, path.Base(f.Name))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s %s: got %v, want %v", tc.source, tc.url, got, tc.want)
		}
		cleanup()
	}
}

// A path without input files is bad input: exit 2, naming what was looked for.
func TestIngestNoInputFiles(t *testing.T) {
	opt := s3Bucket(t, "gcp/notes.txt")
	for _, args := range [][]string{
		{"ingest", "gcp-billing", "--endpoint", opt.Endpoint, "s3://bills/gcp"},
		{"ingest", "focus", t.TempDir()},
	} {
		code, _, errOut := runTally(append([]string{"--database-url", "postgres://x@127.0.0.1:1/x"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, "no input files") || strings.Contains(errOut, "CUR") {
			t.Errorf("tally %s: exit %d, %s; want exit %d, no input files", strings.Join(args, " "), code, errOut, exitUsage)
		}
	}
}

// TestIngestS3NoCredentials: reading s3:// without AWS credentials says
// which to set, as pricing sync does; it passed on the SDK's "get
// credentials: failed to refresh cached credentials, no EC2 IMDS role
// found, …". A local path needs none.
func TestIngestS3NoCredentials(t *testing.T) {
	noAWSCredentials(t)
	for _, source := range []string{"focus", "aws-cur", "gcp-billing"} {
		_, _, err := locateFiles(context.Background(), source, []string{"s3://bills/x"}, awscur.S3Options{Endpoint: "http://127.0.0.1:1"})
		want := "ingest " + source + ": no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s s3://bills/x: %v\nwant %s…", source, err, want)
		}
	}
}
