package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tallyhq/tally/demo"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestDemoAgentBatchesAreNotReadThroughALinkOutOfTheDirectory: the agent
// batches a manifest lists were read wherever a symbolic link among them
// led (Load's check was lexical, and a link can appear after it). They
// are read through the demo directory as a root: the load fails naming
// the manifest, the field and the path, and posts nothing.
func TestDemoAgentBatchesAreNotReadThroughALinkOutOfTheDirectory(t *testing.T) {
	ctx := context.Background()
	outside := filepath.Join(t.TempDir(), "secret.json.gz")
	if err := os.WriteFile(outside, []byte("read from outside the demo directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "agent"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "agent", "b.json.gz")); err != nil {
		t.Fatal(err)
	}
	var posted atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { posted.Add(1) }))
	defer srv.Close()
	l := &demoLoader{app: &app{globals: &globals{}, log: slog.New(slog.DiscardHandler)}, db: pgtest.New(t), dir: dir,
		m:     &demo.Manifest{Agent: []demo.AgentFile{{Cluster: "prod", Path: "agent/b.json.gz"}}},
		truth: &demo.Truth{Clusters: []demo.TruthCluster{{ID: "prod"}}}, url: srv.URL}
	err := l.postAgentBatches(ctx)
	if err == nil {
		t.Fatalf("posted %s, a link out of %s: no error", outside, dir)
	}
	for _, want := range []string{filepath.Join(dir, demo.ManifestFile), "agent[0].path", strconv.Quote("agent/b.json.gz")} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("postAgentBatches: %q does not name %s", err, want)
		}
	}
	if n := posted.Load(); n != 0 {
		t.Errorf("%d batches posted", n)
	}
}
