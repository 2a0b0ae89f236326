package postgres_test

// Reproductions of the review of 2fb9e64 (a node's write makes the hours
// of its whole UTC days stale): cases where a normal run after a write of
// nodes differs from a forced one.

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
)

// TestReviewAgentBatchDroppingItsInstanceID: node n1 (instance i-1) ran
// hours 0–2 of day 1 and took i-1's bill lines of the rest of the day (the
// nearest node). A batch of n1 without an instance id (a provider id the
// agent could not read, or of a scheme InstanceIDFromProviderID does not
// know) extends its lifetime: upsertNodesTx takes the empty instance id,
// so i-1's lines of hours 3–23 are no node's any more. The batch's span
// is widened to whole days only when the batch has an instance id (days:
// $5 not empty), not when the stored row had one: hours 3–23 are not stale.
func TestReviewAgentBatchDroppingItsInstanceID(t *testing.T) {
	db := pgtest.New(t)
	agentFixture(t, db)
	d := fixture.Day1
	hr := func(h int) time.Time { return d.Add(time.Duration(h) * time.Hour) }
	w := tally.Window{Start: d, End: hr(24)}
	p1 := agentPod{uid: "p1", started: hr(0), cpu: 1, labels: map[string]string{"app": "api"}}
	if err := db.StoreAgentData(ctx, agentBatch(2, tally.Window{Start: hr(0), End: hr(2)}.Split(time.Hour), p1)); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	computed := hourAllocations(t, db, w)
	b := agentBatch(2, []tally.Window{{Start: hr(2), End: hr(3)}}, p1)
	b.Node.ProviderID, b.Node.InstanceID = "", ""
	if err := db.StoreAgentData(ctx, b); err != nil {
		t.Fatal(err)
	}
	_, forced := expectNormalRunAsForced(t, db, job, w, "the batch without an instance id")
	if h := tally.HourOf(hr(10)); slices.Equal(computed[h], forced[h]) {
		t.Errorf("hour %v did not change: the test tests nothing", h)
	}
}

// TestReviewTodayNodeStartedAfterTheCutoff: a day is attributed from the
// nodes alive before the cutoff (Job.Now truncated to the hour), not from
// the day's nodes. Node n1 (instance i-1, billed from 00:00) first reports
// at 10:30; a run at 10:50 (cutoff 10:00) does not load it and leaves
// i-1's lines of hours 0–9 unallocated, having read the node's write (its
// span of the whole day). A run at 11:05 loads it: the nearest node, it
// takes those lines, but nothing was written since, so hours 0–9 are not
// stale and keep what the 10:50 run gave.
func TestReviewTodayNodeStartedAfterTheCutoff(t *testing.T) {
	db := pgtest.New(t)
	agentFixture(t, db)
	d := fixture.Day1
	at := func(h, m int) time.Time { return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	w := tally.Window{Start: d, End: d.Add(24 * time.Hour)}
	p1 := agentPod{uid: "p1", started: at(10, 30), cpu: 1, labels: map[string]string{"app": "api"}}
	if err := db.StoreAgentData(ctx, agentBatch(2, []tally.Window{{Start: at(10, 30), End: at(10, 40)}}, p1)); err != nil {
		t.Fatal(err)
	}
	now := at(10, 50)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db, Now: func() time.Time { return now }}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	computed := hourAllocations(t, db, w)
	now = at(11, 5)
	_, forced := expectNormalRunAsForced(t, db, job, w, "the cutoff passed the node's start")
	if h := tally.HourOf(at(5, 0)); slices.Equal(computed[h], forced[h]) {
		t.Errorf("hour %v did not change: the test tests nothing", h)
	}
}

// reregisteredAs is b of node uid (same instance, i-1), registered again
// under another name.
func reregisteredAs(uid string, b tally.AgentIngest) tally.AgentIngest {
	b.Node.UID, b.Node.Name = uid, uid
	for i := range b.Pods {
		b.Pods[i].NodeName = uid
	}
	for _, iv := range b.Intervals {
		for i := range iv.Usage {
			iv.Usage[i].NodeName = uid
		}
	}
	return b
}

// TestReviewAgentBatchesInTurnWithARivalRecordInputWrites: the commit says
// an agent's batches one after the other within a day record nothing
// after the node's first. When another node of its instance touches the
// day (n1 ran 00:00–02:00, its instance re-registered as n1b from 08:00),
// every batch of n1b records an input write from its old end to the end
// of the day (the third span of agentLifetimeChangesSQL: rival), though
// no node of the instance lives after n1b's end, so those hours go to n1b
// before and after the batch.
func TestReviewAgentBatchesInTurnWithARivalRecordInputWrites(t *testing.T) {
	db := pgtest.New(t)
	agentFixture(t, db)
	d := fixture.Day1
	p1 := agentPod{uid: "p1", started: d, cpu: 1}
	if err := db.StoreAgentData(ctx, agentBatch(2, tally.Window{Start: d, End: d.Add(2 * time.Hour)}.Split(time.Hour), p1)); err != nil {
		t.Fatal(err)
	}
	p2 := agentPod{uid: "p2", started: d.Add(8 * time.Hour), cpu: 1}
	var after []int
	for i := range 6 {
		iv := tally.Window{Start: d.Add(8*time.Hour + time.Duration(i)*20*time.Minute), End: d.Add(8*time.Hour + time.Duration(i+1)*20*time.Minute)}
		before := len(db.InputWrites(t))
		if err := db.StoreAgentData(ctx, reregisteredAs("n1b", agentBatch(2, []tally.Window{iv}, p2))); err != nil {
			t.Fatal(err)
		}
		if i > 0 && len(db.InputWrites(t)) > before {
			after = append(after, i)
		}
	}
	if len(after) > 0 {
		t.Errorf("batches %v of n1b, after its first, recorded input writes: %q", after, db.InputWrites(t))
	}
}

// TestReviewAgentBatchRacingUpsertNodesOfItsInstance: an agent batch
// widens its span to whole days when another node of its instance
// touches them (rival), which it looks for in its statement's snapshot;
// UpsertNodes does not take the instance's advisory lock (claimInstanceTx)
// and is not serialized with it. n1 ran 00:00–02:00; its batch (04:00–
// 05:00) computes its spans while UpsertNodes of n1b (08:00–09:00, the
// same instance) commits, unseen: it records 02:00–04:00 only. A run
// between n1b's commit and the batch's sees n1b but not n1's new end and
// gives hours 5 and 6 to n1b; once the batch commits they are n1's (the
// nearest), but not stale.
func TestReviewAgentBatchRacingUpsertNodesOfItsInstance(t *testing.T) {
	db := pgtest.New(t)
	agentFixture(t, db)
	d := fixture.Day1
	hr := func(h int) time.Time { return d.Add(time.Duration(h) * time.Hour) }
	w := tally.Window{Start: d, End: hr(24)}
	p1 := agentPod{uid: "p1", started: hr(0), cpu: 1, labels: map[string]string{"app": "api"}}
	if err := db.StoreAgentData(ctx, agentBatch(2, tally.Window{Start: hr(0), End: hr(2)}.Split(time.Hour), p1)); err != nil {
		t.Fatal(err)
	}
	// Hold the batch after it computed its spans: it waits on this
	// transaction's uncommitted row of a stack it inserts too.
	release := db.HoldLocks(t, `INSERT INTO stacks (cluster_id, stack_id, frames) VALUES ('prod', 7, '[]')`)
	a := agentBatch(2, []tally.Window{{Start: hr(4), End: hr(5)}}, p1)
	a.Stacks = []tally.Stack{{Cluster: "prod", ID: 7, Frames: []tally.Function{{Name: "main.main"}}}}
	done := make(chan error, 1)
	go func() { done <- db.StoreAgentData(ctx, a) }()
	db.WaitForLockWaiter(t)
	b := agentBatch(2, []tally.Window{{Start: hr(8), End: hr(9)}}).Node
	b.UID, b.Name = "n1b", "n1b"
	if err := db.UpsertNodes(ctx, []tally.Node{b}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("input writes after the batch: %q", db.InputWrites(t))
	expectNormalRunAsForced(t, db, job, w, "the batch racing n1b's write")
}
