package awsinventory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tallyhq/tally/ingest/awsinventory"
	"github.com/tallyhq/tally/ingest/awsinventory/awstest"
)

// TestInstancePlatforms: the platform of each instance asked for is read
// from DescribeInstances, 200 ids a call (AWS's limit on a filter's
// values); an instance EC2 no longer lists is left out instead of failing
// the read, and instances not asked for are not read.
func TestInstancePlatforms(t *testing.T) {
	srv := awstest.New(nil)
	defer srv.Close()
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("i-%017d", i)
		op, details := "RunInstances", "Linux/UNIX"
		if i%50 == 7 {
			op, details = "RunInstances:0010", "Red Hat Enterprise Linux"
		}
		srv.AddInstances(awstest.Instance{ID: id, Region: "us-west-2", UsageOperation: op, PlatformDetails: details})
		ids = append(ids, id)
	}
	srv.AddInstances(awstest.Instance{ID: "i-0other", Region: "us-west-2", UsageOperation: "RunInstances:0002", PlatformDetails: "Windows"})
	got, err := awsinventory.InstancePlatforms(context.Background(), clients(t, srv), "us-west-2", append(ids, "i-0terminated"), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d platforms, want 250", len(got))
	}
	rhel := 0
	for _, p := range got {
		if p.Provider != "aws" || p.Region != "us-west-2" || !p.ReadAt.Equal(t0) || p.InstanceID == "i-0other" {
			t.Errorf("platform %+v", p)
		}
		if p.UsageOperation == "RunInstances:0010" && p.PlatformDetails == "Red Hat Enterprise Linux" {
			rhel++
		}
	}
	if rhel != 5 {
		t.Errorf("%d Red Hat instances, want 5", rhel)
	}
	if asked := distinctBodies(srv, "DescribeInstances"); asked != 2 {
		t.Errorf("%d distinct DescribeInstances requests, want 2", asked)
	}
}

// distinctBodies counts the different requests of operation op the server
// answered. The SDK's retryer may send a request twice: it retries a
// connection its HTTP transport closed while still writing a request the
// server had answered (net.ErrClosed, aws-sdk-go-v2#2737), which happens
// on a loaded machine.
func distinctBodies(srv *awstest.Server, op string) int {
	bodies := map[string]bool{}
	for _, c := range srv.Calls() {
		if c.Operation == op {
			bodies[c.Body] = true
		}
	}
	return len(bodies)
}
