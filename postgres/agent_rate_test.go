package postgres_test

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tallyhq/tally"
	"github.com/tallyhq/tally/internal/pgtest"
	"github.com/tallyhq/tally/postgres"
)

func storeAgentToken(t *testing.T, db *postgres.DB, id string) {
	t.Helper()
	if _, err := db.CreateToken(ctx, tally.Token{ID: id, Kind: tally.TokenAgent, Role: tally.RoleAgent, Cluster: "prod", Name: "agents",
		SecretHash: []byte{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
}

// TestTakeAgentBatchConcurrently: batches racing for one token's bucket
// take turns, so a burst of 10 lets exactly 10 of 40 through; the others
// are told how long until the next batch's turn, a tenth of the rate
// (100 s) less what refilled meanwhile. Another token has its own bucket,
// and a revoked token's bucket goes with it.
func TestTakeAgentBatchConcurrently(t *testing.T) {
	db := pgtest.New(t)
	storeAgentToken(t, db, "tok1")
	storeAgentToken(t, db, "tok2")
	var mu sync.Mutex
	var took int
	var waits []time.Duration
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 40 {
		wg.Go(func() {
			wait, err := db.TakeAgentBatch(ctx, "tok1", 0.01, 10)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Error(err)
			case wait == 0:
				took++
			default:
				waits = append(waits, wait)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if took != 10 || len(waits) != 30 {
		t.Fatalf("%d batches taken and %d refused of 40 at once, want 10 and 30", took, len(waits))
	}
	for _, w := range waits {
		if w > 100*time.Second || w < 100*time.Second-elapsed {
			t.Errorf("refused batch told to wait %s, want 100 s less at most %s", w, elapsed)
		}
	}
	if wait, err := db.TakeAgentBatch(ctx, "tok2", 0.01, 10); err != nil || wait != 0 {
		t.Errorf("another token's first batch: wait %s, %v", wait, err)
	}
	if err := db.DeleteToken(ctx, "tok1"); err != nil {
		t.Fatal(err)
	}
	storeAgentToken(t, db, "tok1")
	if wait, err := db.TakeAgentBatch(ctx, "tok1", 0.01, 10); err != nil || wait != 0 {
		t.Errorf("a token revoked and created again: wait %s, %v; want a full bucket", wait, err)
	}
	// A token revoked after its request was admitted (a foreign key
	// violation as the bucket is inserted) is unauthorized, not a server
	// error.
	if err := db.DeleteToken(ctx, "tok2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TakeAgentBatch(ctx, "tok2", 0.01, 10); tally.ErrorCode(err) != tally.EUnauthorized {
		t.Errorf("a batch of a token revoked meanwhile: %v (code %q), want %q", err, tally.ErrorCode(err), tally.EUnauthorized)
	}
}

// TestAgentRateLetsAClusterThrough: the default limit of tally serve
// --agent-rate (200 batches a second, a burst of 2,000: web.DefaultAgentRate
// and DefaultAgentBurst) never refuses a 1,000-node cluster's agents (one
// token), at the agent's default interval (10 s): all starting at once (a
// rollout), then each sending a batch every interval, with jitter, and each
// also sending a batch it buffered through an outage with every new one
// (catching up at twice the steady rate), for a minute (six
// intervals: from the second on, every interval is alike). The database's
// clock runs on between dating the bucket back and taking from it, which
// adds some microseconds of refill to each send.
func TestAgentRateLetsAClusterThrough(t *testing.T) {
	db := pgtest.New(t)
	storeAgentToken(t, db, "cluster")
	const nodes, interval = 1000, 10 * time.Second
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var sends []time.Time
	for range nodes { // everyone at once
		sends = append(sends, t0)
	}
	// Then each node at its phase, two batches an interval.
	var later []time.Time
	for range nodes {
		phase := time.Duration(rng.Int64N(int64(interval)))
		for at := t0.Add(phase); at.Before(t0.Add(time.Minute)); at = at.Add(interval) {
			jitter := time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
			later = append(later, at.Add(jitter), at.Add(jitter+50*time.Millisecond))
		}
	}
	slices.SortFunc(later, time.Time.Compare)
	sends = append(sends, later...)
	refused, err := db.TakeAgentBatchesAt(ctx, "cluster", 200, 2000, sends)
	if err != nil {
		t.Fatal(err)
	}
	if refused > 0 {
		t.Fatalf("%d of %d batches of a %d-node cluster refused", refused, len(sends), nodes)
	}
}
