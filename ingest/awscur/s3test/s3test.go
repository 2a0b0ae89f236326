// Package s3test serves an in-process S3-compatible store (gofakes3) for
// tests, reached through the real AWS SDK as awscur reaches S3.
package s3test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/tallyhq/tally/ingest/awscur"
)

// Bucket starts a store holding an empty bucket and returns the options
// that point awscur at it, with a client for filling it. The SDK's
// credentials and configuration come from the test's environment, set to
// fixed test values so nothing on the machine is read.
func Bucket(t *testing.T, bucket string) (awscur.S3Options, *s3.Client) {
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
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	return opt, client
}
