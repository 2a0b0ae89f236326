package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
)

// TestIngestAgentUnstorableText: names nobody validated as text (a pod's
// annotations and image are free-form; a JIT's perf map is written by the
// workload) may hold NUL, which PostgreSQL text and jsonb refuse. The
// batch is stored with U+FFFD in its place: a server error would be
// retried by the agent for ever and hold up every later batch of the node.
func TestIngestAgentUnstorableText(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	db, srv, token := agentServer(t, start)
	cases := []struct {
		name string
		edit func(b *tally.AgentBatch)
	}{
		{"label", func(b *tally.AgentBatch) { b.Pods[0].Labels = map[string]string{"app\x00": "api"} }},
		{"image", func(b *tally.AgentBatch) { b.Pods[0].Containers[0].Image = "registry/api:1\x00" }},
		{"node label", func(b *tally.AgentBatch) { b.Node.Labels = map[string]string{"zone": "a\x00"} }},
		{"host process", func(b *tally.AgentBatch) { b.Intervals[0].Containers[1].Container = "host/a\x00b" }},
		{"jit frame", func(b *tally.AgentBatch) {
			b.Intervals[0].Containers[0].Profile = pprofBytes(t, [][]string{{"LazyCompile:\x00hot", "main.main"}}, []int64{7})
		}},
		// Last: every batch sends the pod's annotations anew.
		{"annotation", func(b *tally.AgentBatch) { b.Pods[0].Annotations = map[string]string{"note": "a\x00b"} }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := testBatch(t, start.Add(time.Duration(i)*10*time.Second))
			c.edit(b)
			if rec := post(srv, token, gz(t, b)); rec.Code != http.StatusAccepted {
				t.Fatalf("POST: %d %s, want 202", rec.Code, rec.Body)
			}
		})
	}
	day := tally.Window{Start: start.Add(-time.Hour), End: start.Add(2 * time.Hour)}
	pods, err := db.Pods(ctx, "prod", day)
	if err != nil || len(pods) != 1 {
		t.Fatalf("pods %+v, %v", pods, err)
	}
	if got := pods[0].Annotations["note"]; got != "a\uFFFDb" {
		t.Errorf("annotation stored as %q, want %q", got, "a\uFFFDb")
	}
	usage, err := db.Usage(ctx, "prod", day)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range usage {
		found = found || u.Container == "host/a\uFFFDb"
	}
	if !found {
		t.Errorf("no usage of host/a\uFFFDb in %+v", usage)
	}
	samples, err := db.FunctionSamples(ctx, "prod", day)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range samples {
		ids = append(ids, s.StackID)
	}
	stacks, err := db.Stacks(ctx, "prod", ids)
	if err != nil {
		t.Fatal(err)
	}
	found = false
	for _, s := range stacks {
		for _, f := range s.Frames {
			found = found || strings.Contains(f.Name, "LazyCompile:\uFFFDhot")
		}
	}
	if !found {
		t.Errorf("no frame LazyCompile:\uFFFDhot in %+v", stacks)
	}
}
