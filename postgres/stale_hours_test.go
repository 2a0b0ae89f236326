package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/migrations"
	"github.com/tallyhq/tally/postgres"
)

// TestLateAgentDataRecomputesHour: an hour attributed before its agent
// data arrived (an agent uploading what it buffered through a backend
// outage, which the agent endpoint accepts for 31 days) is stale, and the
// next run recomputes it with the late usage (here: the pod used the whole
// node, so the hour keeps no idle). StaleHours only looked at billing
// periods: the hour kept its allocations until tally attribute --force.
func TestLateAgentDataRecomputesHour(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	h := tally.HourOf(day1.Add(47 * time.Hour)) // the last hour: the batch ends the node's known life there
	idleBefore := idleOf(t, db, h)

	// The agent's buffered batch for hour h lands: pod p1 used both cores all hour.
	if err := db.StoreAgentData(ctx, lateBatch(h)); err != nil {
		t.Fatal(err)
	}
	stale, err := db.StaleHours(ctx, h.Window(), attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 {
		t.Errorf("StaleHours(%v) after its agent data arrived = %v, want [%v]", h, stale, h)
	}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	idleAfter := idleOf(t, db, h)
	if sum.Hours == 0 || idleAfter.Equal(idleBefore) {
		t.Errorf("attribute after late agent data: %d hours recomputed, idle of %v still %v (want it to shrink: the pod used the whole node)",
			sum.Hours, h, idleAfter.Decimal())
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Errorf("stale hours after recomputing: %v, %v; want none", stale, err)
	}
	// --force gives the same.
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	if forced := idleOf(t, db, h); !forced.Equal(idleAfter) {
		t.Errorf("idle of %v: %s after a normal run, %s after --force", h, idleAfter.Decimal(), forced.Decimal())
	}
}

func idleOf(t *testing.T, db *postgres.DB, h tally.Hour) tally.Money {
	t.Helper()
	allocs, err := db.Allocations(ctx, "", h.Window())
	if err != nil {
		t.Fatal(err)
	}
	var idle tally.Money
	for _, a := range allocs {
		if a.Container == tally.IdleName {
			if idle, err = idle.Add(a.EffectiveCost); err != nil {
				t.Fatal(err)
			}
		}
	}
	return idle
}

// TestBillCommittedDuringAttributionMakesItsHoursStale: an ingest records
// its periods before it commits. An attribution that starts reading in
// between reads the previous bill, yet finishes after the period was
// recorded: the hours it computed are stale once the ingest commits, and
// recomputing them settles them.
func TestBillCommittedDuringAttributionMakesItsHoursStale(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24) // account 111: the node at 0.09/h on day 1
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}
	other := testLine(t, "2026-11-05T10:00:00Z", "bucket-1", "1", "1") // a month later: its period covers none of w
	other.BillingAccountID = "222"
	run, err := db.StartIngestRun(ctx, "aws-cur", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReplacePeriods(ctx, "aws-cur", run, seq([]tally.CostLine{other}), nil, nil); err != nil {
		t.Fatal(err)
	}

	// The restated bill of account 111 (the node at 0.2/h) and account
	// 222's: the ingest records 111's period, then waits for 222's row.
	release := db.HoldLocks(t, `SELECT 1 FROM billing_accounts WHERE billing_account_id = '222' FOR UPDATE`)
	lines := func(yield func(*tally.CostLine, error) bool) {
		for l, err := range fixture.OneNodeLines(24, "0.2") {
			if !yield(l, err) {
				return
			}
		}
		yield(&other, nil)
	}
	done := make(chan error, 1)
	go func() {
		run, err := db.StartIngestRun(ctx, "aws-cur", nil)
		if err == nil {
			_, err = db.ReplacePeriods(ctx, "aws-cur", run, lines, nil, nil)
		}
		done <- err
	}()
	db.WaitForLockWaiter(t)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if sum, err := job.Attribute(ctx, w, false); err != nil || sum.Hours != 24 {
		t.Fatalf("attribute during the ingest: %+v, %v", sum, err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 24 {
		t.Errorf("stale hours after the ingest committed: %d, want day 1's 24 (computed from the bill it replaced)", len(stale))
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectReconciled(t, db, w)
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Errorf("stale hours after recomputing: %v, %v; want none", stale, err)
	}
}

// TestAgentDataCommittedDuringAttributionMakesItsHourStale: an agent batch
// that commits while attribution reads its hour, without it, makes the
// hour stale, whenever its transaction began.
func TestAgentDataCommittedDuringAttributionMakesItsHourStale(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	h := tally.HourOf(day1.Add(47 * time.Hour))
	// The batch records its intervals, then waits for its instance's lock.
	release := db.HoldLocks(t, `SELECT pg_advisory_xact_lock(hashtext('instance i-1'))`)
	done := make(chan error, 1)
	go func() { done <- db.StoreAgentData(ctx, lateBatch(h)) }()
	db.WaitForLockWaiter(t)
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if sum, err := job.Attribute(ctx, w, false); err != nil || sum.Hours != 48 {
		t.Fatalf("attribute during the batch: %+v, %v", sum, err)
	}
	idleBefore := idleOf(t, db, h)
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 || stale[0] != h {
		t.Errorf("stale hours after the batch committed: %v, want [%v]", stale, h)
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if idle := idleOf(t, db, h); !idle.IsZero() {
		t.Errorf("idle of %v after recomputing: %s (before: %s), want 0: the pod used the whole node", h, idle.Decimal(), idleBefore.Decimal())
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Errorf("stale hours after recomputing: %v, %v; want none", stale, err)
	}
	// The batch sent again (the agent missed the answer) rewrites the
	// hour's usage: stale once more.
	if err := db.StoreAgentData(ctx, lateBatch(h)); err != nil {
		t.Fatal(err)
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 1 {
		t.Errorf("stale hours after the batch was sent again: %v, %v; want [%v]", stale, err, h)
	}
}

// lateBatch is OneNode's agent batch for hour h: pod p1 used both cores
// and all the memory of node n1.
func lateBatch(h tally.Hour) tally.AgentIngest {
	return tally.AgentIngest{Cluster: "prod",
		Node: tally.Node{Cluster: "prod", UID: "n1", Name: "n1", InstanceID: "i-1", InstanceType: "m5.large", Region: "us-east-1",
			CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30, ValidFrom: h.Start(), ValidTo: h.End()},
		Intervals: []tally.AgentIngestInterval{{Window: h.Window(), Usage: []tally.ContainerUsage{{Cluster: "prod",
			Interval: h.Window(), PodUID: "p1", Container: "api", NodeName: "n1", CPUCoreSeconds: 7200,
			MemoryWorkingSetAvg: 8 << 30, MemoryWorkingSetMax: 8 << 30}}}}}
}

// TestReadSnapshotMigrationKeepsStaleHours: the migration that replaced
// the times an hour was computed and its data written by snapshots keeps
// stale what was stale by the times: hours of a billing period ingested
// after they were computed, hours of agent intervals received after.
func TestReadSnapshotMigrationKeepsStaleHours(t *testing.T) {
	sql, err := migrations.FS.ReadFile("017_attribution_read_snapshot.sql")
	if err != nil {
		t.Fatal(err)
	}
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	late := tally.HourOf(day1.Add(47 * time.Hour))
	for _, tc := range []struct {
		name   string
		before string // SQL run before the migration, on the schema before it
		want   []tally.Hour
	}{
		{"nothing late", ``, nil},
		{"agent data received late", `
			INSERT INTO agent_intervals (cluster_id, node_name, interval_start, interval_end, received_at)
			VALUES ('prod', 'n1', '2026-10-06T23:00:00Z', '2026-10-06T23:01:00Z', clock_timestamp() + interval '1 second')`,
			[]tally.Hour{late}},
		{"bill ingested after day 1 was computed", `
			UPDATE attribution_hours SET computed_at = computed_at - interval '1 day' WHERE hour < '2026-10-06T00:00:00Z'`,
			w.Hours()}, // the whole month of the period: its hours cannot be told apart any more
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			fixture.OneNode(t, db, 48)
			if _, err := db.EnsurePartitions(ctx, w.Start, w.End); err != nil {
				t.Fatal(err)
			}
			job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
			if _, err := job.Attribute(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			db.Exec(t, `ALTER TABLE attribution_hours DROP COLUMN read_snapshot;
				ALTER TABLE billing_periods DROP COLUMN ingest_xid; ALTER TABLE agent_intervals DROP COLUMN xid`)
			if tc.before != "" {
				db.Exec(t, tc.before)
			}
			db.Exec(t, string(sql))
			stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(stale, tc.want) {
				t.Errorf("stale hours after the migration: %v, want %v", stale, tc.want)
			}
			if _, err := job.Attribute(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
				t.Errorf("stale hours after recomputing: %v, %v; want none", stale, err)
			}
		})
	}
}

// TestBulkWritesMakeTheirHoursStale: the bulk writers (UpsertUsage,
// AddFunctionSamples, UpsertPods, UpsertNodes: fixtures, tests, loaders)
// write the data attribution reads, as an agent batch does, but recorded
// no writer: an hour attributed and then given more usage through them
// was never stale, so never recomputed without --force. The hours their
// data covers are stale, the others are not, and recomputing settles them.
func TestBulkWritesMakeTheirHoursStale(t *testing.T) {
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	h := tally.HourOf(day1.Add(30 * time.Hour))
	for _, tc := range []struct {
		name  string
		write func(db *postgres.DB) error
		want  []tally.Hour
	}{
		{"UpsertUsage", func(db *postgres.DB) error {
			return db.UpsertUsage(ctx, []tally.ContainerUsage{{Cluster: "prod", Interval: h.Window(), PodUID: "p1", Container: "api",
				NodeName: "n1", CPUCoreSeconds: 7200, MemoryWorkingSetAvg: 8 << 30, MemoryWorkingSetMax: 8 << 30}})
		}, []tally.Hour{h}},
		{"AddFunctionSamples", func(db *postgres.DB) error {
			return db.AddFunctionSamples(ctx, []tally.FunctionSample{{Cluster: "prod", Hour: h, PodUID: "p1", Container: "api",
				StackID: fixture.StackHot, Samples: 100, CPUNanos: 100e9}})
		}, []tally.Hour{h}},
		{"UpsertPods: a pod of one hour", func(db *postgres.DB) error {
			return db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-2", UID: "p2"},
				NodeName: "n1", OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: h.Start(), ValidTo: h.End(),
				Containers: []tally.Container{{Name: "api", CPURequest: 1, MemoryRequest: 4 << 30}}}})
		}, []tally.Hour{h}},
		{"UpsertPods: a running pod ends (its lifetime, old and new)", func(db *postgres.DB) error {
			return db.UpsertPods(ctx, []tally.Pod{{Ref: tally.PodRef{Cluster: "prod", Namespace: "shop", Name: "api-1", UID: "p1"},
				NodeName: "n1", OwnerKind: tally.KindDeployment, OwnerName: "api", ValidFrom: day1.Add(-time.Hour), ValidTo: h.Start(),
				Labels:     map[string]string{"app": "api", "team": "<script>alert(1)</script>"},
				Containers: []tally.Container{{Name: "api", Image: "shop/api:1.0", CPURequest: 1, MemoryRequest: 4 << 30}}}})
		}, tally.Window{Start: day1, End: w.End}.Hours()},
		{"UpsertNodes: a node without an instance id", func(db *postgres.DB) error {
			return db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n2", Name: "n2", InstanceType: "m5.large",
				Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
				ValidFrom: h.Start(), ValidTo: h.End()}})
		}, []tally.Hour{h}},
		{"UpsertNodes: a node with an instance id (its bill lines of the day are its)", func(db *postgres.DB) error {
			return db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n2", Name: "n2", InstanceID: "i-2", InstanceType: "m5.large",
				Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
				ValidFrom: h.Start(), ValidTo: h.End()}})
		}, tally.Window{Start: day1.Add(24 * time.Hour), End: w.End}.Hours()},
		{"UpsertStacks (attribution reads stack ids, not their frames)", func(db *postgres.DB) error {
			return db.UpsertStacks(ctx, []tally.Stack{{Cluster: "prod", ID: 7, Frames: []tally.Function{{Name: "main.main"}}}})
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			fixture.OneNode(t, db, 48)
			job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
			if _, err := job.Attribute(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(db); err != nil {
				t.Fatal(err)
			}
			stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(stale, tc.want) {
				t.Errorf("stale hours after %s: %v, want %v", tc.name, stale, tc.want)
			}
			if _, err := job.Attribute(ctx, w, false); err != nil {
				t.Fatal(err)
			}
			if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
				t.Errorf("stale hours after recomputing: %v, %v; want none", stale, err)
			}
		})
	}
}

// The cost gauges (/metrics) are of the latest attributed hour with costs
// on nodes: serve attributes up to now, and the hours after the agents'
// data ends hold no node, which left Grafana with no node_* series.
func TestLatestNodeHourSkipsHoursWithoutNodes(t *testing.T) {
	db := pgtest.New(t)
	if _, ok, err := db.LatestNodeHour(ctx); err != nil || ok {
		t.Fatalf("LatestNodeHour of an empty store = %v, %v; want none", ok, err)
	}
	fixture.OneNode(t, db, 48)
	// The node (and its agent's data) ends after 48 hours.
	end := fixture.Day1.Add(48 * time.Hour)
	if err := db.UpsertNodes(ctx, []tally.Node{{Cluster: "prod", UID: "n1", Name: "n1", InstanceID: "i-1", InstanceType: "m5.large",
		Region: "us-east-1", CPUCores: 2, MemoryBytes: 8 << 30, AllocatableCPU: 2, AllocatableMemory: 8 << 30,
		ValidFrom: fixture.Day1.Add(-time.Hour), ValidTo: end}}); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	// Six hours past it, as serve attributes them.
	if _, err := job.Attribute(ctx, tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(54 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	h, ok, err := db.LatestNodeHour(ctx)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	allocs, err := db.Allocations(ctx, "", h.Window())
	if err != nil {
		t.Fatal(err)
	}
	var onNodes int
	for _, a := range allocs {
		if a.Node != "" {
			onNodes++
		}
	}
	if onNodes == 0 {
		t.Errorf("LatestNodeHour = %v, which has no allocation on a node (%d allocations)", h, len(allocs))
	}
	if want := tally.HourOf(fixture.Day1.Add(47 * time.Hour)); h != want {
		t.Errorf("LatestNodeHour = %v, want %v: the last hour of the agent's data", h, want)
	}
}

// TestHoursOfAnotherEngineVersionAreStale: an hour computed by other
// attribution rules (before an upgrade that changed them) is stale, so the
// upgrade recomputes history instead of leaving it under the old rules; the
// hours stored before the version was recorded count as version 1.
// StaleHours knew nothing of the rules: a fix to them reached only hours
// whose data changed, or a run with --force.
func TestHoursOfAnotherEngineVersionAreStale(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 24)
	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.Add(24 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	old := tally.Window{Start: w.Start, End: w.Start.Add(3 * time.Hour)}
	db.Exec(t, `UPDATE attribution_hours SET engine_version = 1 WHERE hour < '`+old.End.Format(time.RFC3339)+`'`)
	stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stale, old.Hours()) {
		t.Errorf("stale hours: %v, want the hours of version 1, %v", stale, old.Hours())
	}
	sum, err := job.Attribute(ctx, w, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Hours != 3 {
		t.Errorf("attribute recomputed %d hours, want the 3 stale", sum.Hours)
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Errorf("stale hours after recomputing: %v, %v; want none", stale, err)
	}
}
