package web

import (
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// A pod's init containers and native sidecars keep their kind from the
// agent batch to what is stored; a kind the backend does not know is
// refused, naming the container.
func TestAgentContainerKinds(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	batch := func(kind string) *tally.AgentBatch {
		return &tally.AgentBatch{Version: tally.AgentBatchVersion, Node: tally.AgentNode{Name: "n1"},
			Intervals: []tally.AgentInterval{{Start: now.Add(-10 * time.Second), End: now,
				Containers: []tally.AgentUsage{{PodUID: "p1", Container: "app", CPUCoreSeconds: 1}}}},
			Pods: []tally.AgentPod{{UID: "p1", Namespace: "shop", Name: "api-1", Containers: []tally.AgentContainer{
				{Name: "migrate", Kind: tally.ContainerInit, CPURequest: 0.5},
				{Name: "istio-proxy", Kind: kind, CPURequest: 0.1},
				{Name: "app", CPURequest: 1},
			}}}}
	}
	in, _, err := convertBatch(batch(tally.ContainerSidecar), "prod", now, DefaultAgentMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range in.Pods[0].Containers {
		got = append(got, c.Name+":"+c.Kind)
	}
	if want := "migrate:init istio-proxy:sidecar app:"; strings.Join(got, " ") != want {
		t.Errorf("containers %q, want %q", strings.Join(got, " "), want)
	}
	_, _, err = convertBatch(batch("Sidecar"), "prod", now, DefaultAgentMaxAge)
	if tally.ErrorCode(err) != tally.EInvalid || !strings.Contains(err.Error(), `field pods[0] container istio-proxy: kind "Sidecar"`) {
		t.Errorf("unknown kind: err %v, want EInvalid naming pods[0] container istio-proxy", err)
	}
}

// A pod's unusable scheduling constraints are left out and named in the
// answer, at most maxIgnored of them and a count of the rest: a batch that
// sends thousands does not make the answer (and the log) as large.
func TestAgentSchedulingIgnoredBounded(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	var bad []string
	for i := range 30 {
		bad = append(bad, "example.com/rack-"+strings.Repeat("x", i))
	}
	b := &tally.AgentBatch{Version: tally.AgentBatchVersion, Node: tally.AgentNode{Name: "n1"},
		Intervals: []tally.AgentInterval{{Start: now.Add(-10 * time.Second), End: now}},
		Pods: []tally.AgentPod{{UID: "p1", Namespace: "shop", Name: "api-1",
			Scheduling: &tally.PodScheduling{AntiAffinity: append(bad, tally.TopologyZone)}}}}
	in, reply, err := convertBatch(b, "prod", now, DefaultAgentMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Ignored) != maxIgnored+1 || reply.Ignored[maxIgnored] != "and 10 more" {
		t.Errorf("ignored %d: %q", len(reply.Ignored), reply.Ignored)
	}
	if s := in.Pods[0].Scheduling; s == nil || len(s.AntiAffinity) != 1 || s.AntiAffinity[0] != tally.TopologyZone {
		t.Errorf("scheduling %+v, want the zone anti-affinity kept", s)
	}
}
