package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/attribution"
	"github.com/tallyhq/tally/internal/fixture"
)

// TestAttributeWaitsForTheScheduledRun: tally attribute saves hours under
// the advisory lock tally serve's scheduler runs under, so it waits while
// serve attributes. Both save an hour by moving the daily rollups by the
// difference from what is stored, so the same hour saved by both at once
// could be added to the rollups twice. It took no lock: it ran to the end
// while the scheduler held it.
func TestAttributeWaitsForTheScheduledRun(t *testing.T) {
	url, db := oneNodeDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	w := tally.Window{Start: fixture.Day1, End: fixture.Day1.AddDate(0, 0, 2)}
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	ran, err := db.TryLock(ctx, attributionLock, func(ctx context.Context) error {
		go func() {
			code, out, errOut := runTally("--database-url", url, "attribute", "--from", "2026-10-05", "--to", "2026-10-07")
			done <- result{code, out, errOut}
		}()
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			select {
			case r := <-done:
				t.Fatalf("tally attribute ran to the end (exit %d) while the scheduler held the attribution lock\n%s", r.code, r.err)
			default:
			}
			var waiting bool
			if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)`).Scan(&waiting); err != nil {
				return err
			}
			if waiting {
				if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 48 {
					t.Errorf("while waiting: %d stale hours, %v; want all 48 (nothing saved)", len(stale), err)
				}
				return nil
			}
		}
		t.Fatal("tally attribute neither finished nor waited for the attribution lock in a minute")
		return nil
	})
	if err != nil || !ran {
		t.Fatalf("hold the attribution lock: ran %v, %v", ran, err)
	}
	r := <-done
	if r.code != 0 {
		t.Fatalf("tally attribute after the lock was released: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if stale, err := db.StaleHours(ctx, w, attribution.ShareMax); err != nil || len(stale) != 0 {
		t.Errorf("after the run: %d stale hours, %v; want none", len(stale), err)
	}
}
