package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestDataStatusCountsEstimatedNodeHours: the status counts the node-hours
// estimated from the catalog of the node-hours of the hours with estimates,
// not only those hours: one estimated node of two reads 48 of 96
// node-hours, where the hours alone (48 of 48) read as if every node were.
func TestDataStatusCountsEstimatedNodeHours(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48) // cluster prod of account 111, n1 billed through day 2
	// Cluster stage of account 222, which has no bill yet: n3 is estimated.
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "stage", Name: "stage", Provider: "aws", Region: "us-east-1", BillingAccountID: "222"}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "stage", UID: "n3", Name: "n3", InstanceID: "i-3", InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30, ValidFrom: fixture.Day1.Add(-time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	end := fixture.Day1.Add(48 * time.Hour)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return end }}
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: end}, false); err != nil {
		t.Fatal(err)
	}
	s, err := db.DataStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.EstimatedHours != 48 || s.EstimatedNodeHours != 48 || s.EstimatedHoursNodeHours != 96 {
		t.Errorf("status: %d estimated hours, %d estimated node-hours of %d; want 48, 48 of 96",
			s.EstimatedHours, s.EstimatedNodeHours, s.EstimatedHoursNodeHours)
	}
}
