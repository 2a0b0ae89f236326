package main

import (
	"context"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/logtest"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

// TestPruneCommand drops a month of old partitions with tally prune, after
// a dry run that sums them by table (or lists each) and drops nothing.
func TestPruneCommand(t *testing.T) {
	url, db := oneNodeDatabase(t)
	ctx := context.Background()
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.EnsurePartitions(ctx, jan, jan.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	tly := mustTally(t, "--database-url", url, "--log-level", "warn")
	tly("attribute", "--from", "2026-10-05", "--to", "2026-10-07")

	// Keep what is newer than about March 2025, whatever today is: January
	// 2025 goes, the fixture's October 2026 stays.
	keep := strconv.Itoa(int(time.Since(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))/(24*time.Hour))) + "d"
	out := tly("prune", "--keep", keep, "--dry-run")
	for _, want := range []string{"TABLE  ", "PARTITIONS", "container_usage  ", "allocations  ", "2025-01-01", "2025-02-01", "would drop 5 partitions"} {
		if !strings.Contains(out, want) {
			t.Errorf("prune --dry-run: no %q in\n%s", want, out)
		}
	}
	each := tly("prune", "--keep", keep, "--dry-run", "--partitions")
	for _, want := range []string{"container_usage_p2025_01_01", "allocations_p2025_01", "would drop 5 partitions"} {
		if !strings.Contains(each, want) {
			t.Errorf("prune --dry-run --partitions: no %q in\n%s", want, each)
		}
	}
	if strings.Contains(out, "2026-10") {
		t.Errorf("prune --dry-run lists the fixture's October 2026:\n%s", out)
	}
	if p, err := db.PrunedBefore(ctx); err != nil || !p.IsZero() {
		t.Errorf("after the dry run, PrunedBefore = %v, %v; want nothing dropped", p, err)
	}

	if out := tly("prune", "--keep", keep); !strings.Contains(out, "dropped 5 partitions") {
		t.Errorf("prune:\n%s", out)
	}
	if p, err := db.PrunedBefore(ctx); err != nil || !p.Equal(jan.AddDate(0, 1, 0)) {
		t.Errorf("after the prune, PrunedBefore = %v, %v; want 2025-02-01, the end of the month partitions dropped", p, err)
	}
	if out := tly("prune", "--keep", keep); !strings.HasPrefix(out, "nothing to prune") {
		t.Errorf("prune again:\n%s", out)
	}
	if out := tly("costs", "--window", "2026-10-05T00:00:00Z,2026-10-07T00:00:00Z"); !strings.Contains(out, "TOTAL") {
		t.Errorf("costs after the prune:\n%s", out)
	}

	// Function samples: both attributed days of them go, and their
	// stack costs by hour stay.
	keepSamples := strconv.Itoa(int(time.Since(time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC))/(24*time.Hour))) + "d"
	out = tly("prune", "--keep-samples", keepSamples, "--dry-run")
	for _, want := range []string{"function_samples  2", "would drop 2 partitions", "of function samples from 2026-10-05 to 2026-10-07"} {
		if !strings.Contains(out, want) {
			t.Errorf("prune --keep-samples --dry-run: no %q in\n%s", want, out)
		}
	}
	if p, err := db.SamplesPrunedBefore(ctx); err != nil || !p.IsZero() {
		t.Errorf("after the dry run, SamplesPrunedBefore = %v, %v; want nothing dropped", p, err)
	}
	if out := tly("prune", "--keep", keep, "--keep-samples", keepSamples); !strings.Contains(out, "dropped 2 partitions") ||
		!strings.Contains(out, "nothing to prune: no hourly or raw data") {
		t.Errorf("prune --keep-samples:\n%s", out)
	}
	if p, err := db.SamplesPrunedBefore(ctx); err != nil || !p.Equal(time.Date(2026, 10, 7, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after the prune, SamplesPrunedBefore = %v, %v; want 2026-10-07", p, err)
	}
	if out := tly("prune", "--keep-samples", keepSamples); !strings.HasPrefix(out, "nothing to prune: no function samples") {
		t.Errorf("prune --keep-samples again:\n%s", out)
	}

	for _, args := range [][]string{{"prune", "--keep", "30d"}, {"prune", "--keep", "400"}, {"prune"}, {"serve", "--retention", "7d"},
		{"prune", "--keep-samples", "31d"}, {"prune", "--keep", "100d", "--keep-samples", "200d"}, {"serve", "--sample-retention", "7d"},
		{"serve", "--retention", "100d", "--sample-retention", "101d"}} {
		if code, _, errOut := runTally(append([]string{"--database-url", url}, args...)...); code != exitUsage || !strings.Contains(errOut, "--") {
			t.Errorf("tally %s: exit %d, %s; want a usage error", strings.Join(args, " "), code, errOut)
		}
	}
	if code, _, errOut := runTally("--database-url", url, "prune", "--keep", "off"); code == 0 || !strings.Contains(errOut, "nothing to prune") {
		t.Errorf("prune --keep off: exit %d, %s", code, errOut)
	}
}

func TestRetentionFlag(t *testing.T) {
	var r retention
	if err := r.UnmarshalText([]byte("400d")); err != nil || r.Days != 400 || r.String() != "400d" {
		t.Errorf("400d: %+v, %v", r, err)
	}
	if err := r.UnmarshalText([]byte("off")); err != nil || r.Days != 0 || r.String() != "off" {
		t.Errorf("off: %+v, %v", r, err)
	}
	for _, bad := range []string{"92d", "400", "1y", "13w", "-400d", "36601d", ""} {
		if err := r.UnmarshalText([]byte(bad)); err == nil || !strings.Contains(err.Error(), "at least 93d") {
			t.Errorf("%q: %v; want an error naming the least", bad, err)
		}
	}
	var s sampleRetention
	if err := s.UnmarshalText([]byte("32d")); err != nil || s.Days != 32 || s.String() != "32d" {
		t.Errorf("samples 32d: %+v, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("31d")); err == nil || !strings.Contains(err.Error(), "at least 32d (the oldest data agents send") {
		t.Errorf("samples 31d: %v; want an error naming the least", err)
	}
	now := time.Date(2026, 11, 24, 15, 4, 0, 0, time.UTC)
	if got, want := (retention{Days: 100}).before(now), time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("100 days before %v: %v, want %v", now, got, want)
	}
}

// TestServePrunes: with --retention, serve's partition maintenance drops
// what is older; with --sample-retention, older function samples; without
// either, it keeps everything.
func TestServePrunes(t *testing.T) {
	db := pgtest.New(t)
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.EnsurePartitions(context.Background(), jan, jan.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	maintain := func(keep retention, keepSamples sampleRetention, until string) string {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var logs logtest.Buffer
		a := &app{globals: &globals{}, log: slog.New(slog.NewTextHandler(&logs, nil))}
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.maintainPartitions(ctx, db, keep, keepSamples)
		}()
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), until); {
			if time.Now().After(deadline) {
				t.Fatalf("no %q logged in 30 s:\n%s", until, logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		return logs.String()
	}
	if logs := maintain(retention{}, sampleRetention{}, "created partitions ahead"); strings.Contains(logs, "dropped") {
		t.Errorf("with retention off, serve dropped data:\n%s", logs)
	}
	if p, err := db.PrunedBefore(context.Background()); err != nil || !p.IsZero() {
		t.Errorf("with retention off, PrunedBefore = %v, %v", p, err)
	}
	logs := maintain(retention{Days: 100}, sampleRetention{}, "dropped hourly and raw data")
	if !strings.Contains(logs, "partitions=5") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("with retention 100d:\n%s\nwant 5 partitions dropped and no error", logs)
	}
	if p, err := db.PrunedBefore(context.Background()); err != nil || !p.Equal(jan.AddDate(0, 1, 0)) {
		t.Errorf("with retention 100d, PrunedBefore = %v, %v; want 2025-02-01", p, err)
	}

	// With a retention of samples, only their day goes.
	mar := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.EnsurePartitions(context.Background(), mar, mar.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	logs = maintain(retention{}, sampleRetention{retention{Days: 40}}, "dropped function samples")
	if !strings.Contains(logs, "partitions=1") || strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "dropped hourly") {
		t.Errorf("with a sample retention of 40d:\n%s\nwant 1 partition of samples dropped, nothing else and no error", logs)
	}
	if p, err := db.SamplesPrunedBefore(context.Background()); err != nil || !p.Equal(mar.AddDate(0, 0, 1)) {
		t.Errorf("with a sample retention of 40d, SamplesPrunedBefore = %v, %v; want 2025-03-02", p, err)
	}
}

// TestWritePrunedByTable: a line a table, with how many partitions, the
// time they span and their size; the total after.
func TestWritePrunedByTable(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	parts := []postgres.Partition{
		{Table: "allocations", Name: "allocations_p2025_01", Window: tally.Window{Start: day(1), End: day(32)}, Bytes: 3 << 30},
		{Table: "container_usage", Name: "container_usage_p2025_01_01", Window: tally.Window{Start: day(1), End: day(2)}, Bytes: 1 << 20},
		{Table: "container_usage", Name: "container_usage_p2025_01_02", Window: tally.Window{Start: day(2), End: day(3)}, Bytes: 2 << 20},
		{Table: "container_usage", Name: "container_usage_p2025_01_03", Window: tally.Window{Start: day(3), End: day(4)}, Bytes: 1 << 20},
	}
	samples := []postgres.Partition{
		{Table: "function_samples", Name: "function_samples_p2025_01_05", Window: tally.Window{Start: day(5), End: day(6)}, Bytes: 5 << 20},
		{Table: "function_samples", Name: "function_samples_p2025_01_06", Window: tally.Window{Start: day(6), End: day(7)}, Bytes: 5 << 20},
	}
	p := pruned{hourly: true, samples: true, hourlyBefore: day(4), samplesBefore: day(10), hourlyParts: parts,
		samplePlan: postgres.SamplesPrune{Partitions: samples, Unread: tally.HourOf(day(7).Add(3 * time.Hour)), HasUnread: true}}
	var b strings.Builder
	if err := p.write(&b, false); err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(` +`)
	got := strings.Split(strings.TrimSpace(space.ReplaceAllString(b.String(), " ")), "\n")
	want := []string{
		"TABLE PARTITIONS FROM TO SIZE",
		"allocations 1 2025-01-01 2025-02-01 3.0 GiB",
		"container_usage 3 2025-01-01 2025-01-04 4.0 MiB",
		"function_samples 2 2025-01-05 2025-01-07 10.0 MiB",
		"dropped 4 partitions (3.0 GiB) of data before 2025-01-04; the bill and the daily rollups are kept",
		"dropped 2 partitions (10.0 MiB) of function samples from 2025-01-05 to 2025-01-07; the stack costs by hour attributed from them are kept",
		"kept the function samples from 2025-01-07 on: hour 2025-01-07T03:00Z was not attributed since its samples were stored (tally attribute attributes it; prune again after)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("write:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
