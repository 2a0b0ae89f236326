package postgres_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// agentPod is a pod of an agent batch: its start, its containers' CPU
// request and its labels.
type agentPod struct {
	uid     string
	started time.Time
	cpu     float64
	labels  map[string]string
}

// agentBatch is an agent batch of node n1 (instance i-1, cores CPUs) with
// one interval per window, in each of which every pod ran throughout, as
// the agent endpoint converts it: the node lives from the first interval's
// start to the last one's end, each pod from its start to its last usage.
func agentBatch(cores float64, ivs []tally.Window, pods ...agentPod) tally.AgentIngest {
	first, last := ivs[0].Start, ivs[0].End
	in := tally.AgentIngest{Cluster: "prod"}
	for _, iv := range ivs {
		if iv.Start.Before(first) {
			first = iv.Start
		}
		if iv.End.After(last) {
			last = iv.End
		}
		out := tally.AgentIngestInterval{Window: iv}
		for _, p := range pods {
			out.Usage = append(out.Usage, tally.ContainerUsage{Cluster: "prod", Interval: iv, PodUID: p.uid, Container: "app",
				NodeName: "n1", CPUCoreSeconds: iv.Duration().Seconds() / 10, MemoryWorkingSetAvg: 1 << 30, MemoryWorkingSetMax: 1 << 30})
		}
		in.Intervals = append(in.Intervals, out)
	}
	in.Node = tally.Node{Cluster: "prod", UID: "n1", Name: "n1", ProviderID: "aws:///us-east-1a/i-1", InstanceID: "i-1",
		InstanceType: "m5.large", Region: "us-east-1", CPUCores: cores, MemoryBytes: 8 << 30, AllocatableCPU: cores,
		AllocatableMemory: 8 << 30, ValidFrom: first, ValidTo: last}
	for _, p := range pods {
		in.Pods = append(in.Pods, tally.Pod{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-" + p.uid, UID: p.uid},
			NodeName: "n1", OwnerKind: tally.KindDeployment, OwnerName: "api", Labels: p.labels, ValidFrom: p.started, ValidTo: last,
			Containers: []tally.Container{{Name: "app", Image: "shop/api:1.0", CPURequest: p.cpu, MemoryRequest: 2 << 30}}})
	}
	return in
}

// hourAllocations returns the stored allocations of w, one line each, by hour.
func hourAllocations(t *testing.T, db *postgres.DB, w tally.Window) map[tally.Hour][]string {
	t.Helper()
	allocs, err := db.Allocations(ctx, "", w)
	if err != nil {
		t.Fatal(err)
	}
	out := map[tally.Hour][]string{}
	for _, a := range allocs {
		out[a.Hour] = append(out[a.Hour], fmt.Sprintf("%s %s %s/%s %s %s %s %s cpu=%.6g req=%.6g labels=%v",
			a.Node, a.ResourceID, a.Namespace, a.Pod, a.Container, a.CostKind, a.EffectiveCost.Decimal(), a.ListCost.Decimal(),
			a.CPUCoreHours, a.CPURequestCoreHours, a.Labels))
	}
	for _, s := range out {
		slices.Sort(s)
	}
	return out
}

// TestAgentBatchMakesTheHoursOfLifetimesItChangesStale: an agent batch
// writes its node and pods (lifetimes, specs) as well as its intervals,
// and attribution reads those for every hour of their lifetimes. The
// hours a batch changes that hold none of its intervals (those of an
// agent outage its node's and pods' lifetimes now span, of a pod that
// started during it, of a lifetime whose spec changed) must be stale:
// a normal run after the batch must give what a forced run gives. Only
// the hours of the batch's intervals were stale: the others kept what
// they were computed from before the batch.
func TestAgentBatchMakesTheHoursOfLifetimesItChangesStale(t *testing.T) {
	d := fixture.Day1
	hr := func(h int) time.Time { return d.Add(time.Duration(h) * time.Hour) }
	span := func(from, to int) tally.Window { return tally.Window{Start: hr(from), End: hr(to)} }
	hours := func(from, to int) []tally.Window { return span(from, to).Split(time.Hour) }
	w := span(0, 36)
	p1 := agentPod{uid: "p1", started: hr(0), cpu: 1, labels: map[string]string{"app": "api"}}
	p2 := agentPod{uid: "p2", started: hr(6), cpu: 1, labels: map[string]string{"app": "api"}}
	reregistered := func(b tally.AgentIngest) tally.AgentIngest { return reregisteredAs("n1b", b) }
	withoutInstance := func(b tally.AgentIngest) tally.AgentIngest {
		b.Node.ProviderID, b.Node.InstanceID = "", ""
		return b
	}
	for _, tc := range []struct {
		name   string
		before []tally.AgentIngest // stored before the first run
		batch  tally.AgentIngest   // stored after it
		stale  tally.Window        // the hours stale after the batch, at least
	}{
		{
			name:   "an outage: the node's and the pod's lifetimes extended over hours the batch has no interval in",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 1), p1)},
			batch:  agentBatch(2, hours(5, 6), p1),
			stale:  span(1, 6),
		},
		{
			name:   "a pod started during an outage, first seen after it",
			before: []tally.AgentIngest{agentBatch(2, []tally.Window{span(0, 1), span(5, 6)}, p1)},
			batch:  agentBatch(2, hours(6, 7), p1, agentPod{uid: "p2", started: hr(2), cpu: 0.5}),
			stale:  span(2, 7),
		},
		{
			name:   "a batch with a gap between its intervals, of a new node",
			before: nil,
			batch:  agentBatch(2, []tally.Window{span(0, 1), span(5, 6)}, p1),
			stale:  span(0, 6),
		},
		{
			name:   "a pod's CPU request resized in place",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 3), p1)},
			batch:  agentBatch(2, hours(3, 4), agentPod{uid: "p1", started: hr(0), cpu: 2, labels: p1.labels}),
			stale:  span(0, 4),
		},
		{
			name:   "a pod relabeled",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 3), p1)},
			batch:  agentBatch(2, hours(3, 4), agentPod{uid: "p1", started: hr(0), cpu: 1, labels: map[string]string{"app": "web"}}),
			stale:  span(0, 4),
		},
		{
			// The instance's bill lines outside every node's lifetime go
			// to the nearest node of the instance that day.
			name:   "a new node of an instance billed before and after it ran",
			before: nil,
			batch:  agentBatch(2, hours(6, 7), p1),
			stale:  span(0, 24),
		},
		{
			name:   "a node's lifetime extended into the next day, which its instance's bill lines reach",
			before: []tally.AgentIngest{agentBatch(2, hours(20, 21), p1)},
			batch:  agentBatch(2, hours(26, 27), p1),
			stale:  span(21, 48),
		},
		{
			name:   "a node's lifetime started earlier, nearer a bill line than the instance's other node",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 2), p1), reregistered(agentBatch(2, hours(8, 9), p2))},
			batch:  reregistered(agentBatch(2, hours(6, 7), p2)),
			stale:  span(0, 8),
		},
		{
			name:   "a node's lifetime ended later, nearer a bill line than the instance's other node",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 2), p1), reregistered(agentBatch(2, hours(8, 9), p2))},
			batch:  agentBatch(2, hours(4, 5), p1),
			stale:  span(2, 24),
		},
		{
			// A tie goes to the node first in the day's order (n0).
			name:   "a node's lifetime ended later than the instance's other node's, which it ended with",
			before: []tally.AgentIngest{reregisteredAs("n0", agentBatch(2, hours(0, 2))), agentBatch(2, hours(1, 2))},
			batch:  agentBatch(2, hours(2, 3)),
			stale:  span(2, 24),
		},
		{
			name:   "a node's lifetime started earlier than the instance's other node's, which it started with",
			before: []tally.AgentIngest{reregisteredAs("n0", agentBatch(2, hours(5, 6))), agentBatch(2, hours(5, 7))},
			batch:  agentBatch(2, hours(4, 5)),
			stale:  span(0, 5),
		},
		{
			// The instance's lines of hours 3–23 are no node's any more.
			name:   "a node's instance id dropped (a provider id the agent could not read)",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 2), p1)},
			batch:  withoutInstance(agentBatch(2, hours(2, 3), p1)),
			stale:  span(0, 24),
		},
		{
			name:   "a node's capacity changed",
			before: []tally.AgentIngest{agentBatch(2, hours(0, 3), p1)},
			batch:  agentBatch(4, hours(3, 4), p1),
			stale:  span(0, 4),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			agentFixture(t, db, tc.before...)
			job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
			if _, err := job.Attribute(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			computed := hourAllocations(t, db, w)
			if err := db.StoreAgentData(ctx, tc.batch); err != nil {
				t.Fatal(err)
			}
			stale, forced := expectNormalRunAsForced(t, db, job, w, "the batch")
			for _, h := range w.Hours() {
				if !slices.Contains(stale, h) && tc.stale.Contains(h.Start()) {
					t.Errorf("hour %v: not stale after the batch (stale: %v)", h, stale)
				}
			}
			// The case is one: the batch changed hours that hold none of its intervals.
			changed := false
			for _, h := range w.Hours() {
				if !slices.Equal(computed[h], forced[h]) && !batchHour(tc.batch, h) {
					changed = true
				}
			}
			if !changed {
				t.Errorf("the batch changed no hour outside its intervals': the case tests nothing (%v)", slices.Collect(maps.Keys(forced)))
			}
		})
	}
}

// expectNormalRunAsForced attributes w after a write (what): a normal run,
// which recomputes the stale hours, must give every hour what a forced
// run gives. It returns the hours stale before the runs and the forced
// run's allocations (hourAllocations).
func expectNormalRunAsForced(t *testing.T, db *postgres.DB, job *attribution.Job, w tally.Window, what string) ([]tally.Hour, map[tally.Hour][]string) {
	t.Helper()
	stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	normal := hourAllocations(t, db, w)
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	forced := hourAllocations(t, db, w)
	for _, h := range w.Hours() {
		if !slices.Equal(normal[h], forced[h]) {
			t.Errorf("hour %v: a run after %s kept (stale %t, input writes %q)\n\t%s\nforced:\n\t%s", h, what,
				slices.Contains(stale, h), db.InputWrites(t), strings.Join(normal[h], "\n\t"), strings.Join(forced[h], "\n\t"))
		}
	}
	return stale, forced
}

// TestUpsertNodesMakesTheHoursOfItsInstancesBillStale: a node takes its
// instance's bill lines in the hours of its day that no node of the
// instance is alive in (the nearest node that day). Written by
// UpsertNodes, it changes those hours, outside its lifetime: they must be
// stale. Only its lifetime's hours were.
func TestUpsertNodesMakesTheHoursOfItsInstancesBillStale(t *testing.T) {
	db := pgtest.New(t)
	agentFixture(t, db) // the bill of instance i-1, days 1 and 2; no node
	d := fixture.Day1
	w := tally.Window{Start: d, End: d.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	computed := hourAllocations(t, db, w)
	n := agentBatch(2, []tally.Window{{Start: d.Add(2 * time.Hour), End: d.Add(4 * time.Hour)}}).Node
	if err := db.UpsertNodes(ctx, []tally.Node{n}); err != nil {
		t.Fatal(err)
	}
	_, forced := expectNormalRunAsForced(t, db, job, w, "the node's write")
	if h := tally.HourOf(d.Add(10 * time.Hour)); slices.Equal(computed[h], forced[h]) {
		t.Errorf("hour %v, of the node's day but not its lifetime, did not change: the test tests nothing", h)
	}
}

// batchHour reports whether an interval of b starts in h.
func batchHour(b tally.AgentIngest, h tally.Hour) bool {
	for _, iv := range b.Intervals {
		if tally.HourOf(iv.Window.Start) == h {
			return true
		}
	}
	return false
}

// agentFixture stores cluster prod (account 111), the catalog price of
// m5.large and the bill of OneNode's first 48 hours (instance i-1 at
// $0.09/h), then the agent batches, which its nodes and pods come from.
func agentFixture(t *testing.T, db *postgres.DB, batches ...tally.AgentIngest) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.UpsertCluster(ctx, tally.Cluster{ID: "prod", Name: "prod", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}))
	must(db.UpsertPrices(ctx, []tally.InstancePrice{{Provider: "aws", Region: "us-east-1", InstanceType: "m5.large",
		PurchaseOption: tally.PurchaseOnDemand, HourlyPrice: tally.MustParseMoney("0.096", "USD"), VCPUs: 2, MemoryBytes: 8 << 30,
		EffectiveFrom: fixture.Day1.AddDate(0, -1, 0), Source: "test"}}))
	key := tally.BillingPeriodKey{BillingAccountID: "111", Start: tally.MonthStart(fixture.Day1), Source: "aws-cur"}
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	must(err)
	_, err = db.ReplaceBillingPeriod(ctx, key, run, fixture.OneNodeLines(48, "0.09"))
	must(err)
	if _, err := db.EnsurePartitions(ctx, fixture.Day1, fixture.Day1.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		must(db.StoreAgentData(ctx, b))
	}
}

// reregisteredAs is b of node uid: the same instance (i-1), registered
// again under another name.
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

// TestAgentBatchesInTurnRecordNoMoreInputWrites: an agent's batches one
// after the other extend its node's and pods' lifetimes over their own
// intervals only, whose hours they make stale already: after the first
// (of a new node, which records its day: the node takes its instance's
// bill lines there), they record no input writes (StaleHours scans those).
// So do they when another node of the instance ran earlier that day: the
// hours after the batches' node are its whoever ran before.
func TestAgentBatchesInTurnRecordNoMoreInputWrites(t *testing.T) {
	d := fixture.Day1
	for _, tc := range []struct {
		name    string
		before  []tally.AgentIngest
		from    time.Time
		written []string
	}{
		{"a new node", nil, d, []string{"2026-10-05T00:00 2026-10-06T00:00"}},
		{"a node of an instance another node of ran that day",
			[]tally.AgentIngest{agentBatch(2, tally.Window{Start: d, End: d.Add(2 * time.Hour)}.Split(time.Hour), agentPod{uid: "p1", started: d, cpu: 1})},
			d.Add(8 * time.Hour),
			[]string{"2026-10-05T00:00 2026-10-06T00:00", "2026-10-05T00:00 2026-10-06T00:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			agentFixture(t, db, tc.before...)
			p2 := agentPod{uid: "p2", started: tc.from.Add(time.Minute), cpu: 1}
			for i := range 6 {
				iv := tally.Window{Start: tc.from.Add(time.Duration(i) * 20 * time.Minute), End: tc.from.Add(time.Duration(i+1) * 20 * time.Minute)}
				if err := db.StoreAgentData(ctx, reregisteredAs("n2", agentBatch(2, []tally.Window{iv}, p2))); err != nil {
					t.Fatal(err)
				}
				expectInputWrites(t, db, fmt.Sprintf("after batch %d", i), tc.written...)
			}
		})
	}
}

// TestTodayIsAttributedFromTheDaysNodes: a node takes its instance's bill
// lines in the hours of its day no node of the instance is alive in (the
// nearest node). Today's hours up to the present took them from the nodes
// alive before the present only: node n1 (instance i-1, billed from 00:00)
// first reporting at 10:30 took none of hours 0–9 in a run at 10:50 (the
// present: 10:00), having been read; at 11:05 it took them, but nothing
// was written in between: the hours were not stale and kept the lines no
// node's.
func TestTodayIsAttributedFromTheDaysNodes(t *testing.T) {
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
	h := tally.HourOf(at(5, 0))
	if got := hourAllocations(t, db, w)[h]; !strings.Contains(strings.Join(got, "\n"), "\nn1 ") {
		t.Errorf("hour %v, attributed before n1 started, is not n1's:\n\t%s", h, strings.Join(got, "\n\t"))
	}
	now = at(11, 5)
	expectNormalRunAsForced(t, db, job, w, "the present passed the node's start")
}

// inCluster is b of cluster c.
func inCluster(c tally.ClusterID, b tally.AgentIngest) tally.AgentIngest {
	b.Cluster, b.Node.Cluster = c, c
	for i := range b.Pods {
		b.Pods[i].Ref.Cluster = c
	}
	for _, iv := range b.Intervals {
		for i := range iv.Usage {
			iv.Usage[i].Cluster = c
		}
	}
	return b
}

// TestRandomNodeWritesKeepNormalRunsAsForced writes random nodes of one
// instance (i-1: n0, n1, n1b of cluster prod or dev; with or without a
// pod or an instance id; another capacity; through agent batches or
// UpsertNodes, running or ended) on a 20-minute or an hour grid over two
// days; after each write a normal run must give what a forced run gives.
// TALLY_NODE_WRITE_SEEDS sets how many scenarios (default 4; a review ran
// 390).
func TestRandomNodeWritesKeepNormalRunsAsForced(t *testing.T) {
	seeds := 4
	if s := os.Getenv("TALLY_NODE_WRITE_SEEDS"); s != "" {
		var err error
		if seeds, err = strconv.Atoi(s); err != nil {
			t.Fatalf("TALLY_NODE_WRITE_SEEDS: %v", err)
		}
	}
	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(48 * time.Hour)}
	for seed := range seeds {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) { randomNodeWrites(t, seed, w) })
	}
}

func randomNodeWrites(t *testing.T, seed int, w tally.Window) {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	db := pgtest.New(t)
	agentFixture(t, db)
	if err := db.UpsertCluster(ctx, tally.Cluster{ID: "dev", Name: "dev", Provider: "aws", Region: "us-east-1", BillingAccountID: "111"}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	grid := []time.Duration{20 * time.Minute, time.Hour}[seed%2]
	var writes []string
	for range 8 {
		start := w.Start.Add(time.Duration(r.IntN(int(w.Duration()/grid))) * grid)
		ivs := tally.Window{Start: start, End: start.Add(time.Duration(1+r.IntN(4)) * grid)}.Split(grid)
		if ivs[len(ivs)-1].End.After(w.End) {
			continue
		}
		uid := []string{"n1", "n1b", "n0"}[r.IntN(3)]
		b, what := agentBatch(2, ivs), ""
		if r.IntN(2) == 0 {
			b, what = agentBatch(2, ivs, agentPod{uid: "p" + uid, started: ivs[0].Start.Add(-time.Duration(r.IntN(3)) * time.Hour), cpu: 1}), " (a pod)"
		}
		b = reregisteredAs(uid, b)
		switch r.IntN(8) {
		case 0:
			b, what = inCluster("dev", b), what+" (cluster dev)"
		case 1:
			b.Node.ProviderID, b.Node.InstanceID = "", ""
			what += " (no instance)"
		case 2:
			b.Node.CPUCores = 4
			what += " (4 cores)"
		}
		what = fmt.Sprintf("batch of %s %s–%s%s", uid, ivs[0].Start.Format("02T15:04"), ivs[len(ivs)-1].End.Format("02T15:04"), what)
		var err error
		if r.IntN(3) == 0 {
			if r.IntN(2) == 0 {
				b.Node.ValidTo = time.Time{}
				what += " (running)"
			}
			what = "UpsertNodes of the " + what
			err = db.UpsertNodes(ctx, []tally.Node{b.Node})
		} else {
			err = db.StoreAgentData(ctx, b)
		}
		if te := (*tally.Error)(nil); errors.As(err, &te) && te.Code == tally.EConflict {
			writes = append(writes, what+": refused")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, what)
		expectNormalRunAsForced(t, db, job, w, "\n\t"+strings.Join(writes, ";\n\t")+"\n")
		if t.Failed() {
			return
		}
	}
}

// TestIntervalSentAgainWithALaterEnd (found by a review's randomized
// check): an interval sent again with the same start but a later end
// (09:00–10:00, then 09:00–11:00) kept its stored end (claimIntervalsTx
// updated only its transaction id), so StaleHours did not take hour 10 for
// stale through it; yet staleIntervalHours did, from the batch's interval,
// so recordAgentLifetimesTx recorded no input write for the node's (and
// the pod's) lifetime extended into hour 10. Hour 10 kept what it had.
func TestIntervalSentAgainWithALaterEnd(t *testing.T) {
	d := fixture.Day1
	hr := func(h int) time.Time { return d.Add(time.Duration(h) * time.Hour) }
	w := tally.Window{Start: d, End: d.Add(24 * time.Hour)}
	for _, tc := range []struct {
		name         string
		first, again tally.Window
		pods         []agentPod
	}{
		{"node only", tally.Window{Start: hr(9), End: hr(10)}, tally.Window{Start: hr(9), End: hr(11)}, nil},
		{"with a pod", tally.Window{Start: hr(9), End: hr(10)}, tally.Window{Start: hr(9), End: hr(11)}, []agentPod{{uid: "p1", started: hr(9), cpu: 1}}},
		{"20 minutes, then 40", tally.Window{Start: hr(9).Add(40 * time.Minute), End: hr(10)},
			tally.Window{Start: hr(9).Add(40 * time.Minute), End: hr(10).Add(20 * time.Minute)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			agentFixture(t, db, agentBatch(2, []tally.Window{tc.first}))
			job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
			if _, err := job.Attribute(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			if err := db.StoreAgentData(ctx, agentBatch(2, []tally.Window{tc.again}, tc.pods...)); err != nil {
				t.Fatal(err)
			}
			expectNormalRunAsForced(t, db, job, w, "an interval sent again with a later end")
		})
	}
}
