package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tallyhq/tally"
)

// TestSpecPosition: a custom kind's patch addresses a container by its
// position in the pod spec, which an older agent did not report; then the
// only container of its list is at the first, whatever the other list
// holds, and the others are not known.
func TestSpecPosition(t *testing.T) {
	p := &tally.Pod{Containers: []tally.Container{{Name: "app"}, {Name: "istio-proxy", Kind: tally.ContainerSidecar}, {Name: "migrate", Kind: tally.ContainerInit}}}
	two := &tally.Pod{Containers: []tally.Container{{Name: "app"}, {Name: "envoy"}}}
	known := &tally.Pod{Containers: []tally.Container{{Name: "app", Position: 2}, {Name: "envoy", Position: 1}}}
	for _, tt := range []struct {
		pod  *tally.Pod
		c    int
		want int
	}{{p, 0, 1}, {p, 1, 0}, {two, 0, 0}, {two, 1, 0}, {known, 0, 2}, {known, 1, 1}} {
		if got := specPosition(tt.pod, &tt.pod.Containers[tt.c]); got != tt.want {
			t.Errorf("%s of %v: position %d, want %d", tt.pod.Containers[tt.c].Name, tt.pod.Containers, got, tt.want)
		}
	}
}

// A custom kind's JSON patch sets each container at the position its
// agent reported, in the spec's order (web before envoy), with no guess to
// check: they were guessed in name order, envoy first, which the test op
// of each name refused.
func TestRightsizeCustomKindPatchAtStoredPositions(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	start := until.Add(-72 * time.Hour)
	pod := tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "web-1", UID: "web-1"}, NodeName: "n1",
		OwnerKind: "Rollout", OwnerName: "web", ValidFrom: start,
		Containers: []tally.Container{
			{Name: "web", Position: 1, CPURequest: 1, MemoryRequest: 1 << 30},
			{Name: "envoy", Position: 2, CPURequest: 0.5, MemoryRequest: 512 << 20},
		}}
	if err := db.UpsertPods(ctx, []tally.Pod{pod}); err != nil {
		t.Fatal(err)
	}
	var usage []tally.ContainerUsage
	for at := start; at.Before(until); at = at.Add(5 * time.Minute) {
		iv := tally.Window{Start: at, End: at.Add(5 * time.Minute)}
		for _, c := range pod.Containers {
			usage = append(usage, tally.ContainerUsage{Cluster: "prod", Interval: iv, PodUID: "web-1", Container: c.Name, NodeName: "n1",
				CPUCoreSeconds: 0.1 * 300, MemoryWorkingSetAvg: 100 << 20, MemoryWorkingSetMax: 100 << 20})
		}
	}
	if err := db.UpsertUsage(ctx, usage); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--no-store", "--no-nodes",
		"--format", "yaml"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, d := range strings.Split(out.String(), "\n---\n") {
		if !strings.Contains(d, "patch rollout web ") {
			continue
		}
		if strings.Contains(d, "not known") {
			t.Errorf("patch of web guesses positions:\n%s", d)
		}
		var ops []struct{ Op, Path, Value any }
		if err := yaml.Unmarshal([]byte(d), &ops); err != nil {
			t.Fatalf("%v:\n%s", err, d)
		}
		var tests []string
		for _, o := range ops {
			if o.Op == "test" {
				tests = append(tests, fmt.Sprintf("%s=%v", o.Path, o.Value))
			}
		}
		slices.Sort(tests)
		if got, want := strings.Join(tests, " "), "/spec/template/spec/containers/0/name=web /spec/template/spec/containers/1/name=envoy"; got != want {
			t.Errorf("patch of web tests %s, want %s:\n%s", got, want, d)
		}
		return
	}
	t.Fatalf("no patch for shop/Rollout/web:\n%s", out.String())
}
