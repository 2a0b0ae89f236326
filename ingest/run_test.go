package ingest_test

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
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

func (s *failingStore) ReplacePeriods(_ context.Context, _ string, _ int64, lines iter.Seq2[*tally.CostLine, error]) error {
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
