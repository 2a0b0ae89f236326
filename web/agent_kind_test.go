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
