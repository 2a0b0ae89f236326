package deploy

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/tallyhq/tally/node-agent/profiler"
)

// agentUserSpace is the agent's own memory (RSS) budget: the design's 64 MB,
// which it keeps under (62 MiB peak on 2 CPUs).
const agentUserSpace = 64 << 20

// bigNode is the most CPUs a node of the agent's DaemonSet is sized for
// (a c6i.24xlarge, an n2-highcpu-96).
const bigNode = 96

// TestAgentMemoryCoversBPFMaps checks that the agent's memory request covers
// its user space and its BPF maps, which the kernel charges to its memory
// cgroup, on a node of bigNode CPUs at the highest frequency.
func TestAgentMemoryCoversBPFMaps(t *testing.T) {
	var ds *appsv1.DaemonSet
	for _, doc := range documents(t, "agent.yaml") {
		if o, ok := decodeStrict(t, doc).(*appsv1.DaemonSet); ok {
			ds = o
		}
	}
	if ds == nil {
		t.Fatal("agent.yaml has no DaemonSet")
	}
	maps, err := profiler.MapMemory(profiler.MaxFrequency, bigNode)
	if err != nil {
		t.Fatal(err)
	}
	want := agentUserSpace + maps
	res := ds.Spec.Template.Spec.Containers[0].Resources
	request, limit := res.Requests.Memory().Value(), res.Limits.Memory().Value()
	if request < int64(want) {
		t.Errorf("memory request %s, want at least %d MiB: %d MiB of user space and %.1f MiB of BPF maps on %d CPUs",
			res.Requests.Memory(), (want+1<<20-1)>>20, agentUserSpace>>20, float64(maps)/(1<<20), bigNode)
	}
	if limit < request {
		t.Errorf("memory limit %s is below the request %s", res.Limits.Memory(), res.Requests.Memory())
	}
}
