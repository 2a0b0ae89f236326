package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestUpsertNodesTakesWhatChanged: a node reported again with other GPUs,
// zone, region or instance id is stored as reported. Its GPUs (the device
// plugin registers them after the node starts, so a node is first seen
// with none) stayed as first stored, and so did its zone, region and
// instance: the update skipped a node whose other fields had not changed.
func TestUpsertNodesTakesWhatChanged(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	n := tally.Node{Cluster: "prod", UID: "n1", Name: "n1", InstanceType: "g5.xlarge", CPUCores: 4, MemoryBytes: 16 << 30, ValidFrom: from}
	if err := db.UpsertNodes(ctx, []tally.Node{n}); err != nil {
		t.Fatal(err)
	}
	n.GPUs, n.Zone, n.Region, n.InstanceID = 1, "us-east-1a", "us-east-1", "i-1"
	if err := db.UpsertNodes(ctx, []tally.Node{n}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Nodes(ctx, "prod", tally.Window{Start: from, End: from.Add(time.Hour)})
	if err != nil || len(got) != 1 {
		t.Fatalf("nodes %v, %v", got, err)
	}
	if g := got[0]; g.GPUs != 1 || g.Zone != "us-east-1a" || g.Region != "us-east-1" || g.InstanceID != "i-1" {
		t.Errorf("stored GPUs %d, zone %q, region %q, instance %q; want 1, us-east-1a, us-east-1, i-1", g.GPUs, g.Zone, g.Region, g.InstanceID)
	}
}
