package main

import (
	"testing"

	"github.com/tallyhq/tally"
)

// TestOnlyPosition: a custom kind's patch addresses a container by its
// position in the pod spec, which storage does not keep; the only
// container of its list is at the first, whatever the other list holds.
func TestOnlyPosition(t *testing.T) {
	p := &tally.Pod{Containers: []tally.Container{{Name: "app"}, {Name: "istio-proxy", Kind: tally.ContainerSidecar}, {Name: "migrate", Kind: tally.ContainerInit}}}
	two := &tally.Pod{Containers: []tally.Container{{Name: "app"}, {Name: "envoy"}}}
	for _, tt := range []struct {
		pod  *tally.Pod
		c    int
		want int
	}{{p, 0, 1}, {p, 1, 0}, {two, 0, 0}, {two, 1, 0}} {
		if got := onlyPosition(tt.pod, &tt.pod.Containers[tt.c]); got != tt.want {
			t.Errorf("%s of %v: position %d, want %d", tt.pod.Containers[tt.c].Name, tt.pod.Containers, got, tt.want)
		}
	}
}
