package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/web"
)

// TestIngestAgentForeignInstance: an agent token is bound to one cluster, and
// bill lines reach nodes by instance id, so a node whose instance a node of
// another cluster ran within an hour is refused (409), whatever its name
// or provider ID prefix; its cluster's own agent keeps reporting, and the
// instance id may serve another cluster once the first node is long gone.
func TestIngestAgentForeignInstance(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	srv := web.NewServer(web.Config{Readiness: db, Auth: db, Agents: db, Now: func() time.Time { return start.Add(4 * time.Hour) }})
	prod := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "prod")
	dev := storeToken(t, db, tally.TokenAgent, tally.RoleAgent, "aaa-dev")
	if rec := post(srv, prod, gz(t, testBatch(t, start))); rec.Code != http.StatusAccepted {
		t.Fatalf("prod: %d %s", rec.Code, rec.Body)
	}
	fake := func(at time.Time, uid, providerID string) []byte {
		b := testBatch(t, at)
		b.Node.Name, b.Node.UID, b.Node.ProviderID = uid, uid, providerID
		return gz(t, b)
	}
	tests := []struct {
		name       string
		token      string
		body       []byte
		want       int
		wantInBody string
	}{
		{"another cluster, same time", dev, fake(start.Add(10*time.Second), "fake", "aws:///us-east-1a/i-0abc"), http.StatusConflict, "instance i-0abc is a node of another cluster, prod,"},
		{"another cluster, other zone in the provider ID", dev, fake(start.Add(20*time.Second), "fake", "aws:///us-west-2b/i-0abc"), http.StatusConflict, "cannot report it"},
		{"another cluster, 50 minutes after", dev, fake(start.Add(50*time.Minute), "fake", "aws:///us-east-1a/i-0abc"), http.StatusConflict, "another cluster"},
		{"another cluster, 50 minutes before", dev, fake(start.Add(-50*time.Minute), "fake", "aws:///us-east-1a/i-0abc"), http.StatusConflict, "another cluster"},
		{"the node's own cluster", prod, gz(t, testBatch(t, start.Add(10*time.Second))), http.StatusAccepted, ""},
		{"another instance", dev, fake(start.Add(10*time.Second), "fake", "aws:///us-east-1a/i-0def"), http.StatusAccepted, ""},
		// Its lifetime would widen over prod's node, with prod's instance id.
		{"that node later claiming the instance", dev, fake(start.Add(3*time.Hour), "fake", "aws:///us-east-1a/i-0abc"), http.StatusConflict, "another cluster"},
		{"another cluster's new node, long after", dev, fake(start.Add(3*time.Hour), "new", "aws:///us-east-1a/i-0abc"), http.StatusAccepted, ""},
	}
	for _, tt := range tests {
		rec := post(srv, tt.token, tt.body)
		if rec.Code != tt.want || !strings.Contains(rec.Body.String(), tt.wantInBody) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, rec.Code, rec.Body, tt.want, tt.wantInBody)
		}
	}
	day := tally.Window{Start: start.Add(-24 * time.Hour), End: start.Add(24 * time.Hour)}
	nodes, err := db.Nodes(ctx, "aaa-dev", day)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.InstanceID == "i-0abc" && n.ValidFrom.Before(start.Add(2*time.Hour)) {
			t.Errorf("refused node stored: %+v", n)
		}
	}
	usage, err := db.Usage(ctx, "aaa-dev", tally.Window{Start: start.Add(-time.Hour), End: start.Add(2 * time.Hour)})
	if err != nil || len(usage) != 2 { // the accepted i-0def batch only
		t.Errorf("aaa-dev usage %+v, %v; want the i-0def batch's 2 rows", usage, err)
	}
}
