package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/postgres"
)

// positionBatch is a batch of pod p1 with the containers cs: envoy
// declared before app, so that the spec's order is not the names'.
func positionBatch(start time.Time, cs ...tally.AgentContainer) *tally.AgentBatch {
	return &tally.AgentBatch{Version: tally.AgentBatchVersion, Node: tally.AgentNode{Name: "n1"},
		Intervals: []tally.AgentInterval{{Start: start, End: start.Add(10 * time.Second),
			Containers: []tally.AgentUsage{{PodUID: "p1", Container: "app", CPUCoreSeconds: 1}}}},
		Pods: []tally.AgentPod{{UID: "p1", Namespace: "shop", Name: "web-1", OwnerKind: "Rollout", OwnerName: "web", StartedAt: start,
			Containers: cs}}}
}

// oldBatch is the body of positionBatch as an agent that does not send
// positions sends it.
func oldBatch(t *testing.T, start time.Time) []byte {
	t.Helper()
	b := positionBatch(start, tally.AgentContainer{Name: "envoy", CPURequest: 0.1}, tally.AgentContainer{Name: "app", CPURequest: 1})
	body, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "position") {
		t.Fatalf("batch names positions: %s", body)
	}
	return gz(t, json.RawMessage(body))
}

// ingestPositions posts body and returns the stored position of each
// container of pod p1, by name ("app:2 envoy:1").
func ingestPositions(t *testing.T, db *postgres.DB, srv http.Handler, token string, start time.Time, body []byte) string {
	t.Helper()
	if rec := post(srv, token, body); rec.Code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	pods, err := db.Pods(context.Background(), "prod", tally.Window{Start: start.Add(-time.Hour), End: start.Add(time.Hour)})
	if err != nil || len(pods) != 1 {
		t.Fatalf("pods %+v, %v", pods, err)
	}
	var got []string
	for _, c := range pods[0].Containers {
		got = append(got, fmt.Sprintf("%s:%d", c.Name, c.Position))
	}
	return strings.Join(got, " ")
}

// Each container's position in its list of the pod's spec is stored as the
// agent sent it: containers are stored by name, and a custom kind's JSON
// patch addresses them by position. A batch of an agent that does not send
// them (an older one) leaves them as they were.
func TestIngestAgentStoresContainerPositions(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	b := positionBatch(start, tally.AgentContainer{Name: "envoy", Position: 1, CPURequest: 0.1},
		tally.AgentContainer{Name: "app", Position: 2, CPURequest: 1})
	if got, want := ingestPositions(t, db, srv, token, start, gz(t, b)), "app:2 envoy:1"; got != want {
		t.Errorf("stored positions %q, want %q", got, want)
	}
	if got, want := ingestPositions(t, db, srv, token, start, oldBatch(t, start)), "app:2 envoy:1"; got != want {
		t.Errorf("stored positions after a batch without them %q, want %q", got, want)
	}
}

// An older agent's batch, without positions, is stored with them unknown.
func TestIngestAgentWithoutPositions(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	if got, want := ingestPositions(t, db, srv, token, start, oldBatch(t, start)), "app:0 envoy:0"; got != want {
		t.Errorf("stored positions %q, want %q", got, want)
	}
}

// A position that cannot be one is refused, naming the pod, the container
// and the value.
func TestIngestAgentRefusesBadPositions(t *testing.T) {
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	_, srv, token := agentServer(t, start)
	for _, tt := range []struct {
		cs   []tally.AgentContainer
		want string
	}{
		{[]tally.AgentContainer{{Name: "app", Position: -1}},
			`field pods[0] container app: position -1 is not a place in spec.containers (1 or more; 0 or none when not known)`},
		{[]tally.AgentContainer{{Name: "app", Position: 1 << 40}},
			`field pods[0] container app: position 1099511627776 is not a place in spec.containers`},
		{[]tally.AgentContainer{{Name: "envoy", Position: 1}, {Name: "app", Position: 1}},
			`field pods[0] container app: position 1 of spec.containers is also container envoy's`},
		{[]tally.AgentContainer{{Name: "proxy", Kind: tally.ContainerSidecar, Position: 2}, {Name: "migrate", Kind: tally.ContainerInit, Position: 2}},
			`field pods[0] container migrate: position 2 of spec.initContainers is also container proxy's`},
	} {
		rec := post(srv, token, gz(t, positionBatch(start, tt.cs...)))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%+v: %d %s, want 400 with %q", tt.cs, rec.Code, rec.Body, tt.want)
		}
	}
	// The same position in the two lists is two places.
	ok := positionBatch(start, tally.AgentContainer{Name: "proxy", Kind: tally.ContainerSidecar, Position: 1}, tally.AgentContainer{Name: "app", Position: 1})
	if rec := post(srv, token, gz(t, ok)); rec.Code != http.StatusAccepted {
		t.Errorf("first of each list: %d %s", rec.Code, rec.Body)
	}
}
