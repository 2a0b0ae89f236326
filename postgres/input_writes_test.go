package postgres_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// usageOf is a bulk write of pod p1's usage in hours hs.
func usageOf(hs ...tally.Hour) []tally.ContainerUsage {
	var us []tally.ContainerUsage
	for _, h := range hs {
		us = append(us, tally.ContainerUsage{Cluster: "prod", Interval: h.Window(), PodUID: "p1", Container: "api",
			NodeName: "n1", CPUCoreSeconds: 3600, MemoryWorkingSetAvg: 4 << 30, MemoryWorkingSetMax: 4 << 30})
	}
	return us
}

func expectStale(t *testing.T, db *postgres.DB, w tally.Window, when string, want ...tally.Hour) {
	t.Helper()
	stale, err := db.StaleHours(ctx, w, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stale, want) {
		t.Errorf("stale hours %s: %v, want %v", when, stale, want)
	}
}

func expectInputWrites(t *testing.T, db *postgres.DB, when string, want ...string) {
	t.Helper()
	if got := db.InputWrites(t); !slices.Equal(got, want) {
		t.Errorf("input writes %s: %q, want %q", when, got, want)
	}
}

// TestInputWritesArePrunedOnceRead: every bulk write recorded a row of
// input_writes, which StaleHours scans, and none was ever deleted. A row
// goes once every attributed hour its span overlaps was read after the
// write (hours never attributed are stale anyway); one covering an hour
// not read since stays, and keeps it stale.
func TestInputWritesArePrunedOnceRead(t *testing.T) {
	postgres.SetInputWritePruneAge(t, 0)
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48) // nodes and pods from day 1 − 1 h on, still running; samples of days 1 and 2
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	// The nodes' (with instance ids) from the start of their first day;
	// the price's (m5.large's first: it prices n1's unbilled hours, all
	// of them before the bill) from n1's start.
	expectInputWrites(t, db, "after the fixture's bulk writes",
		"2026-10-04T00:00 infinity", "2026-10-04T23:00 infinity", "2026-10-04T23:00 infinity", "2026-10-05T00:00 2026-10-07T00:00")
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing every hour they cover")
	expectStale(t, db, w, "after attributing")

	// Usage of an hour of day 1 and one of day 2: the hours from the one
	// to the other are stale. Day 1 read again, the write's row stays for
	// day 2's, not read since.
	h1, h2 := tally.HourOf(day1.Add(10*time.Hour)), tally.HourOf(day1.Add(30*time.Hour))
	if err := db.UpsertUsage(ctx, usageOf(h1, h2)); err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after the usage write", tally.Window{Start: h1.Start(), End: h2.End()}.Hours()...)
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing day 1 only", "2026-10-05T10:00 2026-10-06T07:00")
	expectStale(t, db, w, "after attributing day 1 only", tally.Window{Start: day1.Add(24 * time.Hour), End: h2.End()}.Hours()...)
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing day 2")
	expectStale(t, db, w, "after attributing day 2")
}

// TestInputWritesYoungerThanThePruneAgeStay: a row is pruned only once it
// is inputWritePruneAge old, however soon its hours are read again.
func TestInputWritesYoungerThanThePruneAgeStay(t *testing.T) {
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing, written just now",
		"2026-10-04T00:00 infinity", "2026-10-04T23:00 infinity", "2026-10-04T23:00 infinity", "2026-10-05T00:00 2026-10-07T00:00")
	db.Exec(t, `UPDATE input_writes SET written_at = written_at - interval '61 minutes' WHERE span_end <> 'infinity'`)
	h := tally.HourOf(day1.Add(30 * time.Hour))
	if err := db.UpsertUsage(ctx, usageOf(h)); err != nil {
		t.Fatal(err)
	}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing h, the samples' row an hour old",
		"2026-10-04T00:00 infinity", "2026-10-04T23:00 infinity", "2026-10-04T23:00 infinity", "2026-10-06T06:00 2026-10-06T07:00")
	expectStale(t, db, w, "after attributing")
}

// TestPruneDoesNotOvertakeAnEarlierRead: a job that read before a bulk
// write committed and saves its hours after another run read them again
// and pruned the write's row records hours computed without the write.
// They are stale, as if the row were still there, and the next run
// settles them.
func TestPruneDoesNotOvertakeAnEarlierRead(t *testing.T) {
	postgres.SetInputWritePruneAge(t, 0)
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	h := tally.HourOf(day1.Add(30 * time.Hour))
	slow, err := db.ReadMark(ctx) // a job starts reading, and takes its time
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertUsage(ctx, usageOf(h)); err != nil {
		t.Fatal(err)
	}
	if _, err := job.Attribute(ctx, w, false); err != nil { // another run reads h again, and prunes the write
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after the second run")
	expectStale(t, db, w, "after the second run")
	// The slow job saves h as it read it: without the usage.
	if err := db.SaveHours(ctx, []attribution.HourState{{Hour: h, Read: slow, Share: attribution.ShareMax}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after the job that read before the write saved h", h)
	// A save from a read that began after the prune marks nothing.
	fresh, err := db.ReadMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h2 := tally.HourOf(day1.Add(31 * time.Hour))
	if err := db.SaveHours(ctx, []attribution.HourState{{Hour: h2, Read: fresh, Share: attribution.ShareMax}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after a save read after the prune", h)
	if _, err := job.Attribute(ctx, w, true); err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after recomputing")
	expectInputWrites(t, db, "after recomputing")
}

// TestBulkWriteRunningDuringAPruneStaysStale: a bulk write that has
// recorded its row but not committed when attribution reads its hour and
// prunes makes the hour stale once it commits.
func TestBulkWriteRunningDuringAPruneStaysStale(t *testing.T) {
	postgres.SetInputWritePruneAge(t, 0)
	db := pgtest.New(t)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	h := tally.HourOf(day1.Add(30 * time.Hour))
	if err := db.UpsertUsage(ctx, usageOf(h)); err != nil {
		t.Fatal(err)
	}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing")

	// The write of h's usage again records its row, then waits for the
	// usage row's lock; every hour is read again meanwhile and pruned.
	release := db.HoldLocks(t, `SELECT 1 FROM container_usage WHERE pod_uid = 'p1' AND interval_start = $1 FOR UPDATE`, h.Start())
	done := make(chan error, 1)
	go func() {
		u := usageOf(h)
		u[0].CPUCoreSeconds = 7200
		done <- db.UpsertUsage(ctx, u)
	}()
	db.WaitForLockWaiter(t)
	if sum, err := job.Attribute(ctx, w, true); err != nil || sum.Hours != 48 {
		t.Fatalf("attribute during the write: %+v, %v", sum, err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after the write committed", h)
	if _, err := job.Attribute(ctx, w, false); err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after recomputing")
	expectInputWrites(t, db, "after recomputing")
}

// TestPruneUnderRepeatableReadDefault: a database whose sessions default to
// REPEATABLE READ must not let a prune take the snapshot of its save's
// first statement. Save A waits for an hour's row while save B records
// hour h as read without bulk write W and commits; A's prune must see B's
// record and keep W's row, or h is never stale again.
func TestPruneUnderRepeatableReadDefault(t *testing.T) {
	postgres.SetInputWritePruneAge(t, 0)
	url := pgtest.NewURL(t, true)
	setDatabaseDefault(t, url, "default_transaction_isolation", "repeatable read")
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	fixture.OneNode(t, db, 48)
	day1 := fixture.Day1
	w := tally.Window{Start: day1, End: day1.Add(48 * time.Hour)}
	job := &attribution.Job{Engine: attribution.NewEngine(attribution.Policy{}), Store: db}
	if _, err := job.Attribute(ctx, tally.Window{Start: day1, End: day1.Add(24 * time.Hour)}, false); err != nil {
		t.Fatal(err)
	}
	expectInputWrites(t, db, "after attributing day 1")

	h := tally.HourOf(day1.Add(30 * time.Hour)) // day 2, never attributed
	h2 := tally.HourOf(day1.Add(5 * time.Hour)) // day 1
	slow, err := db.ReadMark(ctx)               // job B reads before W
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpsertUsage(ctx, usageOf(h)); err != nil { // W
		t.Fatal(err)
	}
	fresh, err := db.ReadMark(ctx) // job A reads h2 after W
	if err != nil {
		t.Fatal(err)
	}
	release := db.HoldLocks(t, `SELECT 1 FROM attribution_hours WHERE hour = $1 FOR UPDATE`, h2.Start())
	done := make(chan error, 1)
	go func() {
		done <- db.SaveHours(ctx, []attribution.HourState{{Hour: h2, Read: fresh, Share: attribution.ShareMax}}, nil, nil)
	}()
	db.WaitForLockWaiter(t)
	if err := db.SaveHours(ctx, []attribution.HourState{{Hour: h, Read: slow, Share: attribution.ShareMax}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	expectStale(t, db, w, "after B saved h read before W", tally.Window{Start: day1.Add(24 * time.Hour), End: w.End}.Hours()...)
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	stale, err := db.StaleHours(ctx, tally.Window{Start: h.Start(), End: h.End()}, attribution.ShareMax)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 {
		t.Errorf("hour %v, read before bulk write W and saved after it committed: stale %v, want [%v]; input_writes %q",
			h, stale, h, db.InputWrites(t))
	}
}
