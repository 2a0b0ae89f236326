package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestServeCompactsFunctionSamples: tally serve's scheduler compacts what
// agent batches appended, leaving the next call nothing to do.
func TestServeCompactsFunctionSamples(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := pgtest.New(t)
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	iv := tally.AgentIngestInterval{Window: tally.Window{Start: start, End: start.Add(10 * time.Second)}}
	for stack := range int64(4) {
		iv.Samples = append(iv.Samples, tally.FunctionSample{Cluster: "prod", Hour: tally.HourOf(start), PodUID: "p1",
			Container: "app", StackID: stack, Samples: 2, CPUNanos: 20})
	}
	in := tally.AgentIngest{Cluster: "prod", Intervals: []tally.AgentIngestInterval{iv},
		Node: tally.Node{Cluster: "prod", UID: "n1", Name: "n1", CPUCores: 2, MemoryBytes: 8 << 30, ValidFrom: start, ValidTo: iv.Window.End}}
	if err := db.StoreAgentData(ctx, in); err != nil {
		t.Fatal(err)
	}
	var logs logtest.Buffer
	a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.compactFunctionSamples(ctx, db, 10*time.Millisecond)
	}()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), "compacted function samples"); {
		if time.Now().After(deadline) {
			t.Fatalf("no compaction logged in 30 s:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := logs.String(); !strings.Contains(got, "appended=4 merged=4") || strings.Contains(got, "level=ERROR") {
		t.Errorf("logs:\n%s\nwant one compaction of 4 appended rows and no error", got)
	}
	if c, err := db.CompactFunctionSamples(context.Background()); err != nil || c != (postgres.Compaction{}) {
		t.Errorf("compacting after the scheduler: %+v, %v; want nothing left", c, err)
	}
}
