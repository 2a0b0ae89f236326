package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
)

// TestPricingPlatformsAWS: `pricing platforms aws` reads the platform of
// the instances of live nodes whose platform is not stored, stores it, and
// says what it read; a second run has nothing to read. A node of an
// instance EC2 no longer lists stays unread, and the run says so.
func TestPricingPlatformsAWS(t *testing.T) {
	url, db := oneNodeDatabaseBilled(t, 24) // node n1, instance i-1 in us-east-1, alive since day 1
	if err := db.UpsertNodes(context.Background(), []tally.Node{{Cluster: "prod", UID: "n2", Name: "n2", InstanceID: "i-gone",
		InstanceType: "m5.large", Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
		ValidFrom: time.Now().Add(-2 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	srv := awstest.New(nil)
	defer srv.Close()
	srv.AddInstances(awstest.Instance{ID: "i-1", Region: "us-east-1", UsageOperation: "RunInstances:0010", PlatformDetails: "Red Hat Enterprise Linux"})
	awsCredentials = credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
	t.Cleanup(func() { awsCredentials = nil })
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	out := tly("pricing", "platforms", "aws", "--ec2-endpoint", srv.EC2.URL)
	for _, want := range []string{"read the platform of 1 of 2 instances in 1 regions", "Red Hat Enterprise Linux (RunInstances:0010)",
		"stored 1 new or changed platforms"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	nodes, err := db.Nodes(context.Background(), "prod", tally.Window{Start: time.Now().Add(-time.Hour), End: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{}
	for _, n := range nodes {
		ops[n.Name] = n.UsageOperation
	}
	if ops["n1"] != "RunInstances:0010" || ops["n2"] != "" {
		t.Errorf("usage operations %v, want n1's RunInstances:0010 and none for n2", ops)
	}
	srv.AddInstances(awstest.Instance{ID: "i-gone", Region: "us-east-1", UsageOperation: "RunInstances", PlatformDetails: "Linux/UNIX"})
	if out := tly("pricing", "platforms", "aws", "--ec2-endpoint", srv.EC2.URL); !strings.Contains(out, "read the platform of 1 of 1 instances") {
		t.Errorf("second run: %s", out)
	}
	if out := tly("pricing", "platforms", "aws", "--ec2-endpoint", srv.EC2.URL); !strings.Contains(out, "the platform of every instance") {
		t.Errorf("third run: %s", out)
	}
}

// TestPricingPlatformsAWSNoCredentials: without AWS credentials, reading
// the platforms says which to set; it passed on the SDK's "get identity:
// get credentials: failed to refresh cached credentials, …".
func TestPricingPlatformsAWSNoCredentials(t *testing.T) {
	url, _ := oneNodeDatabaseBilled(t, 24) // node n1, instance i-1 in us-east-1
	srv := awstest.New(nil)
	defer srv.Close()
	noAWSCredentials(t)
	var out, errb bytes.Buffer
	code := run([]string{"--database-url", url, "--log-level", "warn", "pricing", "platforms", "aws", "--ec2-endpoint", srv.EC2.URL}, &out, &errb)
	want := "tally: pricing platforms aws: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE " +
		"to a profile of ~/.aws/config, or run with an instance or pod role ("
	if code == 0 || !strings.HasPrefix(errb.String(), want) {
		t.Fatalf("exit %d: %s\nwant %s…", code, errb.String(), want)
	}
}
