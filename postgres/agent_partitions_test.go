package postgres_test

import (
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestAgentBatchAtMidnight: the partitions an agent batch needs are created
// for its intervals' starts up to the last one's plus a nanosecond, which
// PostgreSQL (microseconds) reads as the last start itself: an interval
// starting at 00:00:00 UTC, to the microsecond, was given no partition for
// its day, and the batch failed for ever ("no partition of relation
// agent_intervals found for row"). make bench-agent-ingest, whose
// intervals start on the hour, failed every request between 00:00 and
// 01:00 UTC.
func TestAgentBatchAtMidnight(t *testing.T) {
	db := pgtest.New(t)
	midnight := time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)
	iv := tally.Window{Start: midnight, End: midnight.Add(10 * time.Second)}
	if err := db.StoreAgentData(ctx, agentBatch(2, []tally.Window{iv}, agentPod{uid: "p1", cpu: 0.5, started: midnight})); err != nil {
		t.Fatalf("batch starting at midnight: %v", err)
	}
}

// TestUsageAtMidnight: UpsertUsage made the same range, with the same
// failure.
func TestUsageAtMidnight(t *testing.T) {
	db := pgtest.New(t)
	midnight := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	u := tally.ContainerUsage{Cluster: "prod", Interval: tally.Window{Start: midnight, End: midnight.Add(time.Hour)},
		PodUID: "p1", Container: "app", NodeName: "n1", CPUCoreSeconds: 60}
	if err := db.UpsertUsage(ctx, []tally.ContainerUsage{u}); err != nil {
		t.Fatalf("usage starting at midnight: %v", err)
	}
}
