package ingest_test

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/ingest"
)

// failingStore is a Store whose ReplacePeriods fails after taking some
// lines, as a database that runs out of disk does.
type failingStore struct {
	after    int
	err      error
	finished tally.IngestRun
}

func (s *failingStore) StartIngestRun(context.Context, string, []tally.IngestFile) (int64, error) {
	return 1, nil
}

func (s *failingStore) ReplacePeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error], waiting func(tally.BillingPeriodKey), _ []string) ([]tally.SourceOverlap, error) {
	return nil, s.replace(ctx, source, runID, lines, waiting)
}

func (s *failingStore) replace(_ context.Context, _ string, _ int64, lines iter.Seq2[*tally.CostLine, error], _ func(tally.BillingPeriodKey)) error {
	n := 0
	for _, err := range lines {
		if err != nil {
			return err
		}
		if n++; n == s.after {
			return s.err
		}
	}
	return nil
}

func (s *failingStore) RecordIngestRejects(context.Context, int64, []tally.IngestReject) error {
	return nil
}

func (s *failingStore) FinishIngestRun(_ context.Context, r tally.IngestRun) error {
	s.finished = r
	return nil
}

// manyLines is a Parser that emits n valid lines, whatever its input.
type manyLines int

func (n manyLines) Parse(ctx context.Context, in *ingest.Input, emit ingest.Emit) error {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cost, err := tally.ParseMoney("0.25", "USD")
	if err != nil {
		return err
	}
	for i := range int64(n) {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := tally.CostLine{BillingAccountID: "111", BillingPeriodStart: start, ChargePeriodStart: start, BilledCost: cost, EffectiveCost: cost}
		if err := emit(i+1, &l, nil); err != nil {
			return err
		}
	}
	return nil
}

// When the store fails, the run fails with the store's error, not with
// the cancellation that stops the reader; ingest_runs records it too.
func TestRunStoreError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bill.csv")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "copy cost lines: ERROR: disk full (SQLSTATE 53100)"
	st := &failingStore{after: 10, err: errors.New(want)}
	_, err := ingest.Run(context.Background(), st, "focus", manyLines(100_000), []ingest.File{{Name: p, Path: p}}, ingest.Options{})
	if err == nil || err.Error() != want {
		t.Errorf("Run: got %v, want %s", err, want)
	}
	if st.finished.Status != "failed" || !strings.Contains(st.finished.Error, want) {
		t.Errorf("ingest run: %s %q, want failed %q", st.finished.Status, st.finished.Error, want)
	}
}

// cancelAfterCommitStore commits every line, then the user interrupts:
// like pgx, it refuses to work on a cancelled context.
type cancelAfterCommitStore struct {
	cancel    context.CancelFunc
	committed int
	rejects   int
	finished  *tally.IngestRun
}

func (s *cancelAfterCommitStore) StartIngestRun(context.Context, string, []tally.IngestFile) (int64, error) {
	return 7, nil
}

func (s *cancelAfterCommitStore) ReplacePeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error], waiting func(tally.BillingPeriodKey), _ []string) ([]tally.SourceOverlap, error) {
	return nil, s.replace(ctx, source, runID, lines, waiting)
}

func (s *cancelAfterCommitStore) replace(_ context.Context, _ string, _ int64, lines iter.Seq2[*tally.CostLine, error], _ func(tally.BillingPeriodKey)) error {
	for _, err := range lines {
		if err != nil {
			return err
		}
		s.committed++
	}
	s.cancel() // Ctrl-C right after COMMIT
	return nil
}

func (s *cancelAfterCommitStore) RecordIngestRejects(ctx context.Context, _ int64, r []tally.IngestReject) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.rejects += len(r)
	return nil
}

func (s *cancelAfterCommitStore) FinishIngestRun(ctx context.Context, r tally.IngestRun) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.finished = &r
	return nil
}

// An interruption after the commit does not lose the run's record: the
// bill is in, so the run is finished as committed and Run succeeds.
func TestRunCancelAfterCommit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bill.csv")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := &cancelAfterCommitStore{cancel: cancel}
	res, err := ingest.Run(ctx, st, "focus", manyLines(1000), []ingest.File{{Name: p, Path: p}}, ingest.Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if st.committed != 1000 || !res.Committed {
		t.Errorf("committed %d lines, Result.Committed %v; want 1000, true", st.committed, res.Committed)
	}
	if st.finished == nil || st.finished.Status != "committed" {
		t.Errorf("ingest run finished as %+v, want committed", st.finished)
	}
}

// When recording a committed run fails, Run says the bill was committed.
func TestRunRecordFailsAfterCommit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bill.csv")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := &recordFailsStore{failingStore: failingStore{after: -1}}
	res, err := ingest.Run(context.Background(), st, "focus", manyLines(10), []ingest.File{{Name: p, Path: p}}, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), "committed") || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("Run: got %v, want an error saying the bill was committed", err)
	}
	if res == nil || !res.Committed {
		t.Errorf("Result.Committed false after a commit")
	}
}

type recordFailsStore struct{ failingStore }

func (s *recordFailsStore) FinishIngestRun(context.Context, tally.IngestRun) error {
	return errors.New("connection reset by peer")
}

// waitingStore reads every line, then finds each period it wrote being
// written by another ingest, as postgres does before it takes the
// period's lock.
type waitingStore struct{ failingStore }

func (s *waitingStore) ReplacePeriods(ctx context.Context, source string, runID int64, lines iter.Seq2[*tally.CostLine, error], waiting func(tally.BillingPeriodKey), _ []string) ([]tally.SourceOverlap, error) {
	return nil, s.replace(ctx, source, runID, lines, waiting)
}

func (s *waitingStore) replace(_ context.Context, source string, _ int64, lines iter.Seq2[*tally.CostLine, error], waiting func(tally.BillingPeriodKey)) error {
	var keys []tally.BillingPeriodKey
	for l, err := range lines {
		if err != nil {
			return err
		}
		k := tally.BillingPeriodKey{BillingAccountID: l.BillingAccountID, Start: tally.MonthStart(l.BillingPeriodStart), Source: source}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		waiting(k)
	}
	return nil
}

// A run whose write waits for another ingest of a period says so through
// Progress, after the progress of reading.
func TestRunReportsWaitingForAnotherIngest(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bill.csv")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []ingest.Progress
	st := &waitingStore{failingStore{after: -1}}
	_, err := ingest.Run(context.Background(), st, "focus", manyLines(10), []ingest.File{{Name: p, Path: p}},
		ingest.Options{Progress: func(p ingest.Progress) { got = append(got, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 {
		t.Fatalf("progress %+v: want the end of reading, then waiting", got)
	}
	last := got[len(got)-1]
	want := tally.BillingPeriodKey{BillingAccountID: "111", Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Source: "focus"}
	if last.Waiting == nil || *last.Waiting != want || last.Rows != 10 {
		t.Errorf("last progress %+v (waiting %v), want 10 rows, waiting for %+v", last, last.Waiting, want)
	}
	for _, p := range got[:len(got)-1] {
		if p.Waiting != nil {
			t.Errorf("progress %+v waits for %+v before the write", p, *p.Waiting)
		}
	}
}
