package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/rightsizing"
)

// Node plans keep what the pods' scheduling constraints and the group's
// minimum size require, and say so, in text and JSON: the seeded group
// (two m5.xlarge, a 2-replica Deployment using about 0.3 core each) packs
// onto one node when nothing constrains it; with its nodes in two zones,
// unknown constraints (older agents) or a zone spread keep a node in each
// zone, hostname anti-affinity one pod per node, --min-nodes its minimum.
func TestRightsizeNodePlansKeepTopology(t *testing.T) {
	url, db, until := seededRightsizingDB(t)
	ctx := context.Background()
	w := tally.Window{Start: until.Add(-96 * time.Hour), End: until}
	nodes, err := db.Nodes(ctx, "prod", w)
	if err != nil {
		t.Fatal(err)
	}
	for i := range nodes {
		nodes[i].Zone = []string{"us-east-1a", "us-east-1b"}[i]
		nodes[i].Labels[tally.TopologyZone] = nodes[i].Zone
	}
	if err := db.UpsertNodes(ctx, nodes); err != nil {
		t.Fatal(err)
	}
	setScheduling := func(s *tally.PodScheduling) {
		t.Helper()
		pods, err := db.Pods(ctx, "prod", w)
		if err != nil {
			t.Fatal(err)
		}
		for i := range pods {
			pods[i].Scheduling = s
		}
		if err := db.UpsertPods(ctx, pods); err != nil {
			t.Fatal(err)
		}
	}
	type plan struct {
		Group   string
		Planned []rightsizing.PlannedNodes
		Zones   map[string]int
		Kept    *rightsizing.Kept
	}
	runPlan := func(format string, flags ...string) (plan, string) {
		t.Helper()
		var out, errb bytes.Buffer
		args := append([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339),
			"--format", format, "--no-store"}, flags...)
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", flags, code, errb.String())
		}
		if format != "json" {
			return plan{}, out.String()
		}
		var res struct{ Nodes []plan }
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		if len(res.Nodes) != 1 {
			t.Fatalf("%d node plans, want 1: %s", len(res.Nodes), out.String())
		}
		return res.Nodes[0], out.String()
	}
	count := func(p plan) int {
		n := 0
		for _, c := range p.Planned {
			n += c.Count
		}
		return n
	}
	reasons := func(p plan) string {
		if p.Kept == nil {
			return ""
		}
		return strings.Join(p.Kept.Reasons, "; ")
	}

	// Unknown constraints (the seeded pods'): a node in each zone.
	p, _ := runPlan("json")
	if count(p) != 2 || p.Zones["us-east-1a"] != 1 || p.Zones["us-east-1b"] != 1 ||
		!strings.Contains(reasons(p), "the group keeps a node in each of the 2 zones its nodes span now (us-east-1a, us-east-1b), as the scheduling constraints of 2 of its pods are unknown") {
		t.Errorf("unknown constraints: %d nodes in %v, kept %q; want 2, one a zone, said", count(p), p.Zones, reasons(p))
	}

	// Known to have none: one node, nothing said.
	setScheduling(&tally.PodScheduling{})
	if p, _ = runPlan("json"); count(p) != 1 || p.Kept != nil {
		t.Errorf("no constraint: %d nodes, kept %q; want 1, nothing", count(p), reasons(p))
	}

	// A zone spread: a node in each zone, said in text and JSON.
	setScheduling(&tally.PodScheduling{Spread: []tally.TopologySpread{{TopologyKey: tally.TopologyZone, MaxSkew: 1}}})
	p, _ = runPlan("json")
	if count(p) != 2 || p.Zones["us-east-1a"] != 1 || p.Zones["us-east-1b"] != 1 ||
		!strings.Contains(reasons(p), "shop/Deployment/api spreads its 2 pods over 2 of the group's zones (us-east-1a, us-east-1b; topology spread on topology.kubernetes.io/zone, maxSkew 1)") {
		t.Errorf("zone spread: %d nodes in %v, kept %q", count(p), p.Zones, reasons(p))
	}
	if _, text := runPlan("table"); !strings.Contains(text, "\nprod/general: kept 2 nodes (the pods alone pack onto 1, $") ||
		!strings.Contains(text, "shop/Deployment/api spreads its 2 pods over 2 of the group's zones") {
		t.Errorf("the table does not say what kept the nodes:\n%s", text)
	}

	// Hostname anti-affinity from the spec, a Deployment's: one a node.
	setScheduling(&tally.PodScheduling{AntiAffinity: []string{tally.TopologyHostname}})
	if p, _ = runPlan("json", "--min-nodes", "1"); count(p) != 2 ||
		!strings.Contains(reasons(p), "shop/Deployment/api runs its 2 pods one per node (required pod anti-affinity on kubernetes.io/hostname)") {
		t.Errorf("hostname anti-affinity: %d nodes, kept %q", count(p), reasons(p))
	}

	// --min-nodes: the group's own wins over N for every group.
	setScheduling(&tally.PodScheduling{Spread: []tally.TopologySpread{{TopologyKey: tally.TopologyHostname, MaxSkew: 5}}})
	if p, _ = runPlan("json", "--min-nodes", "2", "--min-nodes", "prod/general=3"); count(p) != 3 ||
		!strings.Contains(reasons(p), "the group's minimum size is 3 (--min-nodes prod/general=3)") {
		t.Errorf("--min-nodes prod/general=3: %d nodes, kept %q", count(p), reasons(p))
	}
	for _, bad := range []string{"prod/nope=2", "-1", "prod/general=x", "general=2"} {
		var out, errb bytes.Buffer
		code := run([]string{"--database-url", url, "--log-level", "warn", "rightsize", "--until", until.Format(time.RFC3339), "--no-store",
			"--min-nodes", bad}, &out, &errb)
		if code == 0 || !strings.Contains(errb.String(), "--min-nodes") {
			t.Errorf("--min-nodes %s: exit %d, stderr %q; want an error naming the flag", bad, code, errb.String())
		}
	}
}

// --min-nodes that contradicts itself or plans nothing is an error before
// the database is read: the last of two values for a group (or of two Ns)
// silently won, and --no-nodes dropped every --min-nodes without a word
// though the help says naming a group with no node plan is an error.
func TestRightsizeMinNodesContradictions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--min-nodes", "prod/general=2,prod/general=5"}, `--min-nodes "prod/general=5": prod/general given twice (prod/general=2)`},
		{[]string{"--min-nodes", "prod/general=2", "--min-nodes", "prod/general=2"}, "prod/general given twice"},
		{[]string{"--min-nodes", "2,3"}, `--min-nodes "3": N for every group given twice (2)`},
		{[]string{"--no-nodes", "--min-nodes", "prod/general=2"}, "--min-nodes: no node group is planned with --no-nodes"},
		{[]string{"--no-nodes", "--min-nodes", "2"}, "--min-nodes: no node group is planned with --no-nodes"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"--database-url", "postgres://tally@nowhere.invalid:1/tally", "--log-level", "warn", "rightsize", "--no-store"}, tc.args...)
		if code := run(args, &out, &errb); code == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error saying %q", tc.args, code, errb.String(), tc.want)
		}
	}
}
