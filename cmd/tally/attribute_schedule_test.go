package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestScheduledAttributionLogsWarnings: tally serve's hourly attribution
// says what it could not price, as tally attribute does. A node whose
// instance type has no catalog price costs 0 until its bill lands; without
// the warning nothing tells the user why its pods cost nothing.
func TestScheduledAttributionLogsWarnings(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	fixture.OneNode(t, db, 24)
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n2", Name: "n2", InstanceID: "i-2", InstanceType: "m8a.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
		ValidFrom: fixture.Day1.Add(24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := a.attributeScheduled(ctx, db, tally.Window{Start: fixture.Day1, End: fixture.Day1.AddDate(0, 0, 2)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "no catalog price for aws m8a.large in us-east-1") {
		t.Errorf("scheduled attribution did not warn of the unpriced node:\n%s", logs.String())
	}
}
