package postgres_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// withSamples gives each interval of b, of pod uid's container app, n
// samples of each stack, in the hour the interval starts.
func withSamples(b tally.AgentIngest, uid string, n int64, stacks ...int64) tally.AgentIngest {
	for i := range b.Intervals {
		iv := &b.Intervals[i]
		for _, s := range stacks {
			iv.Samples = append(iv.Samples, tally.FunctionSample{Cluster: b.Cluster, Hour: tally.HourOf(iv.Window.Start),
				PodUID: uid, Container: "app", StackID: s, Samples: n, CPUNanos: n * 10_000_000})
		}
	}
	return b
}

// sampleSums returns the samples of w as "hour pod container stack: samples cpu" lines.
func sampleSums(t *testing.T, db *postgres.DB, w tally.Window) []string {
	t.Helper()
	samples, err := db.FunctionSamples(ctx, "", w)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range samples {
		out = append(out, fmt.Sprintf("%s %s %s %s %d: %d %d", s.Cluster, s.Hour, s.PodUID, s.Container, s.StackID, s.Samples, s.CPUNanos))
	}
	return out
}

// TestCompactionKeepsFunctionSampleSums: agent batches append their
// samples; compacting them leaves one row per hour × container × stack
// holding the same sums, also with a compacted row written before
// (AddFunctionSamples) and in chunks smaller than an hour's rows.
func TestCompactionKeepsFunctionSampleSums(t *testing.T) {
	db := pgtest.New(t)
	postgres.SetCompactChunk(t, 2)
	d := fixture.Day1
	w := tally.Window{Start: d, End: d.Add(48 * time.Hour)}
	iv := func(h, m0, m1 int) tally.Window {
		return tally.Window{Start: d.Add(time.Duration(h)*time.Hour + time.Duration(m0)*time.Minute), End: d.Add(time.Duration(h)*time.Hour + time.Duration(m1)*time.Minute)}
	}
	pod := agentPod{uid: "p1", started: d, cpu: 0.5}
	agentFixture(t, db,
		withSamples(agentBatch(2, []tally.Window{iv(1, 0, 10), iv(1, 10, 20)}, pod), "p1", 3, 7, 8),
		withSamples(agentBatch(2, []tally.Window{iv(1, 20, 30), iv(2, 0, 10)}, pod), "p1", 5, 7, 9),
		// Sent again: its samples were counted once.
		withSamples(agentBatch(2, []tally.Window{iv(1, 20, 30)}, pod), "p1", 5, 7, 9))
	if err := db.AddFunctionSamples(ctx, []tally.FunctionSample{
		{Cluster: "prod", Hour: tally.HourOf(d.Add(time.Hour)), PodUID: "p1", Container: "app", StackID: 7, Samples: 100, CPUNanos: 1}}); err != nil {
		t.Fatal(err)
	}
	h1, h2 := tally.HourOf(d.Add(time.Hour)), tally.HourOf(d.Add(2*time.Hour))
	want := []string{
		fmt.Sprintf("prod %s p1 app 7: 111 110000001", h1),
		fmt.Sprintf("prod %s p1 app 8: 6 60000000", h1),
		fmt.Sprintf("prod %s p1 app 9: 5 50000000", h1),
		fmt.Sprintf("prod %s p1 app 7: 5 50000000", h2),
		fmt.Sprintf("prod %s p1 app 9: 5 50000000", h2),
	}
	if got := sampleSums(t, db, w); !slices.Equal(got, want) {
		t.Fatalf("before compaction:\n%q\nwant\n%q", got, want)
	}
	// A batch appends a row per hour × container × stack: 2 rows, then 4.
	if a, c := db.FunctionSampleRows(t); a != 6 || c != 1 {
		t.Fatalf("before compaction: %d appended rows, %d compacted, want 6 and 1", a, c)
	}

	c, err := db.CompactFunctionSamples(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (postgres.Compaction{Hours: 2, Appended: 6, Merged: 6}); c != want {
		t.Errorf("compaction %+v, want %+v", c, want)
	}
	if got := sampleSums(t, db, w); !slices.Equal(got, want) {
		t.Errorf("after compaction:\n%q\nwant\n%q", got, want)
	}
	if a, c := db.FunctionSampleRows(t); a != 0 || c != len(want) {
		t.Errorf("after compaction: %d appended rows, %d compacted, want 0 and %d", a, c, len(want))
	}
	if c, err := db.CompactFunctionSamples(ctx); err != nil || c != (postgres.Compaction{}) {
		t.Errorf("compacting again: %+v, %v; want nothing to do", c, err)
	}
}

// TestCompactionMakesNoHourStale: compacting changes no sum attribution
// reads, so the hours attributed before stay attributed, and a forced run
// gives what they hold.
func TestCompactionMakesNoHourStale(t *testing.T) {
	db := pgtest.New(t)
	d := fixture.Day1
	w := tally.Window{Start: d, End: d.Add(48 * time.Hour)}
	pod := agentPod{uid: "p1", started: d, cpu: 0.5}
	agentFixture(t, db,
		withSamples(agentBatch(2, []tally.Window{{Start: d.Add(time.Hour), End: d.Add(2 * time.Hour)}}, pod), "p1", 3, 7, 8),
		withSamples(agentBatch(2, []tally.Window{{Start: d.Add(2 * time.Hour), End: d.Add(3 * time.Hour)}}, pod), "p1", 2, 7))
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	if c, err := db.CompactFunctionSamples(ctx); err != nil || c.Appended != 3 {
		t.Fatalf("compaction %+v, %v; want 3 appended rows moved", c, err)
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) > 0 {
		t.Errorf("stale after compacting: %v, %v", stale, err)
	}
	expectNormalRunAsForced(t, db, job, w, "compaction")
}

// TestCompactionRacingAgentBatchesLosesNothing: two compactors, moving
// three rows a statement, run while an agent appends; every sample is
// counted once, during the race and after.
func TestCompactionRacingAgentBatchesLosesNothing(t *testing.T) {
	db := pgtest.New(t)
	postgres.SetCompactChunk(t, 3)
	d := fixture.Day1
	w := tally.Window{Start: d, End: d.Add(48 * time.Hour)}
	agentFixture(t, db)
	const batches = 40
	done := make(chan struct{})
	var wg sync.WaitGroup
	var moved [2]int64
	for i := range moved {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := db.CompactFunctionSamples(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				moved[i] += c.Appended
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	pod := agentPod{uid: "p1", started: d, cpu: 0.5}
	for i := range batches {
		start := d.Add(time.Hour + time.Duration(i)*3*time.Minute) // hours 1 and 2
		b := withSamples(agentBatch(2, []tally.Window{{Start: start, End: start.Add(3 * time.Minute)}}, pod), "p1", 1, 1, 2, 3, 4, 5)
		if err := db.StoreAgentData(ctx, b); err != nil {
			t.Fatal(err)
		}
		if got := sampleTotal(t, db, w); got != int64(5*(i+1)) {
			t.Fatalf("after batch %d: %d samples stored, want %d", i, got, 5*(i+1))
		}
	}
	close(done)
	wg.Wait()
	c, err := db.CompactFunctionSamples(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("moved during the race: %d, %d; after: %d", moved[0], moved[1], c.Appended)
	if got := moved[0] + moved[1] + c.Appended; got != 5*batches {
		t.Errorf("compactions moved %d appended rows, want %d", got, 5*batches)
	}
	if got := sampleTotal(t, db, w); got != 5*batches {
		t.Errorf("%d samples stored, want %d", got, 5*batches)
	}
	if a, c := db.FunctionSampleRows(t); a != 0 || c != 10 {
		t.Errorf("%d appended rows, %d compacted; want 0 and 10 (2 hours × 5 stacks)", a, c)
	}
}

func sampleTotal(t *testing.T, db *postgres.DB, w tally.Window) int64 {
	t.Helper()
	samples, err := db.FunctionSamples(ctx, "", w)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, s := range samples {
		n += s.Samples
	}
	return n
}

// TestMigrationKeepsStoredSamplesCompacted: the samples stored before
// migration 022 are compacted rows, which later samples add to.
func TestMigrationKeepsStoredSamplesCompacted(t *testing.T) {
	url := pgtest.NewURL(t, false)
	conn := migratedTo(t, url, 21)
	d := fixture.Day1
	if _, err := conn.Exec(ctx, `SELECT tally_create_partitions('function_samples', $1, $2)`, d, d.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO function_samples (cluster_id, hour, pod_uid, container, stack_id, samples, cpu_nanos)
		VALUES ('prod', $1, 'p1', 'app', 7, 4, 40), ('prod', $1, 'p1', 'app', 8, 1, 10)`, d); err != nil {
		t.Fatal(err)
	}
	db := migrated(t, url)
	if a, c := db.FunctionSampleRows(t); a != 0 || c != 2 {
		t.Errorf("%d appended rows, %d compacted; want the 2 stored before compacted", a, c)
	}
	if err := db.AddFunctionSamples(ctx, []tally.FunctionSample{
		{Cluster: "prod", Hour: tally.HourOf(d), PodUID: "p1", Container: "app", StackID: 7, Samples: 1, CPUNanos: 1}}); err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("prod %s p1 app 7: 5 41", tally.HourOf(d)), fmt.Sprintf("prod %s p1 app 8: 1 10", tally.HourOf(d))}
	if got := sampleSums(t, db, tally.Window{Start: d, End: d.Add(time.Hour)}); !slices.Equal(got, want) {
		t.Errorf("samples %q, want %q", got, want)
	}
	if a, c := db.FunctionSampleRows(t); a != 0 || c != 2 {
		t.Errorf("after adding: %d appended rows, %d compacted; want 0 and 2", a, c)
	}
}
