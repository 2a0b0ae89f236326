package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// A pod's scheduling constraints go from the agent batch to the pods table
// and back through Pods; an older agent's batch (none sent) neither erases
// them nor invents any (nil: unknown); unusable values are left out, named
// in the answer, and the batch is stored.
func TestIngestAgentPodScheduling(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	want := &tally.PodScheduling{
		AntiAffinity: []string{tally.TopologyHostname},
		Spread:       []tally.TopologySpread{{TopologyKey: tally.TopologyZone, MaxSkew: 1, MinDomains: 3}},
	}
	b := testBatch(t, start)
	second := b.Pods[0]
	second.UID, second.Name, second.Scheduling = "pod-uid-2", "api-7d9f-y", nil
	b.Pods[0].Scheduling = &tally.PodScheduling{
		AntiAffinity: []string{tally.TopologyHostname, "example.com/rack"},
		Spread: []tally.TopologySpread{{TopologyKey: tally.TopologyZone, MaxSkew: 1, MinDomains: 3},
			{TopologyKey: tally.TopologyHostname, MaxSkew: -4}},
	}
	b.Pods = append(b.Pods, second)
	rec := post(srv, token, gz(t, b))
	if rec.Code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	var reply struct{ Ignored []string }
	if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(reply.Ignored, "; "); !strings.Contains(got, `pods[0].scheduling.antiAffinity[1]: topologyKey "example.com/rack"`) ||
		!strings.Contains(got, "pods[0].scheduling.spread[1]: maxSkew -4") {
		t.Errorf("ignored %q, want the rack anti-affinity and the negative skew named", got)
	}
	day := tally.Window{Start: start.Add(-24 * time.Hour), End: start.Add(24 * time.Hour)}
	check := func(when string) {
		t.Helper()
		pods, err := db.Pods(ctx, "prod", day)
		if err != nil || len(pods) != 2 {
			t.Fatalf("%s: pods %+v, %v", when, pods, err)
		}
		if !reflect.DeepEqual(pods[0].Scheduling, want) {
			t.Errorf("%s: %s scheduling %+v, want %+v", when, pods[0].Ref.Name, pods[0].Scheduling, want)
		}
		if pods[1].Scheduling != nil {
			t.Errorf("%s: %s scheduling %+v, want nil (unknown)", when, pods[1].Ref.Name, pods[1].Scheduling)
		}
	}
	check("new agent")
	// An older agent on the same node sends the pods again without constraints.
	old := testBatch(t, start.Add(10*time.Second))
	old.Pods = append(old.Pods, second)
	if rec := post(srv, token, gz(t, old)); rec.Code != http.StatusAccepted {
		t.Fatalf("old agent: %d %s", rec.Code, rec.Body)
	}
	check("older agent after")
}
