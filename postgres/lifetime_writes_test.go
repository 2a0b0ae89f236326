package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestConcurrentLifetimeWritesMakeTheirHoursStale: two writers of one pod
// (or node), first and second; the first commits while the second waits
// for the row, an attribution run reads between the two commits, then the
// second commits over the first's row. The hours the second changes
// (those of the lifetime the first wrote and the run read) must be stale.
// The second computed its span from the lifetime stored before the first
// committed (or none, for a new key) and recorded too few hours.
//
// Each writer also writes a gate row, after the contested one in key
// order, whose lock the test holds: the first waits there holding the
// contested row, the second until the run has read.
func TestConcurrentLifetimeWritesMakeTheirHoursStale(t *testing.T) {
	d := fixture.Day1
	w := tally.Window{Start: d, End: d.Add(48 * time.Hour)}
	pod := func(uid string, from, to time.Time) tally.Pod {
		return tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-" + uid, UID: uid}, NodeName: "n1",
			OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: from, ValidTo: to,
			Containers: []tally.Container{{Name: "api", Image: "shop/api:1.0", CPURequest: 1, MemoryRequest: 4 << 30}}}
	}
	node := func(uid string, cores float64, from, to time.Time) tally.Node {
		return tally.Node{Cluster: "prod", UID: uid, Name: uid, InstanceType: "m5.large", Region: "us-east-1",
			CPUCores: cores, MemoryBytes: 8 << 30, AllocatableCPU: cores, AllocatableMemory: 8 << 30, ValidFrom: from, ValidTo: to}
	}
	pods := func(ps ...tally.Pod) func(*postgres.DB) error {
		return func(db *postgres.DB) error { return db.UpsertPods(ctx, ps) }
	}
	nodes := func(ns ...tally.Node) func(*postgres.DB) error {
		return func(db *postgres.DB) error { return db.UpsertNodes(ctx, ns) }
	}
	gate := func(table, key, uid string) string {
		return fmt.Sprintf(`SELECT 1 FROM %s WHERE cluster_id = 'prod' AND %s = '%s' FOR UPDATE`, table, key, uid)
	}
	// The gates: a pod or node of hour d+1h, after the contested one in key order.
	p8, p9 := pod("p8", d.Add(time.Hour), d.Add(2*time.Hour)), pod("p9", d.Add(time.Hour), d.Add(2*time.Hour))
	n8, n9 := node("n8", 2, d.Add(time.Hour), d.Add(2*time.Hour)), node("n9", 2, d.Add(time.Hour), d.Add(2*time.Hour))
	open := func(t *testing.T, url string) *postgres.DB {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
	for _, tc := range []struct {
		name                  string
		before                func(*postgres.DB) error
		first, second         func(*postgres.DB) error
		firstGate, secondGate string
		want                  tally.Window
	}{
		{
			name: "UpsertPods: a stored pod, extended by the first, ended earlier by the second",
			// p1 ran until d+10h.
			before:    pods(pod("p1", d.Add(-time.Hour), d.Add(10*time.Hour)), p8, p9),
			first:     pods(pod("p1", d.Add(-time.Hour), d.Add(40*time.Hour)), p8),
			second:    pods(pod("p1", d.Add(-time.Hour), d.Add(5*time.Hour)), p9),
			firstGate: gate("pods", "pod_uid", "p8"), secondGate: gate("pods", "pod_uid", "p9"),
			// Read with p1 until d+40h; it ends at d+5h now.
			want: tally.Window{Start: d, End: d.Add(40 * time.Hour)},
		},
		{
			name:      "UpsertPods: a new pod, running by the first, ended by the second",
			before:    pods(p8, p9),
			first:     pods(pod("p5", d.Add(time.Hour), time.Time{}), p8),
			second:    pods(pod("p5", d.Add(time.Hour), d.Add(5*time.Hour)), p9),
			firstGate: gate("pods", "pod_uid", "p8"), secondGate: gate("pods", "pod_uid", "p9"),
			// Read with p5 running from d+1h; it ends at d+5h now.
			want: tally.Window{Start: d.Add(time.Hour), End: w.End},
		},
		{
			name: "UpsertNodes: a stored node, extended by the first, its spec changed by the second",
			// n1 ran until d+10h.
			before:    nodes(node("n1", 2, d.Add(-time.Hour), d.Add(10*time.Hour)), n8, n9),
			first:     nodes(node("n1", 2, d.Add(-time.Hour), d.Add(40*time.Hour)), n8),
			second:    nodes(node("n1", 4, d.Add(-time.Hour), d.Add(5*time.Hour)), n9),
			firstGate: gate("nodes", "node_uid", "n8"), secondGate: gate("nodes", "node_uid", "n9"),
			// Read with 2 cores until d+40h; 4 cores now.
			want: tally.Window{Start: d, End: d.Add(40 * time.Hour)},
		},
		{
			name:      "UpsertNodes: a new node, running by the first, ended by the second",
			before:    nodes(n8, n9),
			first:     nodes(node("n5", 2, d.Add(time.Hour), time.Time{}), n8),
			second:    nodes(node("n5", 2, d.Add(time.Hour), d.Add(5*time.Hour)), n9),
			firstGate: gate("nodes", "node_uid", "n8"), secondGate: gate("nodes", "node_uid", "n9"),
			// Read with n5 running from d+1h; it ends at d+5h now.
			want: tally.Window{Start: d.Add(time.Hour), End: w.End},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := pgtest.NewURL(t, true)
			db, locks := open(t, url), open(t, url) // locks: the gates and the waits, on sessions of their own
			fixture.OneNode(t, db, 48)
			if err := tc.before(db); err != nil {
				t.Fatal(err)
			}
			job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
			if _, err := job.Attribute(ctx, w, true); err != nil {
				t.Fatal(err)
			}
			expectStale(t, db, w, "after attributing")

			releaseFirst := locks.HoldLocks(t, tc.firstGate)
			releaseSecond := locks.HoldLocks(t, tc.secondGate)
			first, second := make(chan error, 1), make(chan error, 1)
			go func() { first <- tc.first(db) }()
			locks.WaitForLockWaiters(t, 1) // the first holds the contested row and waits at its gate
			go func() { second <- tc.second(db) }()
			locks.WaitForLockWaiters(t, 2) // the second waits for the contested row
			releaseFirst()
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			locks.WaitForLockWaiters(t, 1) // the second waits at its gate
			// A run reads between the commits: the first's lifetime.
			if _, err := job.Attribute(ctx, w, true); err != nil {
				t.Fatal(err)
			}
			releaseSecond()
			if err := <-second; err != nil {
				t.Fatal(err)
			}
			expectStale(t, db, w, fmt.Sprintf("after the second writer committed (input writes %q)", db.InputWrites(t)), tc.want.Hours()...)
		})
	}
}

// TestAgentBatchAndUpsertNodesOfOneInstanceTakeTurns: an agent batch
// reads the other nodes of its instance (a node nearer some of the
// instance's bill lines than the batch's node), so a write of one of
// those must not commit in between, unseen: n1 ran 00:00–02:00; its batch
// (04:00–05:00) computed its spans while UpsertNodes of n1b (the same
// instance, 08:00–09:00) committed, and recorded 02:00–05:00 only. A run
// in between gave hours 5 and 6 to n1b, the nearest then; once the batch
// committed they were n1's, but not stale. UpsertNodes now waits for the
// batch.
func TestAgentBatchAndUpsertNodesOfOneInstanceTakeTurns(t *testing.T) {
	db := pgtest.New(t)
	agentFixture(t, db)
	d := fixture.Day1
	hr := func(h int) time.Time { return d.Add(time.Duration(h) * time.Hour) }
	w := tally.Window{Start: d, End: hr(24)}
	p1 := agentPod{uid: "p1", started: hr(0), cpu: 1, labels: map[string]string{"app": "api"}}
	if err := db.StoreAgentData(ctx, agentBatch(2, tally.Window{Start: hr(0), End: hr(2)}.Split(time.Hour), p1)); err != nil {
		t.Fatal(err)
	}
	// The batch waits, its spans computed, on this transaction's
	// uncommitted row of a stack it inserts too.
	release := db.HoldLocks(t, `INSERT INTO stacks (cluster_id, stack_id, frames) VALUES ('prod', 7, '[]')`)
	a := agentBatch(2, []tally.Window{{Start: hr(4), End: hr(5)}}, p1)
	a.Stacks = []tally.Stack{{Cluster: "prod", ID: 7, Frames: []tally.Function{{Name: "main.main"}}}}
	batch := make(chan error, 1)
	go func() { batch <- db.StoreAgentData(ctx, a) }()
	db.WaitForLockWaiter(t)
	n1b := reregisteredAs("n1b", agentBatch(2, []tally.Window{{Start: hr(8), End: hr(9)}})).Node
	upsert := make(chan error, 1)
	go func() { upsert <- db.UpsertNodes(ctx, []tally.Node{n1b}) }()
	select {
	case err := <-upsert: // committed before the batch
		upsert <- err
	case <-time.After(time.Second):
		db.WaitForLockWaiters(t, 2)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	release()
	for _, done := range []chan error{batch, upsert} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	expectNormalRunAsForced(t, db, job, w, "the batch and n1b's write")
}
